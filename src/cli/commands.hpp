// The neardup command-line tool's subcommands.
//
// Each command lives in its own file src/cli/<command>.cpp and exposes one Add*Command
// function that adds a CLI11 subcommand to the root app and returns how to run it.
// main.cpp lists them; adding a command is a new file plus one line there.
//
// Exit codes shared by every command:
//   0 success (records skipped as bad input are reported and counted, and still 0);
//   1 error (I/O, bad data, --strict stop, invalid options);
//   2 usage error (reported by CLI11 before any command runs);
//   3 finished, but an input could not be read or was truncated (the outputs hold what
//     could be read).
#ifndef NEARDUP_CLI_COMMANDS_HPP_
#define NEARDUP_CLI_COMMANDS_HPP_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "neardup/internal/json_text.hpp"
#include "neardup/io/input.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInputFailed = 3;

struct Command {
  CLI::App* app;             // the subcommand; run() is called when it was parsed
  std::function<int()> run;  // returns the exit code
};

Command AddSignCommand(CLI::App& root);
Command AddCompareCommand(CLI::App& root);
Command AddDedupCommand(CLI::App& root);
Command AddParamsCommand(CLI::App& root);
Command AddIndexCommand(CLI::App& root);
Command AddBenchCommand(CLI::App& root);

// Shingle and MinHash flags shared by the commands that sign text.
struct SignerFlags {
  std::string algo = "oph";
  uint32_t num_perm = 128;
  uint32_t ngram = 5;
  uint32_t char_ngram = 0;  // non-zero: character n-grams of this size
  uint64_t seed = kDefaultMinHashSeed;

  SignerOptions ToOptions() const;
  std::string ShingleDescription() const;  // e.g. "word 5-grams"
};

// Adds --algo (or `algo_flag`, for a command whose --algo means something else),
// --num-perm, --ngram, --char-ngram and --seed.
void AddSignerFlags(CLI::App* app, SignerFlags* flags, const std::string& algo_flag = "--algo");

// Input flags shared by the commands that read documents: --id-field, --text-field,
// --strict, --html and (with_limits) --max-doc-bytes, --max-line-bytes.
struct InputFlags {
  std::string id_field = "id";
  std::string text_field = "text";
  bool strict = false;
  uint64_t max_doc_bytes = 0;
  uint64_t max_line_bytes = 0;
  std::string html = "main";  // --html main|all (WARC pages)

  InputOptions ToOptions() const;
};
void AddInputFlags(CLI::App* app, InputFlags* flags, bool with_limits = true);

using internal::JsonNumber;
using internal::JsonString;

}  // namespace neardup::cli

#endif  // NEARDUP_CLI_COMMANDS_HPP_
