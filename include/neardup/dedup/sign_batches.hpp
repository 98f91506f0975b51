// Stage 8, reading: documents read and signed in batches, for every front end that
// signs a corpus (the dedup pipeline, `neardup sign`, `neardup index add`).
//
// Documents are read in batches (4096 documents or 32 MiB of text, whichever comes
// first) so memory stays bounded (three batches at a time). While one batch is signed
// on the worker threads, the next is read on another thread and the one before is
// handed to the caller on a third; batches reach the caller in input order, one call at
// a time, so whatever the caller writes is identical for every thread count.
//
// The reader's problems (InputOptions::on_problem) are held with the batch whose
// reading met them and reported on the caller's thread just before that batch is
// handed over: the problem handler and on_batch never run at the same time, and the
// problems come in input order relative to the batches, on every run.
#ifndef NEARDUP_DEDUP_SIGN_BATCHES_HPP_
#define NEARDUP_DEDUP_SIGN_BATCHES_HPP_

#include <functional>
#include <span>

#include "absl/status/status.h"
#include "neardup/io/input.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

// Called once per batch, in input order, with the reader's statistics as they were
// when the batch had been read (the reader itself is busy with the next batch: do not
// call it from here). A non-OK status stops the run.
using BatchFn = std::function<absl::Status(std::span<Document> docs, std::span<const DocumentSignature> sigs,
                                           const InputStats& read)>;

// Reads every document of `reader`, signs it and hands each batch to on_batch.
// Returns the reader's strict-mode error or on_batch's error, if any.
absl::Status SignInBatches(DocumentReader* reader, const SignerOptions& options, unsigned threads,
                           const BatchFn& on_batch);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_SIGN_BATCHES_HPP_
