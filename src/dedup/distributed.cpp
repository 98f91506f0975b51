// The dedup pipeline's stages over shards (dedup/distributed.hpp).
#include "neardup/dedup/distributed.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/dedup/sign_batches.hpp"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/io/input_identity.hpp"
#include "neardup/io/signature_file.hpp"

namespace neardup {
namespace {

unsigned Threads(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// Position of global document d in the slice (OutOfRange if it is not there).
absl::StatusOr<uint32_t> SliceIndex(std::span<const uint32_t> slice_docs, uint32_t d) {
  const auto it = std::lower_bound(slice_docs.begin(), slice_docs.end(), d);
  if (it == slice_docs.end() || *it != d) {
    return absl::OutOfRangeError(absl::StrCat("document ", d, " is not in the corpus slice"));
  }
  return static_cast<uint32_t>(it - slice_docs.begin());
}

// What verification the texts allow, as Deduplicate decides it.
absl::Status MakeSimilarity(const SignedCorpus& slice, const DedupOptions& options, const InputOptions& input_options,
                            std::unique_ptr<ShingleSetSource>* texts, Verification* verification,
                            DocumentSource* source) {
  *verification = options.algorithm == DedupAlgorithm::kMinHash ? options.verify : Verification::kEstimate;
  *source = DocumentSource::Files(slice.inputs, input_options);
  if (*verification == Verification::kEstimate) return absl::OkStatus();
  std::string why;
  *texts = MakeShingleSetSource(*source, slice, options, &why);
  if (*texts == nullptr && *verification == Verification::kExact) {
    return absl::FailedPreconditionError(absl::StrCat("exact verification needs the documents' texts: ", why));
  }
  if (*texts == nullptr) *verification = Verification::kEstimate;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PartitionSignStats> SignPartitionToShard(const std::vector<std::string>& inputs, uint32_t input,
                                                        ByteRange range, const DedupOptions& options,
                                                        const InputOptions& input_options,
                                                        const std::string& shard_path) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (input >= inputs.size()) {
    return absl::OutOfRangeError(absl::StrCat("input ", input, " of ", inputs.size()));
  }
  PartitionSignStats out;
  InputOptions io = input_options;
  io.byte_ranges = {range};
  io.keep_raw = false;
  io.on_problem = [&out](const InputProblem& p) { out.problems.push_back(p); };
  std::vector<InputIdentity> table;
  for (const std::string& path : inputs) {
    absl::StatusOr<InputIdentity> identity = IdentifyInput(path);
    table.push_back(identity.ok() ? *identity : InputIdentity{path});
  }
  const SignerOptions signer = options.SignerForRun();
  absl::StatusOr<SignatureFileWriter> writer = SignatureFileWriter::Create(shard_path, signer, table, kDedupMinHashBits);
  if (!writer.ok()) return writer.status();
  DocumentReader reader({inputs[input]}, io);
  absl::Status status = SignInBatches(
      &reader, signer, Threads(options.threads),
      [&](std::span<Document> docs, std::span<const DocumentSignature> sigs) -> absl::Status {
        for (size_t i = 0; i < docs.size(); ++i) {
          const RecordLocation where{.bytes = docs[i].text.size(), .input = input, .record = docs[i].record,
                                     .offset = docs[i].offset};
          if (absl::Status s = writer->Append(docs[i].id, sigs[i], where); !s.ok()) return s;
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (absl::Status s = writer->Finalize(); !s.ok()) return s;
  const InputStats& stats = reader.stats();
  out.documents = stats.documents;
  out.records = stats.documents + stats.problems;
  out.skipped = stats.problems;
  out.bytes_read = stats.bytes;
  out.failed_inputs = stats.failed_inputs;
  return out;
}

absl::StatusOr<ShardBandKeys> DedupBandKeys(const std::string& shard_path, const DedupOptions& options) {
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(shard_path);
  if (!set.ok()) return set.status();
  absl::StatusOr<LshParams> banding = DedupBanding(options);
  if (!banding.ok()) return banding.status();
  const MinHashParams& params = set->info.options.minhash;
  if (absl::Status s = ValidateLshParams(*banding, params.num_perm); !s.ok()) return s;
  ShardBandKeys out;
  out.bands = banding->bands;
  out.n = set->size();
  out.keys.resize(static_cast<size_t>(out.bands) * out.n);
  out.empty.resize(out.n);
  const std::vector<uint64_t> seeds = LshBandSeeds(params.seed, banding->bands);
  const uint32_t rows = banding->rows;
  for (size_t i = 0; i < out.n; ++i) {
    out.empty[i] = set->empty(i) ? 1 : 0;
    const std::span<const uint32_t> v = set->minhash(i);
    for (uint32_t b = 0; b < out.bands; ++b) out.keys[b * out.n + i] = CompactBandKey(v.subspan(b * rows, rows), seeds[b]);
  }
  out.ids = std::move(set->ids);
  return out;
}

absl::StatusOr<SignedCorpus> LoadCorpusSlice(std::span<const ShardRef> shards, std::span<const uint32_t> docs,
                                             const DedupOptions& options) {
  SignedCorpus c;
  c.signer = options.SignerForRun();
  bool have_table = false;
  size_t next = 0;
  for (const ShardRef& shard : shards) {
    const uint64_t end = uint64_t{shard.first_doc} + shard.count;
    while (next < docs.size() && docs[next] < shard.first_doc) {
      return absl::OutOfRangeError(absl::StrCat("document ", docs[next], " is in no shard"));
    }
    if (next == docs.size() || docs[next] >= end) continue;
    absl::StatusOr<SignatureSet> set = ReadSignatureFile(shard.path);
    if (!set.ok()) return set.status();
    if (set->size() != shard.count) {
      return absl::DataLossError(
          absl::StrCat(shard.path, ": expected ", shard.count, " records, found ", set->size()));
    }
    if (!have_table) {
      have_table = true;
      c.signer.normalize = set->info.options.normalize;
      c.signer.shingle = set->info.options.shingle;
      c.signer.minhash = set->info.options.minhash;
      c.signer.simhash_seed = set->info.options.simhash_seed;
      for (const InputIdentity& identity : set->input_table) {
        c.inputs.push_back(identity.path);
        c.identities.push_back(identity);
      }
      c.files = c.inputs;
    }
    for (; next < docs.size() && docs[next] < end; ++next) {
      const size_t i = docs[next] - shard.first_doc;
      c.ids.push_back(set->ids[i]);
      c.bytes.push_back(set->bytes[i]);
      c.input.push_back(set->inputs[i]);
      c.record.push_back(set->records[i]);
      c.offset.push_back(set->offsets[i]);
      c.file.push_back(set->inputs[i]);
      c.line.push_back(set->records[i]);
      c.empty.push_back(set->empty(i) ? 1 : 0);
      c.held.push_back(0);
      if (c.signer.compute_minhash) {
        c.minhash.Append(set->minhash(i));
      }
      if (c.signer.compute_simhash) c.simhash.push_back(set->simhashes[i]);
    }
  }
  if (next != docs.size()) return absl::OutOfRangeError(absl::StrCat("document ", docs[next], " is in no shard"));
  return c;
}

absl::StatusOr<std::vector<CandidatePair>> CandidatesOfRuns(std::span<const uint32_t> docs,
                                                            std::span<const uint64_t> starts,
                                                            std::span<const uint32_t> bands,
                                                            const SignedCorpus& slice,
                                                            std::span<const uint32_t> slice_docs,
                                                            const DedupOptions& options, LshBatchStats* stats) {
  absl::StatusOr<LshParams> banding = DedupBanding(options);
  if (!banding.ok()) return banding.status();
  if (starts.size() != bands.size() + 1 || (!starts.empty() && starts.back() != docs.size())) {
    return absl::InvalidArgumentError("runs: starts must have one entry per run plus one, ending at docs.size()");
  }
  const uint32_t k = slice.signer.minhash.num_perm;
  const LshBatchOptions lsh = DedupLshOptions(options, *banding, k);
  LshBatchStats local;
  LshBatchStats* st = stats != nullptr ? stats : &local;
  LshRunExpander expander(lsh, k, st);
  // Only long runs read values, and their members are all in the slice.
  absl::Status missing;
  const auto row = [&](uint32_t d) -> const uint16_t* {
    absl::StatusOr<uint32_t> at = SliceIndex(slice_docs, d);
    if (!at.ok()) {
      missing.Update(at.status());
      static const std::vector<uint16_t> zeros(kMaxNumPerm, 0);
      return zeros.data();
    }
    return slice.minhash.RowData(*at);
  };
  std::vector<uint64_t> packed;
  for (size_t r = 0; r < bands.size(); ++r) {
    const std::span<const uint32_t> run = docs.subspan(starts[r], starts[r + 1] - starts[r]);
    if (run.size() < 2) continue;
    expander.Expand(run, bands[r], row, &packed);
  }
  if (!missing.ok()) return missing;
  std::sort(packed.begin(), packed.end());
  packed.erase(std::unique(packed.begin(), packed.end()), packed.end());
  std::vector<CandidatePair> out;
  out.reserve(packed.size());
  for (const uint64_t p : packed) out.push_back({static_cast<uint32_t>(p >> 32), static_cast<uint32_t>(p)});
  return out;
}

absl::StatusOr<std::vector<ScoredPair>> VerifyCandidatesInSlice(std::span<const CandidatePair> candidates,
                                                                const SignedCorpus& slice,
                                                                std::span<const uint32_t> slice_docs,
                                                                const DedupOptions& options,
                                                                const InputOptions& input_options,
                                                                DedupStats* stats) {
  std::vector<CandidatePair> local;
  local.reserve(candidates.size());
  for (const CandidatePair& p : candidates) {
    absl::StatusOr<uint32_t> a = SliceIndex(slice_docs, p.first);
    if (!a.ok()) return a.status();
    absl::StatusOr<uint32_t> b = SliceIndex(slice_docs, p.second);
    if (!b.ok()) return b.status();
    local.push_back({*a, *b});
  }
  std::unique_ptr<ShingleSetSource> texts;
  Verification verification;
  DocumentSource source;
  if (absl::Status s = MakeSimilarity(slice, options, input_options, &texts, &verification, &source); !s.ok()) {
    return s;
  }
  PairSimilarity sim(slice, options, verification, texts.get());
  absl::StatusOr<std::vector<ScoredPair>> verified = VerifyCandidates(local, options, &sim, stats);
  if (!verified.ok()) return verified.status();
  if (stats) stats->texts_read_again += sim.loaded();
  for (ScoredPair& p : *verified) {
    p.a = slice_docs[p.a];
    p.b = slice_docs[p.b];
  }
  return verified;
}

absl::StatusOr<SliceClusters> ClusterSlice(std::span<const ScoredPair> verified, const SignedCorpus& slice,
                                           std::span<const uint32_t> slice_docs, const DedupOptions& options,
                                           const InputOptions& input_options) {
  std::vector<ScoredPair> local(verified.begin(), verified.end());
  for (ScoredPair& p : local) {
    absl::StatusOr<uint32_t> a = SliceIndex(slice_docs, p.a);
    if (!a.ok()) return a.status();
    absl::StatusOr<uint32_t> b = SliceIndex(slice_docs, p.b);
    if (!b.ok()) return b.status();
    p.a = *a;
    p.b = *b;
  }
  std::sort(local.begin(), local.end(), [](const ScoredPair& x, const ScoredPair& y) {
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });
  std::unique_ptr<ShingleSetSource> texts;
  Verification verification;
  DocumentSource source;
  if (absl::Status s = MakeSimilarity(slice, options, input_options, &texts, &verification, &source); !s.ok()) {
    return s;
  }
  PairSimilarity sim(slice, options, verification, texts.get());
  absl::StatusOr<std::vector<Cluster>> clusters = ClusterDocuments(slice, local, options, &sim);
  if (!clusters.ok()) return clusters.status();
  DedupResult named;  // ClusterJson reads the ids and the keep rule only
  named.corpus.ids = slice.ids;
  named.options = options;
  SliceClusters out;
  for (const Cluster& c : *clusters) {
    out.keep.push_back(slice_docs[c.representative]);
    out.lines.push_back(ClusterJson(named, c, 0));
  }
  return out;
}

}  // namespace neardup
