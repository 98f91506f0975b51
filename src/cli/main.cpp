// neardup: command-line front end. Each subcommand is defined in its own file (see
// commands.hpp); this file only parses the command line and dispatches. The
// executable's main() (tool/neardup_main.cpp) and the Python module both call Main.
#include "main.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <vector>

#include "commands.hpp"

namespace neardup::cli {
namespace {

int Run(int argc, char** argv) {
  CLI::App app{"neardup: near-duplicate text detection (shingles, MinHash, SimHash)", "neardup"};
  app.require_subcommand(1);
  const std::vector<Command> commands = {
      AddSignCommand(app),
      AddCompareCommand(app),
      AddDedupCommand(app),
      AddParamsCommand(app),
      AddIndexCommand(app),
      AddBenchCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version requests exit 0; every other parse failure is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kExitUsage;
}

}  // namespace

int Main(int argc, char** argv) {
  const int code = Run(argc, argv);
  // A host process (Python) keeps running after this returns: what the command wrote
  // must be out before the host writes anything of its own.
  std::cout.flush();
  std::cerr.flush();
  return code;
}

}  // namespace neardup::cli
