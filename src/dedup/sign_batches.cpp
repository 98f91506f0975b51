#include "neardup/dedup/sign_batches.hpp"

#include <functional>
#include <future>
#include <utility>
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
  std::vector<InputProblem> problems;  // reported by the reader while reading this batch
  InputStats read;                     // the reader's statistics after this batch
};

// Fills *batch; problems the reader reports meanwhile go to *problems_to.
void Fill(DocumentReader* reader, Batch* batch, Batch** problems_to) {
  batch->size = 0;
  batch->problems.clear();
  *problems_to = batch;
  size_t bytes = 0;
  while (batch->size < kBatchDocuments && bytes < kBatchBytes) {
    if (batch->docs.size() == batch->size) batch->docs.emplace_back();
    Document& doc = batch->docs[batch->size];
    absl::StatusOr<bool> more = reader->Next(&doc);
    if (!more.ok() || !*more) {
      batch->status = more.status();
      batch->last = true;
      break;
    }
    bytes += doc.text.size();
    ++batch->size;
  }
  batch->read = reader->stats();
}

// Puts the caller's problem handler back however SignInBatches returns.
class ProblemRoute {
 public:
  ProblemRoute(DocumentReader* reader, Batch** problems_to)
      : reader_(reader),
        user_(reader->ExchangeOnProblem([problems_to](const InputProblem& p) {
          (*problems_to)->problems.push_back(p);
        })) {}
  ~ProblemRoute() { reader_->ExchangeOnProblem(std::move(user_)); }
  ProblemRoute(const ProblemRoute&) = delete;
  ProblemRoute& operator=(const ProblemRoute&) = delete;

  void Deliver(const Batch& batch) const {
    if (user_) {
      for (const InputProblem& p : batch.problems) user_(p);
    }
  }

 private:
  DocumentReader* reader_;
  std::function<void(const InputProblem&)> user_;
};

}  // namespace

absl::Status SignInBatches(DocumentReader* reader, const SignerOptions& options, unsigned threads,
                           const BatchFn& on_batch) {
  std::vector<Signer> signers(threads, Signer(options));
  // Three batches take turns: while batch i is signed, batch i + 1 is read and batch
  // i - 1 is handed to on_batch, each on a thread of its own, so neither the reader nor
  // the caller's work (ids, columns, files) leaves a core waiting. The reader and
  // on_batch each have one user at a time, and on_batch sees the batches in order.
  Batch batches[3];
  // The batch being read: written before each Fill starts (the thread start orders it).
  Batch* filling = nullptr;
  const ProblemRoute route(reader, &filling);
  std::vector<DocumentSignature> sigs[2];
  std::future<absl::Status> consumed;  // on_batch of the batch signed before
  const auto release = [](Batch* batch) {
    for (size_t i = 0; i < batch->size; ++i) {
      std::string& text = batch->docs[i].text;
      if (text.capacity() > kKeepTextCapacity) std::string().swap(text);
    }
  };
  Fill(reader, &batches[0], &filling);
  for (size_t round = 0;; ++round) {
    Batch& batch = batches[round % 3];
    std::future<void> next;
    if (!batch.last) {
      Batch* following = &batches[(round + 1) % 3];
      next = std::async(std::launch::async, [reader, following, &filling] { Fill(reader, following, &filling); });
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
      consumed = std::async(std::launch::async, [&on_batch, &batch, &batch_sigs, &route] {
        route.Deliver(batch);
        return on_batch(std::span<Document>(batch.docs.data(), batch.size),
                        std::span<const DocumentSignature>(batch_sigs.data(), batch.size), batch.read);
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
