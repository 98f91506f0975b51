// The neardup command line as a function, so the executable and the Python module
// (`python -m neardup`, neardup._core.main) run the same parser and commands and
// cannot drift apart.
#ifndef NEARDUP_CLI_MAIN_HPP_
#define NEARDUP_CLI_MAIN_HPP_

namespace neardup::cli {

// Parses argv (argv[0] is the program name) and runs the subcommand; returns the exit
// code (commands.hpp lists them). Output goes to std::cout / std::cerr, flushed on return.
int Main(int argc, char** argv);

}  // namespace neardup::cli

#endif  // NEARDUP_CLI_MAIN_HPP_
