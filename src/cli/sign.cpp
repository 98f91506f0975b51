// `neardup sign INPUT... -o OUT`: documents -> signature file.
//
// Documents are read in batches (4096 documents or 64 MiB of text, whichever comes
// first) so memory stays bounded on any corpus. While one batch is signed on the
// worker threads, the next one is read on another thread; records are written in
// input order, so the output is byte-identical for every --threads value.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"
#include "neardup/io/input.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::cli {
namespace {

constexpr size_t kBatchDocuments = 4096;
constexpr size_t kBatchBytes = 64u << 20;
// A batch slot that held a larger text gives its memory back, so that a few huge
// documents do not pin their size in every slot for the rest of the run.
constexpr size_t kKeepTextCapacity = 1u << 20;

struct SignFlags {
  std::vector<std::string> inputs;
  std::string output;
  unsigned threads = 0;
  std::string id_field = "id";
  std::string text_field = "text";
  bool strict = false;
  uint64_t max_doc_bytes = 0;
  uint64_t max_line_bytes = 0;
  SignerFlags signer;
};

// stderr lines from the reader thread and the progress line from the main thread,
// without one overwriting the other.
class Console {
 public:
  Console() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void Line(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    ClearProgress();
    std::fprintf(stderr, "%s\n", text.c_str());
  }

  void Progress(const std::string& text) {
    if (!tty_) return;
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    std::fflush(stderr);
    progress_shown_ = true;
  }

  void EndProgress() {
    std::lock_guard<std::mutex> lock(mu_);
    ClearProgress();
  }

 private:
  void ClearProgress() {
    if (!progress_shown_) return;
    std::fprintf(stderr, "\r\x1b[K");
    progress_shown_ = false;
  }

  const bool tty_;
  std::mutex mu_;
  bool progress_shown_ = false;
};

struct Batch {
  std::vector<Document> docs;  // the first `size` are this batch's documents
  size_t size = 0;
  bool last = false;           // the reader has no more documents (or failed)
  absl::Status status;
};

void Fill(DocumentReader* reader, Batch* batch) {
  batch->size = 0;
  size_t bytes = 0;
  while (batch->size < kBatchDocuments && bytes < kBatchBytes) {
    if (batch->docs.size() == batch->size) batch->docs.emplace_back();
    Document& doc = batch->docs[batch->size];
    absl::StatusOr<bool> more = reader->Next(&doc);
    if (!more.ok() || !*more) {
      batch->status = more.status();
      batch->last = true;
      return;
    }
    bytes += doc.text.size();
    ++batch->size;
  }
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Megabytes(uint64_t bytes) { return absl::StrFormat("%.1f MB", bytes / 1e6); }

int RunSign(const SignFlags& flags) {
  const auto start = std::chrono::steady_clock::now();
  Console console;
  const SignerOptions options = flags.signer.ToOptions();

  InputOptions input_options;
  input_options.fields.id_field = flags.id_field;
  input_options.fields.text_field = flags.text_field;
  input_options.strict = flags.strict;
  input_options.max_document_bytes = flags.max_doc_bytes;
  input_options.max_line_bytes = flags.max_line_bytes;
  input_options.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  DocumentReader reader(flags.inputs, std::move(input_options));

  absl::StatusOr<SignatureFileWriter> writer = SignatureFileWriter::Create(flags.output, options);
  if (!writer.ok()) {
    console.Line(absl::StrCat("neardup sign: error: ", writer.status().message()));
    return kExitError;
  }

  const unsigned threads =
      flags.threads != 0 ? flags.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Signer> signers(threads, Signer(options));
  std::vector<DocumentSignature> sigs;
  uint64_t signed_docs = 0, empty_docs = 0, replaced_bytes = 0;
  auto last_progress = start;

  Batch batches[2];
  Fill(&reader, &batches[0]);
  for (int cur = 0;; cur ^= 1) {
    Batch& batch = batches[cur];
    // Read ahead while this batch is signed. The reader is used by one thread at a
    // time: this task is the only user until get().
    std::future<void> next;
    if (!batch.last) {
      Batch* following = &batches[cur ^ 1];
      next = std::async(std::launch::async, [&reader, following] { Fill(&reader, following); });
    }
    if (sigs.size() < batch.size) sigs.resize(batch.size);
    ParallelFor(batch.size, threads, [&](unsigned worker, size_t i) {
      signers[worker].Sign(batch.docs[i].text, &sigs[i]);
    });
    absl::Status write_status;
    for (size_t i = 0; i < batch.size && write_status.ok(); ++i) {
      write_status = writer->Append(batch.docs[i].id, sigs[i]);
      empty_docs += sigs[i].empty();
      replaced_bytes += sigs[i].replaced_bytes;
    }
    signed_docs += batch.size;
    for (size_t i = 0; i < batch.size; ++i) {
      std::string& text = batch.docs[i].text;
      if (text.capacity() > kKeepTextCapacity) std::string().swap(text);
    }
    if (next.valid()) next.get();
    if (!write_status.ok()) {
      console.Line(absl::StrCat("neardup sign: error: ", write_status.message()));
      return kExitError;
    }
    if (!batch.status.ok()) {
      console.Line(absl::StrCat("neardup sign: error: ", batch.status.message()));
      return kExitError;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::milliseconds(500)) {
      last_progress = now;
      const double secs = Seconds(now - start);
      console.Progress(absl::StrFormat("neardup sign: %d documents, %s, %.1f MB/s", signed_docs,
                                       Megabytes(reader.stats().bytes),
                                       reader.stats().bytes / 1e6 / std::max(secs, 1e-9)));
    }
    if (batch.last) break;
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
  return kExitOk;
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
  app->add_option("--id-field", flags->id_field,
                  "JSONL id field (string or integer; '/a/b' = JSON Pointer; '' = file:line)")
      ->capture_default_str();
  app->add_option("--text-field", flags->text_field, "JSONL text field")->capture_default_str();
  app->add_flag("--strict", flags->strict, "stop with exit code 1 at the first bad record");
  app->add_option("--max-doc-bytes", flags->max_doc_bytes,
                  "skip documents whose text is longer (0 = no limit)")
      ->capture_default_str();
  app->add_option("--max-line-bytes", flags->max_line_bytes,
                  "skip JSONL lines that are longer, without buffering them (0 = no limit)")
      ->capture_default_str();
  AddSignerFlags(app, &flags->signer);
  return {app, [flags] { return RunSign(*flags); }};
}

}  // namespace neardup::cli
