#include "neardup/dedup/sign_batches.hpp"

#include <future>
#include <vector>

namespace neardup {
namespace {

constexpr size_t kBatchDocuments = 4096;
constexpr size_t kBatchBytes = 64u << 20;
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
  std::vector<DocumentSignature> sigs;
  Batch batches[2];
  Fill(reader, &batches[0]);
  for (int cur = 0;; cur ^= 1) {
    Batch& batch = batches[cur];
    // Read ahead while this batch is signed. The reader has one user at a time: this
    // task, until get().
    std::future<void> next;
    if (!batch.last) {
      Batch* following = &batches[cur ^ 1];
      next = std::async(std::launch::async, [reader, following] { Fill(reader, following); });
    }
    if (sigs.size() < batch.size) sigs.resize(batch.size);
    // A thread that cannot start leaves its share to the others: every document is
    // still signed, and the output does not depend on the thread count.
    (void)ParallelFor(batch.size, threads, [&](unsigned worker, size_t i) {
      signers[worker].Sign(batch.docs[i].text, &sigs[i]);
    });
    absl::Status status = on_batch(std::span<Document>(batch.docs.data(), batch.size),
                                   std::span<const DocumentSignature>(sigs.data(), batch.size));
    for (size_t i = 0; i < batch.size; ++i) {
      std::string& text = batch.docs[i].text;
      if (text.capacity() > kKeepTextCapacity) std::string().swap(text);
    }
    if (next.valid()) next.get();
    if (!status.ok()) return status;
    if (!batch.status.ok()) return batch.status;
    if (batch.last) return absl::OkStatus();
  }
}

}  // namespace neardup
