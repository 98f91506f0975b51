// neardup: command-line front end. Each subcommand is defined in its own file (see
// commands.hpp); this file only parses the command line and dispatches.
#include <CLI/CLI.hpp>

#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"neardup: near-duplicate text detection (shingles, MinHash, SimHash)", "neardup"};
  app.require_subcommand(1);
  const std::vector<neardup::cli::Command> commands = {
      neardup::cli::AddSignCommand(app),
      neardup::cli::AddCompareCommand(app),
      neardup::cli::AddDedupCommand(app),
      neardup::cli::AddParamsCommand(app),
      neardup::cli::AddIndexCommand(app),
      neardup::cli::AddBenchCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version requests exit 0; every other parse failure is a usage error.
    return app.exit(e) == 0 ? neardup::cli::kExitOk : neardup::cli::kExitUsage;
  }
  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return neardup::cli::kExitUsage;
}
