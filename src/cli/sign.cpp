// `neardup sign INPUT... -o OUT`: documents -> signature file.
//
// Documents are read and signed in batches (dedup/sign_batches.hpp), so memory stays bounded
// on any corpus; records are written in input order, so the output is byte-identical
// for every --threads value.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"
#include "neardup/dedup/columns.hpp"
#include "neardup/dedup/dedup.hpp"
#include "neardup/dedup/sign_batches.hpp"
#include "console.hpp"
#include "neardup/io/input.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::cli {
namespace {

struct SignFlags {
  std::vector<std::string> inputs;
  std::string output;
  unsigned threads = 0;
  bool simhash = false;
  uint32_t minhash_bits = kDedupMinHashBits;
  InputFlags input;
  SignerFlags signer;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Megabytes(uint64_t bytes) { return absl::StrFormat("%.1f MB", bytes / 1e6); }

int RunSign(const SignFlags& flags) {
  const auto start = std::chrono::steady_clock::now();
  Console console;
  SignerOptions options = flags.signer.ToOptions();
  options.compute_simhash = flags.simhash;

  InputOptions input_options = flags.input.ToOptions();
  input_options.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  DocumentReader reader(flags.inputs, std::move(input_options));

  // The input table: what `neardup dedup` checks before it reads a text again.
  std::vector<InputIdentity> identities;
  for (const std::string& path : flags.inputs) {
    absl::StatusOr<InputIdentity> identity = IdentifyInput(path);
    identities.push_back(identity.ok() ? *identity : InputIdentity{path});
  }
  absl::Status refused = RefuseOverwritingInputs(flags.inputs, flags.output, "signature output");
  absl::StatusOr<SignatureFileWriter> writer =
      refused.ok() ? SignatureFileWriter::Create(flags.output, options, identities, flags.minhash_bits)
                   : absl::StatusOr<SignatureFileWriter>(refused);
  if (!writer.ok()) {
    console.Line(absl::StrCat("neardup sign: error: ", writer.status().message()));
    return kExitError;
  }

  const unsigned threads =
      flags.threads != 0 ? flags.threads : std::max(1u, std::thread::hardware_concurrency());
  uint64_t signed_docs = 0, empty_docs = 0, replaced_bytes = 0;
  const absl::Status status = SignInBatches(
      &reader, options, threads,
      [&](std::span<Document> docs, std::span<const DocumentSignature> sigs, const InputStats& read) -> absl::Status {
        for (size_t i = 0; i < docs.size(); ++i) {
          const RecordLocation where{.bytes = docs[i].text.size(),
                                     .input = docs[i].input,
                                     .record = docs[i].record,
                                     .offset = docs[i].offset};
          if (absl::Status s = writer->Append(docs[i].id, sigs[i], where); !s.ok()) return s;
          empty_docs += sigs[i].empty();
          replaced_bytes += sigs[i].replaced_bytes;
        }
        signed_docs += docs.size();
        const double secs = Seconds(std::chrono::steady_clock::now() - start);
        console.Progress(absl::StrFormat("neardup sign: %d documents, %s, %.1f MB/s", signed_docs,
                                         Megabytes(read.bytes), read.bytes / 1e6 / std::max(secs, 1e-9)));
        return absl::OkStatus();
      });
  if (!status.ok()) {
    console.EndProgress();
    console.Line(absl::StrCat("neardup sign: error: ", status.message()));
    return kExitError;
  }
  console.EndProgress();
  if (absl::Status s = writer->Finalize(); !s.ok()) {
    console.Line(absl::StrCat("neardup sign: error: ", s.message()));
    return kExitError;
  }

  const InputStats& stats = reader.stats();
  std::string reasons;
  for (size_t k = 1; k < kNumProblemKinds; ++k) {
    if (stats.problems_by_kind[k] == 0) continue;
    absl::StrAppend(&reasons, reasons.empty() ? " (" : ", ",
                    ProblemKindName(static_cast<ProblemKind>(k)), ": ", stats.problems_by_kind[k]);
  }
  if (!reasons.empty()) reasons += ")";
  const double secs = Seconds(std::chrono::steady_clock::now() - start);
  console.Line(absl::StrFormat(
      "neardup sign: read %d documents: %d signed, %d skipped%s, %d empty", signed_docs + stats.problems,
      signed_docs, stats.problems, reasons, empty_docs));
  console.Line(absl::StrFormat(
      "neardup sign: %d ill-formed UTF-8 bytes replaced; %s in %.3f s (%.1f MB/s, %u threads)",
      replaced_bytes, Megabytes(stats.bytes), secs, stats.bytes / 1e6 / std::max(secs, 1e-9),
      threads));
  console.Line(absl::StrFormat("neardup sign: wrote %s: %d records, %d bytes", flags.output,
                               writer->record_count(), writer->bytes_written()));
  return stats.failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

}  // namespace

Command AddSignCommand(CLI::App& root) {
  auto flags = std::make_shared<SignFlags>();
  CLI::App* app = root.add_subcommand(
      "sign",
      "sign documents (JSONL, .jsonl.gz, .jsonl.zst, '-' for stdin, or directories of .txt "
      "files) into a signature file");
  app->add_option("INPUT", flags->inputs, "input files or directories")->required();
  app->add_option("-o,--output", flags->output, "signature file to write")->required();
  app->add_option("--threads", flags->threads, "signing threads (0 = all cores)")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  app->add_flag("--simhash", flags->simhash, "also store SimHash-64 fingerprints (for dedup --algo simhash)");
  app->add_option("--minhash-bits", flags->minhash_bits,
                  "bits stored of each MinHash value: 16 (b-bit, what dedup uses) or 32")
      ->check(CLI::IsMember({16u, 32u}))
      ->capture_default_str();
  AddInputFlags(app, &flags->input);
  AddSignerFlags(app, &flags->signer);
  return {app, [flags] { return RunSign(*flags); }};
}

}  // namespace neardup::cli
