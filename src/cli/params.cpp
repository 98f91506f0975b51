// `neardup params --threshold T --num-perm K`: which LSH banding neardup uses for a
// Jaccard threshold, its S-curve and expected false positive / negative rates.
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "commands.hpp"
#include "neardup/index/lsh_params.hpp"

namespace neardup::cli {
namespace {

struct ParamsFlags {
  double threshold = 0.8;
  uint32_t num_perm = 128;
  uint32_t bands = 0;
  uint32_t rows = 0;
  // The weights `neardup dedup` uses: every candidate is verified, so a miss costs more.
  double fp_weight = 0.05;
  double fn_weight = 0.95;
};

int RunParams(const ParamsFlags& f) {
  std::optional<LshParams> given;
  if (f.bands != 0 || f.rows != 0) given = LshParams{f.bands, f.rows};
  if (f.threshold == 1.0 && !given) {
    // No S-curve trade-off to weigh: only identical signatures can be exact duplicates.
    std::printf("threshold 1 (the same shingle set): neardup dedup uses 1 band x %u rows, so only identical "
                "signatures are candidates, and verifies them\n",
                f.num_perm);
    return kExitOk;
  }
  absl::StatusOr<LshReport> report = MakeLshReport(f.threshold, f.num_perm, given, f.fp_weight, f.fn_weight);
  if (!report.ok()) {
    std::fprintf(stderr, "neardup params: error: %s\n", std::string(report.status().message()).c_str());
    return kExitError;
  }
  std::fputs(FormatLshReport(*report).c_str(), stdout);
  return kExitOk;
}

}  // namespace

Command AddParamsCommand(CLI::App& root) {
  auto flags = std::make_shared<ParamsFlags>();
  CLI::App* app = root.add_subcommand(
      "params", "choose MinHash LSH bands x rows for a Jaccard threshold and show the S-curve");
  app->add_option("--threshold", flags->threshold, "Jaccard similarity threshold")->capture_default_str();
  app->add_option("--num-perm", flags->num_perm, "MinHash values per document (k)")->capture_default_str();
  app->add_option("--bands", flags->bands, "evaluate this many bands instead of choosing (with --rows)");
  app->add_option("--rows", flags->rows, "rows per band (with --bands)");
  app->add_option("--fp-weight", flags->fp_weight, "weight of false positives in the choice")
      ->capture_default_str();
  app->add_option("--fn-weight", flags->fn_weight, "weight of false negatives in the choice")
      ->capture_default_str();
  return {app, [flags] { return RunParams(*flags); }};
}

}  // namespace neardup::cli
