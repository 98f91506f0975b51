#include "neardup/dedup/sign_batches.hpp"

#include <future>
#include <vector>

namespace neardup {
namespace {

constexpr size_t kBatchDocuments = 4096;
constexpr size_t kBatchBytes = 32u << 20;
// A batch slot that held a larger text gives its memory back, so that a few huge
// documents do not pin their size in every slot for the rest of the run.
constexpr size_t kKeepTextCapacity = 1u << 20;

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

}  // namespace

absl::Status SignInBatches(DocumentReader* reader, const SignerOptions& options, unsigned threads,
                           const BatchFn& on_batch) {
  std::vector<Signer> signers(threads, Signer(options));
  // Three batches take turns: while batch i is signed, batch i + 1 is read and batch
  // i - 1 is handed to on_batch, each on a thread of its own, so neither the reader nor
  // the caller's work (ids, columns, files) leaves a core waiting. The reader and
  // on_batch each have one user at a time, and on_batch sees the batches in order.
  Batch batches[3];
  std::vector<DocumentSignature> sigs[2];
  std::future<absl::Status> consumed;  // on_batch of the batch signed before
  const auto release = [](Batch* batch) {
    for (size_t i = 0; i < batch->size; ++i) {
      std::string& text = batch->docs[i].text;
      if (text.capacity() > kKeepTextCapacity) std::string().swap(text);
    }
  };
  Fill(reader, &batches[0]);
  for (size_t round = 0;; ++round) {
    Batch& batch = batches[round % 3];
    std::future<void> next;
    if (!batch.last) {
      Batch* following = &batches[(round + 1) % 3];
      next = std::async(std::launch::async, [reader, following] { Fill(reader, following); });
    }
    std::vector<DocumentSignature>& batch_sigs = sigs[round % 2];
    if (batch_sigs.size() < batch.size) batch_sigs.resize(batch.size);
    // A thread that cannot start leaves its share to the others: every document is
    // still signed, and the output does not depend on the thread count.
    (void)ParallelFor(batch.size, threads, [&](unsigned worker, size_t i) {
      signers[worker].Sign(batch.docs[i].text, &batch_sigs[i]);
    });
    absl::Status status = consumed.valid() ? consumed.get() : absl::OkStatus();
    if (round > 0) release(&batches[(round + 2) % 3]);
    if (status.ok()) {
      consumed = std::async(std::launch::async, [&on_batch, &batch, &batch_sigs] {
        return on_batch(std::span<Document>(batch.docs.data(), batch.size),
                        std::span<const DocumentSignature>(batch_sigs.data(), batch.size));
      });
    }
    if (next.valid()) next.get();
    if (!status.ok()) return status;
    if (batch.last || !batch.status.ok()) {
      status = consumed.get();
      if (!status.ok()) return status;
      return batch.status;
    }
  }
}

}  // namespace neardup
