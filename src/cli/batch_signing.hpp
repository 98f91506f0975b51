// Reading and signing documents in batches, shared by the commands that sign a corpus.
//
// Documents are read in batches (4096 documents or 64 MiB of text, whichever comes
// first) so memory stays bounded. While one batch is signed on the worker threads the
// next is read on another thread; batches reach the caller in input order, so whatever
// the caller writes is identical for every thread count.
#ifndef NEARDUP_CLI_BATCH_SIGNING_HPP_
#define NEARDUP_CLI_BATCH_SIGNING_HPP_

#include <functional>
#include <span>

#include "absl/status/status.h"
#include "neardup/io/input.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::cli {

// Called once per batch, in input order. `signers` are the per-worker signers (their
// last_* buffers belong to an arbitrary document). A non-OK status stops the run.
using BatchFn = std::function<absl::Status(std::span<Document> docs,
                                           std::span<const DocumentSignature> sigs)>;

// Reads every document of `reader`, signs it and hands each batch to on_batch.
// Returns the reader's strict-mode error or on_batch's error, if any.
absl::Status SignInBatches(DocumentReader* reader, const SignerOptions& options, unsigned threads,
                           const BatchFn& on_batch);

}  // namespace neardup::cli

#endif  // NEARDUP_CLI_BATCH_SIGNING_HPP_
