// The dedup pipeline's stages over shards (dedup/distributed.hpp).
#include "neardup/dedup/distributed.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <tuple>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/dedup/sign_batches.hpp"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/internal/json_text.hpp"
#include "neardup/io/format.hpp"
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

// Pairs packed first << 32 | second -> ascending and unique.
std::vector<CandidatePair> UnpackPairs(std::vector<uint64_t>* packed) {
  std::sort(packed->begin(), packed->end());
  packed->erase(std::unique(packed->begin(), packed->end()), packed->end());
  std::vector<CandidatePair> out;
  out.reserve(packed->size());
  for (const uint64_t p : *packed) out.push_back({static_cast<uint32_t>(p >> 32), static_cast<uint32_t>(p)});
  return out;
}

// The similarity of a slice's documents with the verification the texts allow, as
// Deduplicate decides it (MakeSimilarity fills it in place: `sim` refers to the rest).
struct SliceSimilarity {
  std::unique_ptr<ShingleSetSource> texts;
  Verification verification = Verification::kEstimate;
  DocumentSource source;
  std::optional<PairSimilarity> sim;
};

absl::Status MakeSimilarity(const SignedCorpus& slice, const DedupOptions& options, const InputOptions& input_options,
                            SliceSimilarity* out) {
  out->verification = options.algorithm == DedupAlgorithm::kMinHash ? options.verify : Verification::kEstimate;
  out->source = DocumentSource::Files(slice.inputs, input_options);
  if (out->verification != Verification::kEstimate) {
    std::string why;
    out->texts = MakeShingleSetSource(out->source, slice, options, &why);
    if (out->texts == nullptr && out->verification == Verification::kExact) {
      return absl::FailedPreconditionError(absl::StrCat("exact verification needs the documents' texts: ", why));
    }
    if (out->texts == nullptr) out->verification = Verification::kEstimate;
  }
  out->sim.emplace(slice, options, out->verification, out->texts.get());
  return absl::OkStatus();
}

// --- Exchange files (the layout is in distributed.hpp). ---

enum class ExchangeKind : uint32_t { kIds = 1, kPassages = 2, kSignatures = 3, kBandKeys = 4, kRuns = 5, kFingerprints = 6 };
constexpr uint32_t kExchangeVersion = 1;
constexpr size_t kExchangeHeaderBytes = 64;
constexpr size_t kExchangeChecksumAt = 56;

// One range's records, built in memory and written atomically at the end.
struct ExchangeBuffer {
  std::string path;
  std::string bytes;
  uint64_t records = 0;
};

// A temporary name of this process and thread: a task run twice at once (a worker
// presumed lost) must not write into the other's file.
std::string TempSuffix() {
  return absl::StrCat(".tmp", ::getpid(), "-", std::hash<std::thread::id>()(std::this_thread::get_id()));
}

void AppendBytes(std::string* out, std::string_view s) {
  internal::AppendLe32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

absl::Status WriteExchange(const ExchangeBuffer& b, ExchangeKind kind, uint32_t partition) {
  char h[kExchangeHeaderBytes] = {};
  internal::EncodeHeaderPrefix(ObjectType::kExchange, kExchangeVersion, h);
  internal::StoreLe32(h + 16, static_cast<uint32_t>(kind));
  internal::StoreLe32(h + 20, partition);
  internal::StoreLe64(h + 24, b.records);
  internal::StoreLe64(h + 32, b.bytes.size());
  internal::StoreLe64(h + 40, XXH3_64bits(b.bytes.data(), b.bytes.size()));
  internal::SealHeader(h, kExchangeChecksumAt);
  absl::StatusOr<std::unique_ptr<internal::AtomicFile>> file = internal::AtomicFile::Create(b.path, TempSuffix());
  if (!file.ok()) return file.status();
  if (absl::Status s = (*file)->Write(h, sizeof h); !s.ok()) return s;
  if (absl::Status s = (*file)->Write(b.bytes.data(), b.bytes.size()); !s.ok()) return s;
  return (*file)->Commit();
}

// An exchange file's records, checked; `partition` says whose they are.
struct ExchangeFile {
  std::string payload;
  uint64_t records = 0;
  uint32_t partition = 0;
};

// Checks an exchange file's header (`have`: its first bytes) and kind.
absl::Status CheckExchangeHeader(std::string_view have, const std::string& path, ExchangeKind kind) {
  internal::HeaderPrefix prefix;
  if (absl::Status s = internal::CheckHeader(have, path, {static_cast<uint32_t>(ObjectType::kExchange)},
                                             kExchangeVersion, kExchangeHeaderBytes, kExchangeChecksumAt, &prefix);
      !s.ok()) {
    return s;
  }
  if (internal::LoadLe32(have.data() + 16) != static_cast<uint32_t>(kind)) {
    return internal::FormatError(absl::StatusCode::kFailedPrecondition, path, "header", 16,
                                 absl::StrCat("exchange kind ", internal::LoadLe32(have.data() + 16), ", expected ",
                                              static_cast<uint32_t>(kind)));
  }
  return absl::OkStatus();
}

absl::StatusOr<ExchangeFile> ReadExchange(const std::string& path, ExchangeKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return internal::ErrnoError(path, "cannot open", errno);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return internal::ErrnoError(path, "read error", errno);
  if (absl::Status s = CheckExchangeHeader(all, path, kind); !s.ok()) return s;
  const char* h = all.data();
  ExchangeFile out;
  out.partition = internal::LoadLe32(h + 20);
  out.records = internal::LoadLe64(h + 24);
  const uint64_t bytes = internal::LoadLe64(h + 32);
  if (bytes != all.size() - kExchangeHeaderBytes) {
    return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload", kExchangeHeaderBytes,
                                 absl::StrCat("the header says ", bytes, " bytes, the file holds ",
                                              all.size() - kExchangeHeaderBytes));
  }
  const uint64_t stored = internal::LoadLe64(h + 40);
  const uint64_t computed = XXH3_64bits(h + kExchangeHeaderBytes, bytes);
  if (stored != computed) {
    return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload", kExchangeHeaderBytes,
                                 internal::ChecksumMismatch(kExchangeHeaderBytes, all.size(), stored, computed));
  }
  out.payload = all.substr(kExchangeHeaderBytes);
  return out;
}

// Reads fields from a checked payload (the checksum vouches for the lengths; a record
// that still runs past the end is reported).
class Cursor {
 public:
  Cursor(const std::string& path, std::string_view bytes) : path_(path), bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
  uint32_t U32() { return Need(4) ? internal::LoadLe32(bytes_.data() + (at_ += 4) - 4) : 0; }
  uint64_t U64() { return Need(8) ? internal::LoadLe64(bytes_.data() + (at_ += 8) - 8) : 0; }
  // `n` little-endian 16-bit values (the compact MinHash values of a pulled signature).
  std::span<const uint16_t> U16s(uint32_t n, std::vector<uint16_t>* out) {
    out->resize(n);
    if (!Need(size_t{n} * 2)) return {};
    for (uint32_t i = 0; i < n; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + at_ + 2 * i);
      (*out)[i] = static_cast<uint16_t>(p[0] | (p[1] << 8));
    }
    at_ += size_t{n} * 2;
    return *out;
  }
  std::string_view Bytes() { return Bytes(U32()); }
  std::string_view Bytes(uint32_t n) {
    if (!Need(n)) return {};
    at_ += n;
    return bytes_.substr(at_ - n, n);
  }
  // Bytes read so far, and whether a read ran past the end.
  size_t position() const { return at_; }
  bool overrun() const { return overrun_; }
  absl::Status status() const {
    if (!overrun_) return absl::OkStatus();
    return internal::FormatError(absl::StatusCode::kDataLoss, path_, "payload", kExchangeHeaderBytes + at_,
                                 "a record runs past the end");
  }

 private:
  bool Need(size_t n) {
    if (bytes_.size() - at_ >= n) return true;
    overrun_ = true;
    at_ = bytes_.size();
    return false;
  }
  const std::string& path_;
  std::string_view bytes_;
  size_t at_ = 0;
  bool overrun_ = false;
};

// Reads the exchange files `paths` of `kind` into *files (the records' bytes stay
// there) and calls read(partition, cursor) once per record.
template <typename Fn>
absl::Status ReadExchangeRecords(std::span<const std::string> paths, ExchangeKind kind,
                                 std::vector<ExchangeFile>* files, Fn&& read) {
  for (const std::string& path : paths) {
    absl::StatusOr<ExchangeFile> f = ReadExchange(path, kind);
    if (!f.ok()) return f.status();
    files->push_back(*std::move(f));
  }
  for (size_t i = 0; i < files->size(); ++i) {
    const ExchangeFile& file = (*files)[i];
    Cursor c(paths[i], file.payload);
    for (uint64_t r = 0; r < file.records; ++r) {
      if (absl::Status s = read(file.partition, c); !s.ok()) return s;
    }
    if (absl::Status s = c.status(); !s.ok()) return s;
    if (!c.done()) return absl::DataLossError(absl::StrCat(paths[i], ": bytes after the last record"));
  }
  return absl::OkStatus();
}

// A pulled signature record (exchange kind 3, see WriteRequestedSignatures); `values`
// and `id` point into the reader's buffer until the next record.
struct PulledRecord {
  uint32_t doc = 0;
  uint64_t bytes = 0;
  uint32_t input = 0;
  uint64_t record = 0;
  uint64_t offset = 0;
  uint8_t empty = 0;
  std::span<const uint16_t> values;
  std::string_view id;
};

// Parses one pulled record; false when the cursor ran past the end (more bytes are
// needed), an error when its value count is not k.
absl::StatusOr<bool> ParsePulled(Cursor& r, uint32_t k, const std::string& path, std::vector<uint16_t>* row,
                                 PulledRecord* out) {
  out->doc = r.U32();
  out->bytes = r.U64();
  out->input = r.U32();
  out->record = r.U64();
  out->offset = r.U64();
  const std::string_view empty = r.Bytes(1);
  out->empty = empty.empty() ? 0 : static_cast<uint8_t>(empty[0]);
  const uint32_t count = r.U32();
  if (r.overrun()) return false;
  if (count != k) {
    return absl::DataLossError(
        absl::StrCat(path, ": signature pull: document ", out->doc, " has not ", k, " values"));
  }
  out->values = r.U16s(k, row);
  out->id = r.Bytes();
  return !r.overrun();
}

// Calls fn(record) for every record of the pulled files `paths`, in file order, reading
// each file in blocks (memory: one block and the longest record, not the file). The
// header is checked first, the payload's length and checksum at the end of each file:
// a damaged file is an error after fn saw some of its records.
template <typename Fn>
absl::Status StreamPulledSignatures(std::span<const std::string> paths, uint32_t k, Fn&& fn) {
  constexpr size_t kBlock = 1 << 20;
  std::vector<uint16_t> row;
  std::string buf;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> hash(XXH3_createState(), &XXH3_freeState);
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return internal::ErrnoError(path, "cannot open", errno);
    char h[kExchangeHeaderBytes] = {};
    in.read(h, sizeof h);
    if (absl::Status s = CheckExchangeHeader(std::string_view(h, static_cast<size_t>(in.gcount())), path,
                                             ExchangeKind::kSignatures);
        !s.ok()) {
      return s;
    }
    const uint64_t records = internal::LoadLe64(h + 24);
    const uint64_t payload = internal::LoadLe64(h + 32);
    XXH3_64bits_reset(hash.get());
    buf.clear();
    size_t at = 0;
    uint64_t read = 0;
    // Appends the next block; false at the end of the payload.
    const auto refill = [&]() -> absl::StatusOr<bool> {
      buf.erase(0, at);
      at = 0;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, payload - read));
      if (n == 0) return false;
      const size_t old = buf.size();
      buf.resize(old + n);
      in.read(buf.data() + old, static_cast<std::streamsize>(n));
      if (static_cast<size_t>(in.gcount()) != n) {
        return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload", kExchangeHeaderBytes + read,
                                     absl::StrCat("the header says ", payload, " bytes, the file ends after ",
                                                  read + static_cast<uint64_t>(in.gcount())));
      }
      XXH3_64bits_update(hash.get(), buf.data() + old, n);
      read += n;
      return true;
    };
    PulledRecord rec;
    for (uint64_t i = 0; i < records; ++i) {
      for (;;) {
        Cursor c(path, std::string_view(buf).substr(at));
        absl::StatusOr<bool> whole = ParsePulled(c, k, path, &row, &rec);
        if (!whole.ok()) return whole.status();
        if (*whole) {
          at += c.position();
          break;
        }
        absl::StatusOr<bool> more = refill();
        if (!more.ok()) return more.status();
        if (!*more) {
          return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload",
                                       kExchangeHeaderBytes + read - (buf.size() - at), "a record runs past the end");
        }
      }
      if (absl::Status s = fn(rec); !s.ok()) return s;
    }
    if (at != buf.size() || read != payload) {
      return absl::DataLossError(absl::StrCat(path, ": bytes after the last record"));
    }
    const uint64_t stored = internal::LoadLe64(h + 40);
    const uint64_t computed = XXH3_64bits_digest(hash.get());
    if (stored != computed) {
      return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload", kExchangeHeaderBytes,
                                   internal::ChecksumMismatch(kExchangeHeaderBytes, kExchangeHeaderBytes + payload,
                                                              stored, computed));
    }
    in.peek();
    if (!in.eof()) {
      return internal::FormatError(absl::StatusCode::kDataLoss, path, "payload", kExchangeHeaderBytes + payload,
                                   absl::StrCat("the header says ", payload, " bytes, the file holds more"));
    }
  }
  return absl::OkStatus();
}

// Appends a pulled record to a slice.
void AppendPulled(const PulledRecord& p, SignedCorpus* c) {
  c->bytes.push_back(p.bytes);
  c->input.push_back(p.input);
  c->record.push_back(p.record);
  c->offset.push_back(p.offset);
  c->file.push_back(p.input);
  c->line.push_back(p.record);
  c->empty.push_back(p.empty);
  c->held.push_back(0);
  c->minhash.Append(p.values);
  c->ids.push_back(p.id);
}

// What a slice takes from a shard's header: the signer parameters and the input table.
void TakeShardHeader(const SignatureFileReader& reader, SignedCorpus* c) {
  const SignerOptions& stored = reader.info().options;
  c->signer.normalize = stored.normalize;
  c->signer.shingle = stored.shingle;
  c->signer.minhash = stored.minhash;
  c->signer.simhash_seed = stored.simhash_seed;
  for (const InputIdentity& identity : reader.input_table()) {
    c->inputs.push_back(identity.path);
    c->identities.push_back(identity);
  }
  c->files = c->inputs;
}

// An empty slice with the signer and input table of `any_shard` (its header only).
absl::StatusOr<SignedCorpus> PulledSliceHeader(const std::string& any_shard, const DedupOptions& options) {
  SignedCorpus c;
  c.signer = options.SignerForRun();
  absl::StatusOr<SignatureFileReader> header = SignatureFileReader::Open(any_shard);
  if (!header.ok()) return header.status();
  TakeShardHeader(*header, &c);
  return c;
}

// A pulled record after `previous` (documents ascending) of an input the slice has.
absl::Status CheckPulled(const PulledRecord& p, const SignedCorpus& c, std::optional<uint32_t> previous) {
  if (previous && p.doc <= *previous) {
    return absl::DataLossError(absl::StrCat("signature pull: document ", p.doc, " out of order"));
  }
  if (p.input >= c.inputs.size()) {
    return absl::OutOfRangeError(absl::StrCat("signature pull: input ", p.input, " of ", c.inputs.size()));
  }
  return absl::OkStatus();
}

std::string WhereOf(std::string_view file, uint64_t line) {
  return line == 0 ? std::string(file) : absl::StrCat(std::string(file), ":", line);
}

}  // namespace

absl::StatusOr<PartitionSignStats> SignPartitionToShard(const std::vector<std::string>& inputs, uint32_t input,
                                                        ByteRange range, const DedupOptions& options,
                                                        const InputOptions& input_options,
                                                        const std::string& shard_path,
                                                        const PartitionExchange& exchange) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (input >= inputs.size()) {
    return absl::OutOfRangeError(absl::StrCat("input ", input, " of ", inputs.size()));
  }
  if (options.passages && options.passages->near) {
    return absl::InvalidArgumentError(
        "near-repeat passages cannot be found across partitions: ask for exact repeats only");
  }
  if (options.passages && exchange.passage_paths.empty()) {
    return absl::InvalidArgumentError("passages: no passage exchange files given");
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
  std::vector<ExchangeBuffer> ids(exchange.id_paths.size()), passages(exchange.passage_paths.size());
  for (size_t r = 0; r < ids.size(); ++r) ids[r].path = exchange.id_paths[r];
  for (size_t r = 0; r < passages.size(); ++r) passages[r].path = exchange.passage_paths[r];
  PassageOptions passage_options;
  if (options.passages) {
    passage_options = *options.passages;
    passage_options.normalize = options.signer.normalize;  // as Deduplicate runs the finder
  }
  Normalizer normalizer(passage_options.normalize);
  std::string normalized;
  uint32_t position = 0;
  DocumentReader reader({inputs[input]}, io);
  absl::Status status = SignInBatches(
      &reader, signer, Threads(options.threads),
      [&](std::span<Document> docs, std::span<const DocumentSignature> sigs, const InputStats&) -> absl::Status {
        for (size_t i = 0; i < docs.size(); ++i, ++position) {
          const Document& doc = docs[i];
          const RecordLocation where{.bytes = doc.text.size(), .input = input, .record = doc.record,
                                     .offset = doc.offset};
          if (absl::Status s = writer->Append(doc.id, sigs[i], where); !s.ok()) return s;
          if (!ids.empty()) {
            ExchangeBuffer& b = ids[ExchangeRange(XXH3_64bits(doc.id.data(), doc.id.size()),
                                                  static_cast<uint32_t>(ids.size()))];
            internal::AppendLe32(&b.bytes, position);
            internal::AppendLe32(&b.bytes, input);
            internal::AppendLe64(&b.bytes, doc.line);
            AppendBytes(&b.bytes, doc.file == inputs[input] ? std::string_view() : std::string_view(doc.file));
            AppendBytes(&b.bytes, doc.id);
            ++b.records;
          }
          if (options.passages) {
            ForEachCountedPassage(doc.text, passage_options, &normalizer, &normalized, [&](Span span, uint64_t key) {
              ExchangeBuffer& b = passages[ExchangeRange(key, static_cast<uint32_t>(passages.size()))];
              internal::AppendLe32(&b.bytes, position);
              internal::AppendLe32(&b.bytes, span.start);
              internal::AppendLe32(&b.bytes, span.end);
              internal::AppendLe64(&b.bytes, key);
              AppendBytes(&b.bytes, doc.id);
              ++b.records;
            });
          }
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (const ExchangeBuffer& b : ids) {
    if (absl::Status s = WriteExchange(b, ExchangeKind::kIds, exchange.partition); !s.ok()) return s;
  }
  for (const ExchangeBuffer& b : passages) {
    if (absl::Status s = WriteExchange(b, ExchangeKind::kPassages, exchange.partition); !s.ok()) return s;
  }
  if (absl::Status s = writer->Finalize(); !s.ok()) return s;
  const InputStats& stats = reader.stats();
  out.documents = stats.documents;
  out.records = stats.documents + stats.problems;
  out.skipped = stats.problems;
  out.bytes_read = stats.bytes;
  out.failed_inputs = stats.failed_inputs;
  return out;
}

absl::StatusOr<DuplicateIds> FindDuplicateIds(std::span<const std::string> paths,
                                              const std::vector<std::string>& inputs) {
  struct Rec {
    uint64_t doc;
    uint32_t input;
    uint64_t line;
    std::string_view file;
    std::string_view id;
  };
  std::vector<ExchangeFile> files;
  std::vector<Rec> recs;
  absl::Status read = ReadExchangeRecords(paths, ExchangeKind::kIds, &files, [&](uint32_t partition, Cursor& c) {
    Rec rec;
    rec.doc = PartitionDoc(partition, c.U32());
    rec.input = c.U32();
    rec.line = c.U64();
    rec.file = c.Bytes();
    rec.id = c.Bytes();
    if (rec.input >= inputs.size()) {
      return absl::OutOfRangeError(absl::StrCat("id exchange: input ", rec.input, " of ", inputs.size()));
    }
    if (rec.file.empty()) rec.file = inputs[rec.input];
    recs.push_back(rec);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  std::sort(recs.begin(), recs.end(),
            [](const Rec& a, const Rec& b) { return std::pair(a.id, a.doc) < std::pair(b.id, b.doc); });
  std::vector<std::pair<uint64_t, InputProblem>> found;
  for (size_t a = 0; a < recs.size();) {
    size_t b = a + 1;
    for (; b < recs.size() && recs[b].id == recs[a].id; ++b) {
      const Rec& r = recs[b];
      found.push_back(
          {r.doc, InputProblem{.file = std::string(r.file),
                               .line = r.line,
                               .kind = ProblemKind::kDuplicateId,
                               .code = absl::StatusCode::kAlreadyExists,
                               .reason = absl::StrCat("duplicate id ", internal::JsonString(r.id), " (first at ",
                                                      WhereOf(recs[a].file, recs[a].line), "); record skipped")}});
    }
    a = b;
  }
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  DuplicateIds out;
  for (auto& [doc, problem] : found) {
    out.docs.push_back(doc);
    out.problems.push_back(std::move(problem));
  }
  return out;
}

absl::StatusOr<ExactPassageRepeats> FindExactPassageRepeats(std::span<const std::string> paths,
                                                            std::span<const uint64_t> skipped,
                                                            const DedupOptions& options) {
  if (!options.passages) return absl::InvalidArgumentError("passages: not asked for");
  const bool within = options.passages->scope == PassageScope::kWithinDocument;
  struct Rec {
    uint64_t key;
    uint64_t doc;
    Span span;
    std::string_view id;
  };
  std::vector<ExchangeFile> files;
  std::vector<Rec> recs;
  absl::Status read =
      ReadExchangeRecords(paths, ExchangeKind::kPassages, &files, [&](uint32_t partition, Cursor& c) {
        Rec rec;
        rec.doc = PartitionDoc(partition, c.U32());
        rec.span.start = c.U32();
        rec.span.end = c.U32();
        rec.key = c.U64();
        rec.id = c.Bytes();
        if (!std::binary_search(skipped.begin(), skipped.end(), rec.doc)) recs.push_back(rec);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  // A document's passages come in document order, so (doc, start) is the order in
  // which the single-machine finder meets them.
  std::sort(recs.begin(), recs.end(), [](const Rec& a, const Rec& b) {
    return std::tuple(a.key, a.doc, a.span.start) < std::tuple(b.key, b.doc, b.span.start);
  });
  std::vector<std::pair<size_t, size_t>> repeat_of;  // (repeat, first occurrence)
  for (size_t a = 0; a < recs.size();) {
    size_t b = a + 1;
    for (; b < recs.size() && recs[b].key == recs[a].key; ++b) {
      if (within && recs[b].doc != recs[b - 1].doc) {
        a = b;  // a new document: its first occurrence
        continue;
      }
      repeat_of.push_back({b, a});
    }
    a = b;
  }
  std::sort(repeat_of.begin(), repeat_of.end(), [&](const auto& x, const auto& y) {
    return std::pair(recs[x.first].doc, recs[x.first].span.start) <
           std::pair(recs[y.first].doc, recs[y.first].span.start);
  });
  ExactPassageRepeats out;
  for (const auto& [r, first] : repeat_of) {
    out.docs.push_back(recs[r].doc);
    out.spans.push_back(recs[r].span);
    out.lines.push_back(PassageRepeatJson(recs[r].id, recs[r].span, recs[first].id, recs[first].span, 1.0f));
  }
  return out;
}

absl::StatusOr<uint64_t> WriteShardBandKeys(const ShardRef& shard, std::span<const uint32_t> skipped,
                                            const DedupOptions& options, std::span<const std::string> range_paths) {
  if (range_paths.empty()) return absl::InvalidArgumentError("band keys: no key range files given");
  absl::StatusOr<LshParams> banding = DedupBanding(options);
  if (!banding.ok()) return banding.status();
  absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(shard.path);
  if (!reader.ok()) return reader.status();
  if (reader->info().record_count != shard.count) {
    return absl::DataLossError(
        absl::StrCat(shard.path, ": expected ", shard.count, " records, found ", reader->info().record_count));
  }
  const MinHashParams& params = reader->info().options.minhash;
  if (absl::Status s = ValidateLshParams(*banding, params.num_perm); !s.ok()) return s;
  const uint32_t bands = banding->bands;
  const uint32_t rows = banding->rows;
  const std::vector<uint64_t> seeds = LshBandSeeds(params.seed, bands);
  // keys[b][i]: band b's key of the i-th live document, live[i].
  std::vector<std::vector<uint64_t>> keys(bands);
  std::vector<uint32_t> live;
  std::vector<uint32_t> wide(rows);  // the compact values widened, as CompactBandKey hashes them
  SignatureRecord rec;
  auto skip = std::lower_bound(skipped.begin(), skipped.end(), shard.first_doc);
  for (uint64_t d = shard.first_doc; d < uint64_t{shard.first_doc} + shard.count; ++d) {
    absl::StatusOr<bool> more = reader->Next(&rec);
    if (!more.ok()) return more.status();
    if (!*more) return absl::DataLossError(absl::StrCat(shard.path, ": ends before record ", d - shard.first_doc));
    while (skip != skipped.end() && *skip < d) ++skip;
    if ((skip != skipped.end() && *skip == d) || rec.signature.empty()) continue;
    const std::vector<uint32_t>& values = rec.signature.minhash.values;
    if (values.size() != params.num_perm) {
      return absl::DataLossError(absl::StrCat(shard.path, ": record ", d - shard.first_doc, " has ", values.size(),
                                              " MinHash values, expected ", params.num_perm));
    }
    live.push_back(static_cast<uint32_t>(d));
    for (uint32_t b = 0; b < bands; ++b) {
      for (uint32_t i = 0; i < rows; ++i) wide[i] = CompactMinHashValue(values[size_t{b} * rows + i]);
      keys[b].push_back(LshBandKey(std::span<const uint32_t>(wide), seeds[b]));
    }
  }
  std::vector<ExchangeBuffer> out(range_paths.size());
  for (size_t r = 0; r < out.size(); ++r) out[r].path = range_paths[r];
  std::vector<std::pair<uint64_t, uint32_t>> sorted;  // (key, document), documents ascending per key
  for (uint32_t b = 0; b < bands; ++b) {
    sorted.clear();
    sorted.reserve(live.size());
    for (size_t i = 0; i < live.size(); ++i) sorted.emplace_back(keys[b][i], live[i]);
    std::vector<uint64_t>().swap(keys[b]);
    std::sort(sorted.begin(), sorted.end());
    for (size_t x = 0; x < sorted.size();) {
      size_t y = x + 1;
      while (y < sorted.size() && sorted[y].first == sorted[x].first) ++y;
      ExchangeBuffer& buf = out[ExchangeRange(sorted[x].first, static_cast<uint32_t>(out.size()))];
      internal::AppendLe32(&buf.bytes, b);
      internal::AppendLe64(&buf.bytes, sorted[x].first);
      internal::AppendLe32(&buf.bytes, static_cast<uint32_t>(y - x));
      for (size_t z = x; z < y; ++z) internal::AppendLe32(&buf.bytes, sorted[z].second);
      ++buf.records;
      x = y;
    }
  }
  uint64_t written = 0;
  for (const ExchangeBuffer& buf : out) {
    if (absl::Status s = WriteExchange(buf, ExchangeKind::kBandKeys, 0); !s.ok()) return s;
    written += kExchangeHeaderBytes + buf.bytes.size();
  }
  return written;
}

namespace {

// A run's record in a runs file (kind 5).
void AppendRun(ExchangeBuffer* b, uint32_t band, std::span<const uint32_t> docs) {
  internal::AppendLe32(&b->bytes, band);
  internal::AppendLe32(&b->bytes, static_cast<uint32_t>(docs.size()));
  for (const uint32_t d : docs) internal::AppendLe32(&b->bytes, d);
  ++b->records;
}

// The bytes a long run's part task holds per member: its compact values (2 k), its
// id, location and star / chain pairs through verification (~200), and its
// fingerprint records (12 per group).
uint64_t PartBytesPerMember(uint32_t num_perm, uint32_t groups) { return 2ull * num_perm + 200 + 12ull * groups; }
// A fingerprint record in a bucket task: 12 bytes read, 16 sorted, and slack.
constexpr uint64_t kFingerprintRecordBytes = 32;
// A fingerprint record's document for "every member of the writing part": copies
// agree on every group, so a part of copies writes one record per group, not one per
// member. Never a document: global numbers are below 2^32 - 1.
constexpr uint32_t kWholePart = 0xffffffffu;

struct RunExpansion {
  uint32_t num_perm = 0;
  LshBatchOptions lsh;
};

absl::StatusOr<RunExpansion> Expansion(const DedupOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<LshParams> banding = DedupBanding(options);
  if (!banding.ok()) return banding.status();
  RunExpansion e;
  e.num_perm = options.SignerForRun().minhash.num_perm;
  e.lsh = DedupLshOptions(options, *banding, e.num_perm);
  return e;
}

uint32_t RefinementGroups(const RunExpansion& e) {
  LshBatchStats unused;
  const LshRunExpander expander(e.lsh, e.num_perm, &unused);
  return e.lsh.verify_threshold > 0 ? expander.groups() : 0;
}

// The bucket of (group, fingerprint): contiguous ranges of group << 32 | fingerprint.
uint32_t FingerprintBucket(uint32_t group, uint64_t fp, const LongRunSplit& split) {
  const absl::uint128 at = (absl::uint128(group) << 32) | fp;
  return static_cast<uint32_t>(at * split.buckets / (absl::uint128(split.groups) << 32));
}

// The one run of a long run's file, checked against what the runner was told.
absl::Status ReadLongRun(const LongRun& run, const LongRunSplit& split, std::vector<uint32_t>* docs) {
  std::vector<uint64_t> starts;
  std::vector<uint32_t> bands;
  if (absl::Status s = ReadRuns(run.path, docs, &starts, &bands); !s.ok()) return s;
  if (bands.size() != 1 || bands[0] != run.band || docs->size() != run.members || run.members != split.members) {
    return absl::DataLossError(absl::StrCat(run.path, ": not one run of ", run.members, " members in band ", run.band));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KeyRangeRuns> GatherKeyRangeRuns(std::span<const std::string> key_paths, const std::string& runs_path,
                                                const std::string& long_prefix, uint64_t max_run_members) {
  std::vector<ExchangeFile> files;
  for (const std::string& path : key_paths) {
    absl::StatusOr<ExchangeFile> f = ReadExchange(path, ExchangeKind::kBandKeys);
    if (!f.ok()) return f.status();
    files.push_back(*std::move(f));
  }
  // A k-way merge by (band, key, shard): each file is ordered by (band, key), and the
  // shards come in document order, so each run's documents come ascending.
  struct Head {
    uint32_t band = 0;
    uint64_t key = 0;
    uint32_t count = 0;
    uint64_t left = 0;
  };
  std::vector<Cursor> cursors;
  std::vector<Head> heads(files.size());
  using Entry = std::tuple<uint32_t, uint64_t, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  const auto advance = [&](uint32_t f) -> absl::Status {
    Head& h = heads[f];
    if (h.left == 0) return cursors[f].done() ? absl::OkStatus()
                                               : absl::DataLossError(absl::StrCat(key_paths[f], ": bytes after the last record"));
    --h.left;
    const uint32_t band = cursors[f].U32();
    const uint64_t key = cursors[f].U64();
    if (h.count != 0 && std::pair(band, key) <= std::pair(h.band, h.key)) {
      return absl::DataLossError(absl::StrCat(key_paths[f], ": band keys out of order"));
    }
    h.band = band;
    h.key = key;
    h.count = cursors[f].U32();
    if (h.count == 0) return absl::DataLossError(absl::StrCat(key_paths[f], ": a band key without documents"));
    if (absl::Status s = cursors[f].status(); !s.ok()) return s;
    queue.emplace(band, key, f);
    return absl::OkStatus();
  };
  cursors.reserve(files.size());
  for (uint32_t f = 0; f < files.size(); ++f) {
    cursors.emplace_back(key_paths[f], files[f].payload);
    heads[f].left = files[f].records;
    if (absl::Status s = advance(f); !s.ok()) return s;
  }
  KeyRangeRuns out;
  ExchangeBuffer runs;
  runs.path = runs_path;
  std::vector<uint32_t> run;
  while (!queue.empty()) {
    const uint32_t band = std::get<0>(queue.top());
    const uint64_t key = std::get<1>(queue.top());
    run.clear();
    while (!queue.empty() && std::get<0>(queue.top()) == band && std::get<1>(queue.top()) == key) {
      const uint32_t f = std::get<2>(queue.top());
      queue.pop();
      for (uint32_t i = 0; i < heads[f].count; ++i) {
        const uint32_t d = cursors[f].U32();
        if (!run.empty() && d <= run.back()) {
          return absl::DataLossError(absl::StrCat(key_paths[f], ": document ", d, " out of order in a run"));
        }
        run.push_back(d);
      }
      if (absl::Status s = advance(f); !s.ok()) return s;
    }
    if (run.size() < 2) continue;
    ++out.runs;
    if (run.size() <= max_run_members) {
      AppendRun(&runs, band, run);
      out.docs.insert(out.docs.end(), run.begin(), run.end());
      continue;
    }
    LongRun& lr = out.long_runs.emplace_back();
    lr.path = absl::StrCat(long_prefix, out.long_runs.size() - 1, ".nx");
    lr.band = band;
    lr.members = run.size();
    lr.hash = XXH3_64bits(run.data(), run.size() * sizeof(uint32_t));
    ExchangeBuffer one;
    one.path = lr.path;
    AppendRun(&one, band, run);
    if (absl::Status s = WriteExchange(one, ExchangeKind::kRuns, 0); !s.ok()) return s;
  }
  files.clear();
  if (absl::Status s = WriteExchange(runs, ExchangeKind::kRuns, 0); !s.ok()) return s;
  std::sort(out.docs.begin(), out.docs.end());
  out.docs.erase(std::unique(out.docs.begin(), out.docs.end()), out.docs.end());
  return out;
}

absl::Status ReadRuns(const std::string& path, std::vector<uint32_t>* docs, std::vector<uint64_t>* starts,
                      std::vector<uint32_t>* bands) {
  docs->clear();
  bands->clear();
  starts->assign(1, 0);
  std::vector<ExchangeFile> files;
  return ReadExchangeRecords({&path, 1}, ExchangeKind::kRuns, &files, [&](uint32_t, Cursor& c) {
    bands->push_back(c.U32());
    const uint32_t count = c.U32();
    for (uint32_t i = 0; i < count; ++i) docs->push_back(c.U32());
    if (count < 2 || !std::is_sorted(docs->end() - count, docs->end(), std::less_equal<>())) {
      if (!c.status().ok()) return c.status();
      return absl::DataLossError(absl::StrCat(path, ": run ", bands->size() - 1, " is not 2+ ascending documents"));
    }
    starts->push_back(docs->size());
    return absl::OkStatus();
  });
}

absl::StatusOr<uint64_t> MaxRunMembers(const DedupOptions& options, uint64_t budget_bytes) {
  absl::StatusOr<RunExpansion> e = Expansion(options);
  if (!e.ok()) return e.status();
  const uint64_t fits = budget_bytes / PartBytesPerMember(e->num_perm, RefinementGroups(*e));
  // A run up to max_clique_run is a clique: never split.
  return std::max<uint64_t>(fits, e->lsh.max_clique_run);
}

absl::StatusOr<LongRunSplit> SplitLongRun(uint64_t members, const DedupOptions& options, uint64_t budget_bytes) {
  absl::StatusOr<RunExpansion> e = Expansion(options);
  if (!e.ok()) return e.status();
  absl::StatusOr<uint64_t> max_members = MaxRunMembers(options, budget_bytes);
  if (!max_members.ok()) return max_members.status();
  if (members <= *max_members) {
    return absl::InvalidArgumentError(
        absl::StrCat("a run of ", members, " members is not long: a task takes up to ", *max_members));
  }
  LongRunSplit split;
  split.members = members;
  split.part_members = *max_members;
  split.parts = static_cast<uint32_t>((members + split.part_members - 1) / split.part_members);
  split.groups = RefinementGroups(*e);
  if (split.groups > 0) {
    const absl::uint128 bytes = absl::uint128(members) * split.groups * kFingerprintRecordBytes;
    split.buckets = static_cast<uint32_t>(std::max<absl::uint128>(1, (bytes + budget_bytes - 1) / std::max<uint64_t>(1, budget_bytes)));
  }
  return split;
}

absl::StatusOr<std::vector<uint32_t>> LongRunPartDocs(const LongRun& run, const LongRunSplit& split, uint32_t part) {
  if (part >= split.parts) return absl::OutOfRangeError(absl::StrCat("part ", part, " of ", split.parts));
  std::vector<uint32_t> docs;
  if (absl::Status s = ReadLongRun(run, split, &docs); !s.ok()) return s;
  const uint64_t lo = part * split.part_members;
  const uint64_t hi = std::min<uint64_t>(docs.size(), lo + split.part_members);
  std::vector<uint32_t> out;
  if (lo > 0) out.push_back(docs[0]);
  out.insert(out.end(), docs.begin() + lo, docs.begin() + hi);
  if (hi < docs.size()) out.push_back(docs[hi]);
  return out;
}

absl::StatusOr<std::vector<CandidatePair>> ExpandLongRunPart(std::span<const LongRun> runs, const LongRunSplit& split,
                                                             uint32_t part, const SignedCorpus& slice,
                                                             std::span<const uint32_t> slice_docs,
                                                             std::span<const std::vector<std::string>> bucket_paths,
                                                             const DedupOptions& options, LshBatchStats* stats) {
  if (part >= split.parts) return absl::OutOfRangeError(absl::StrCat("part ", part, " of ", split.parts));
  if (runs.empty() || bucket_paths.size() != runs.size()) {
    return absl::InvalidArgumentError("long run part: one list of bucket files per run, and at least one run");
  }
  for (const std::vector<std::string>& paths : bucket_paths) {
    if (paths.size() != split.buckets) {
      return absl::InvalidArgumentError(
          absl::StrCat("long run part: ", paths.size(), " bucket files for ", split.buckets, " buckets"));
    }
  }
  absl::StatusOr<RunExpansion> e = Expansion(options);
  if (!e.ok()) return e.status();
  if (slice.signer.minhash.num_perm != e->num_perm) {
    return absl::InvalidArgumentError(
        absl::StrCat("long run part: signatures of k = ", slice.signer.minhash.num_perm, ", expected ", e->num_perm));
  }
  std::vector<uint32_t> docs, other;
  if (absl::Status s = ReadLongRun(runs[0], split, &docs); !s.ok()) return s;
  for (const LongRun& run : runs.subspan(1)) {
    if (absl::Status s = ReadLongRun(run, split, &other); !s.ok()) return s;
    if (other != docs) {
      return absl::InvalidArgumentError(absl::StrCat("long run part: ", run.path, " and ", runs[0].path,
                                                     " do not have the same members"));
    }
  }
  LshBatchStats local;
  LshBatchStats* st = stats != nullptr ? stats : &local;
  LshRunExpander expander(e->lsh, e->num_perm, st);
  const size_t m = docs.size();
  const size_t lo = part * split.part_members;
  const size_t hi = std::min<size_t>(m, lo + split.part_members);
  if (part == 0) {  // each run, once
    st->runs += runs.size();
    st->long_runs += runs.size();
    if (e->lsh.verify_threshold > 0 && split.groups == 0) st->unrefined_runs += runs.size();
  }
  // The star and chain (LshRunExpander::StarAndChain), this part's share: the same
  // for every run of these members.
  std::vector<uint64_t> packed;
  for (size_t x = std::max<size_t>(lo, 1); x < hi; ++x) packed.push_back(internal::PackPair(docs[0], docs[x]));
  for (size_t x = std::max<size_t>(lo, 1); x < std::min(hi, m - 1); ++x) {
    packed.push_back(internal::PackPair(docs[x], docs[x + 1]));
  }
  st->pairs_emitted += packed.size() * runs.size();
  if (split.groups > 0) {
    std::vector<const uint16_t*> rows(hi - lo);
    for (size_t x = lo; x < hi; ++x) {
      absl::StatusOr<uint32_t> at = SliceIndex(slice_docs, docs[x]);
      if (!at.ok()) return at.status();
      rows[x - lo] = slice.minhash.RowData(*at);
    }
    std::vector<uint64_t> fps(hi - lo);
    for (size_t r = 0; r < runs.size(); ++r) {
      std::vector<ExchangeBuffer> out(split.buckets);
      for (size_t b = 0; b < out.size(); ++b) out[b].path = bucket_paths[r][b];
      const auto append = [&](uint32_t g, uint64_t fp, uint32_t doc) {
        ExchangeBuffer& buf = out[FingerprintBucket(g, fp, split)];
        internal::AppendLe32(&buf.bytes, g);
        internal::AppendLe32(&buf.bytes, static_cast<uint32_t>(fp));
        internal::AppendLe32(&buf.bytes, doc);
        ++buf.records;
      };
      for (uint32_t g = 0; g < split.groups; ++g) {
        for (size_t x = lo; x < hi; ++x) fps[x - lo] = expander.Fingerprint(rows[x - lo], runs[r].band, g);
        if (std::all_of(fps.begin(), fps.end(), [&](uint64_t f) { return f == fps[0]; })) {
          append(g, fps[0], kWholePart);  // copies: one record for the part
          continue;
        }
        for (size_t x = lo; x < hi; ++x) append(g, fps[x - lo], docs[x]);
      }
      for (const ExchangeBuffer& buf : out) {
        if (absl::Status s = WriteExchange(buf, ExchangeKind::kFingerprints, part); !s.ok()) return s;
      }
    }
  }
  return UnpackPairs(&packed);
}

absl::StatusOr<std::vector<CandidatePair>> LongRunSubRunPairs(const LongRun& run,
                                                              std::span<const std::string> part_paths,
                                                              const LongRunSplit& split, const DedupOptions& options,
                                                              LshBatchStats* stats) {
  absl::StatusOr<RunExpansion> e = Expansion(options);
  if (!e.ok()) return e.status();
  // (group << 32 | fingerprint, document or kWholePart + part): sorted, so each
  // sub-run's listed members come ascending, then the parts it holds whole.
  std::vector<std::pair<uint64_t, uint64_t>> recs;
  std::vector<ExchangeFile> files;
  absl::Status read = ReadExchangeRecords(part_paths, ExchangeKind::kFingerprints, &files, [&](uint32_t part, Cursor& c) {
    const uint64_t g = c.U32();
    const uint64_t fp = c.U32();
    const uint32_t doc = c.U32();
    if (g >= split.groups || part >= split.parts) {
      return absl::DataLossError(absl::StrCat("fingerprint of group ", g, " of ", split.groups, ", part ", part));
    }
    recs.emplace_back(g << 32 | fp, doc == kWholePart ? uint64_t{kWholePart} + part : doc);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  files.clear();
  std::sort(recs.begin(), recs.end());
  LshBatchStats local;
  LshRunExpander expander(e->lsh, e->num_perm, stats != nullptr ? stats : &local);
  std::vector<uint32_t> docs;  // the run's members, read when a whole part must be listed
  std::vector<uint64_t> packed;
  std::vector<uint32_t> members;
  for (size_t a = 0; a < recs.size();) {
    size_t b = a + 1;
    while (b < recs.size() && recs[b].first == recs[a].first) ++b;
    uint64_t size = 0;
    for (size_t x = a; x < b; ++x) {
      const uint64_t part = recs[x].second - kWholePart;
      size += recs[x].second < kWholePart ? 1 : std::min(split.members, (part + 1) * split.part_members) -
                                                    part * split.part_members;
    }
    // A sub-run of the whole run adds no pair (its star is there); else list it.
    if (size >= 2 && size < split.members) {
      members.clear();
      for (size_t x = a; x < b; ++x) {
        if (recs[x].second < kWholePart) {
          members.push_back(static_cast<uint32_t>(recs[x].second));
          continue;
        }
        if (docs.empty()) {
          if (absl::Status s = ReadLongRun(run, split, &docs); !s.ok()) return s;
        }
        const uint64_t part = recs[x].second - kWholePart;
        const uint64_t lo = part * split.part_members;
        members.insert(members.end(), docs.begin() + lo,
                       docs.begin() + std::min(split.members, lo + split.part_members));
      }
      std::sort(members.begin(), members.end());
      expander.SubRun(members, split.members, &packed);
    }
    a = b;
  }
  return UnpackPairs(&packed);
}

absl::StatusOr<SignedCorpus> LoadCorpusSlice(std::span<const ShardRef> shards, std::span<const uint32_t> docs,
                                             const DedupOptions& options, bool signatures) {
  SignedCorpus c;
  c.signer = options.SignerForRun();
  bool have_table = false;
  size_t next = 0;
  SignatureRecord rec;
  for (const ShardRef& shard : shards) {
    const uint64_t end = uint64_t{shard.first_doc} + shard.count;
    if (next < docs.size() && docs[next] < shard.first_doc) {
      return absl::OutOfRangeError(absl::StrCat("document ", docs[next], " is in no shard"));
    }
    if (next == docs.size() || docs[next] >= end) continue;
    absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(shard.path);
    if (!reader.ok()) return reader.status();
    if (reader->info().record_count != shard.count) {
      return absl::DataLossError(
          absl::StrCat(shard.path, ": expected ", shard.count, " records, found ", reader->info().record_count));
    }
    if (!have_table) {
      have_table = true;
      TakeShardHeader(*reader, &c);
    }
    // Records are read in order up to the last one needed; only those are kept.
    for (uint64_t d = shard.first_doc; next < docs.size() && docs[next] < end; ++d) {
      absl::StatusOr<bool> more = reader->Next(&rec);
      if (!more.ok()) return more.status();
      if (!*more) return absl::DataLossError(absl::StrCat(shard.path, ": ends before record ", d - shard.first_doc));
      if (d != docs[next]) continue;
      ++next;
      c.ids.push_back(rec.id);
      c.bytes.push_back(rec.bytes);
      c.input.push_back(rec.input);
      c.record.push_back(rec.record);
      c.offset.push_back(rec.offset);
      c.file.push_back(rec.input);
      c.line.push_back(rec.record);
      c.empty.push_back(rec.signature.empty() ? 1 : 0);
      c.held.push_back(0);
      if (!signatures) continue;
      if (c.signer.compute_minhash) {
        c.minhash.Append(std::span<const uint32_t>(rec.signature.minhash.values));
      }
      if (c.signer.compute_simhash) c.simhash.push_back(rec.signature.simhash);
    }
  }
  if (next != docs.size()) return absl::OutOfRangeError(absl::StrCat("document ", docs[next], " is in no shard"));
  return c;
}

absl::Status WriteRequestedSignatures(const ShardRef& shard, std::span<const std::vector<uint32_t>> requests,
                                      std::span<const std::string> out_paths) {
  if (requests.size() != out_paths.size()) {
    return absl::InvalidArgumentError("signature pull: one output path per request");
  }
  // (document, asking task), by document: one pass over the shard serves them all.
  std::vector<std::pair<uint32_t, uint32_t>> asked;
  for (uint32_t c = 0; c < requests.size(); ++c) {
    for (const uint32_t d : requests[c]) {
      if (d < shard.first_doc || d - shard.first_doc >= shard.count) {
        return absl::OutOfRangeError(absl::StrCat("signature pull: document ", d, " is not in ", shard.path));
      }
      asked.push_back({d, c});
    }
  }
  std::sort(asked.begin(), asked.end());
  std::vector<ExchangeBuffer> out(out_paths.size());
  for (size_t c = 0; c < out.size(); ++c) out[c].path = out_paths[c];
  if (!asked.empty()) {
    absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(shard.path);
    if (!reader.ok()) return reader.status();
    if (reader->info().record_count != shard.count) {
      return absl::DataLossError(
          absl::StrCat(shard.path, ": expected ", shard.count, " records, found ", reader->info().record_count));
    }
    SignatureRecord rec;
    std::string bytes;
    size_t next = 0;
    for (uint64_t d = shard.first_doc; next < asked.size(); ++d) {
      absl::StatusOr<bool> more = reader->Next(&rec);
      if (!more.ok()) return more.status();
      if (!*more) return absl::DataLossError(absl::StrCat(shard.path, ": ends before record ", d - shard.first_doc));
      if (asked[next].first != d) continue;
      bytes.clear();
      internal::AppendLe32(&bytes, static_cast<uint32_t>(d));
      internal::AppendLe64(&bytes, rec.bytes);
      internal::AppendLe32(&bytes, rec.input);
      internal::AppendLe64(&bytes, rec.record);
      internal::AppendLe64(&bytes, rec.offset);
      bytes.push_back(rec.signature.empty() ? 1 : 0);
      const std::vector<uint32_t>& values = rec.signature.minhash.values;
      internal::AppendLe32(&bytes, static_cast<uint32_t>(values.size()));
      for (const uint32_t v : values) {  // the 16 bits dedup keeps (dedup/columns.hpp)
        const uint16_t low = CompactMinHashValue(v);
        bytes.push_back(static_cast<char>(low & 0xFF));
        bytes.push_back(static_cast<char>(low >> 8));
      }
      AppendBytes(&bytes, rec.id);
      for (; next < asked.size() && asked[next].first == d; ++next) {
        ExchangeBuffer& b = out[asked[next].second];
        b.bytes += bytes;
        ++b.records;
      }
    }
  }
  for (const ExchangeBuffer& b : out) {
    if (absl::Status s = WriteExchange(b, ExchangeKind::kSignatures, 0); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<SignedCorpus> LoadRequestedSignatures(std::span<const std::string> paths, const std::string& any_shard,
                                                     const DedupOptions& options, std::vector<uint32_t>* docs) {
  absl::StatusOr<SignedCorpus> c = PulledSliceHeader(any_shard, options);
  if (!c.ok()) return c.status();
  docs->clear();
  absl::Status read = StreamPulledSignatures(paths, c->signer.minhash.num_perm, [&](const PulledRecord& p) {
    if (absl::Status s = CheckPulled(p, *c, docs->empty() ? std::nullopt : std::optional(docs->back())); !s.ok()) {
      return s;
    }
    docs->push_back(p.doc);
    AppendPulled(p, &*c);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
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
  return UnpackPairs(&packed);
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
  SliceSimilarity similar;
  if (absl::Status s = MakeSimilarity(slice, options, input_options, &similar); !s.ok()) return s;
  PairSimilarity& sim = *similar.sim;
  absl::StatusOr<std::vector<ScoredPair>> verified = VerifyCandidates(local, options, &sim, stats);
  if (!verified.ok()) return verified.status();
  if (stats) stats->texts_read_again += sim.loaded();
  for (ScoredPair& p : *verified) {
    p.a = slice_docs[p.a];
    p.b = slice_docs[p.b];
  }
  return verified;
}

namespace {

// The outputs of clusters and pairs of slice members (`docs`: their global numbers;
// `named`: their ids and the options).
SliceClusters SliceOutputs(const std::vector<Cluster>& clusters, std::vector<ScoredPair> pairs,
                           const DedupResult& named, std::span<const uint32_t> docs) {
  SliceClusters out;
  for (const Cluster& c : clusters) {
    out.keep.push_back(docs[c.representative]);
    out.lines.push_back(ClusterJson(named, c, 0));
    for (const ClusterMember& m : c.members) {
      if (m.doc != c.representative) out.removed.push_back(docs[m.doc]);
    }
  }
  std::sort(out.removed.begin(), out.removed.end());
  out.pairs = std::move(pairs);
  for (ScoredPair& p : out.pairs) {
    out.pair_lines.push_back(PairTsv(named, p));
    p.a = docs[p.a];
    p.b = docs[p.b];
  }
  return out;
}

}  // namespace

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
  SliceSimilarity similar;
  if (absl::Status s = MakeSimilarity(slice, options, input_options, &similar); !s.ok()) return s;
  PairSimilarity& sim = *similar.sim;
  absl::StatusOr<std::vector<Cluster>> clusters = ClusterDocuments(slice, local, options, &sim);
  if (!clusters.ok()) return clusters.status();
  DedupResult named;  // ClusterJson and PairTsv read the ids and the keep rule only
  named.corpus.ids = slice.ids;
  named.options = options;
  std::vector<ScoredPair> pairs;
  if (options.pairs == PairsMode::kVerified) {
    pairs = std::move(local);
  } else if (options.pairs == PairsMode::kAll) {
    absl::StatusOr<std::vector<ScoredPair>> all =
        ExpandPairs(static_cast<uint32_t>(slice.size()), local, options, &sim);
    if (!all.ok()) return all.status();
    pairs = *std::move(all);
  }
  return SliceOutputs(*clusters, std::move(pairs), named, slice_docs);
}

uint64_t ClusterBytesPerDocument(const DedupOptions& options) {
  return 4 * uint64_t{options.SignerForRun().minhash.num_perm} + kClusterDocumentOverhead;
}

absl::StatusOr<SliceClusters> ClusterLargeComponent(std::vector<ScoredPair> verified,
                                                    std::span<const std::string> pulled,
                                                    const std::string& any_shard, const DedupOptions& options,
                                                    const InputOptions& input_options, uint64_t budget_bytes,
                                                    LargeComponentStats* stats) {
  absl::StatusOr<SignedCorpus> header = PulledSliceHeader(any_shard, options);
  if (!header.ok()) return header.status();
  const uint32_t k = header->signer.minhash.num_perm;
  // Per-member state: number, length and id.
  std::vector<uint32_t> docs;
  std::vector<uint64_t> bytes;
  DedupResult named;  // ClusterJson and PairTsv read the ids and the keep rule only
  named.options = options;
  IdColumn& ids = named.corpus.ids;
  absl::Status read = StreamPulledSignatures(pulled, k, [&](const PulledRecord& p) {
    if (absl::Status s = CheckPulled(p, *header, docs.empty() ? std::nullopt : std::optional(docs.back())); !s.ok()) {
      return s;
    }
    docs.push_back(p.doc);
    bytes.push_back(p.bytes);
    ids.push_back(p.id);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  const auto n = static_cast<uint32_t>(docs.size());
  if (n == 0) return absl::InvalidArgumentError("a large component: no member's signature was pulled");
  LargeComponentStats local_stats;
  LargeComponentStats& st = stats != nullptr ? *stats : local_stats;
  st = {};
  st.members = n;
  const uint64_t per_pass = std::max<uint64_t>(2, budget_bytes / ClusterBytesPerDocument(options));
  if (n <= per_pass) {  // it fits: whole
    std::vector<uint32_t> slice_docs;
    absl::StatusOr<SignedCorpus> slice = LoadRequestedSignatures(pulled, any_shard, options, &slice_docs);
    if (!slice.ok()) return slice.status();
    return ClusterSlice(verified, *slice, slice_docs, options, input_options);
  }
  if (options.pairs == PairsMode::kAll) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pairs all: the component of document \"", std::string(ids[0]), "\" has ", n,
        " members, more than one task's memory budget of ", budget_bytes, " bytes holds (", per_pass,
        "), and every pair of it would be compared: ask for verified pairs, or a larger budget"));
  }
  // The edges by member index, sorted, and the members one component.
  std::vector<ScoredPair> edges = std::move(verified);
  UnionFind uf(n);
  for (ScoredPair& e : edges) {
    absl::StatusOr<uint32_t> a = SliceIndex(docs, e.a);
    if (!a.ok()) return a.status();
    absl::StatusOr<uint32_t> b = SliceIndex(docs, e.b);
    if (!b.ok()) return b.status();
    e.a = std::min(*a, *b);
    e.b = std::max(*a, *b);
    uf.Union(e.a, e.b);
  }
  const auto by_pair = [](const ScoredPair& x, const ScoredPair& y) {
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  };
  std::sort(edges.begin(), edges.end(), by_pair);
  for (uint32_t m = 1; m < n; ++m) {
    if (uf.Find(m) != uf.Find(0)) {
      return absl::InvalidArgumentError(absl::StrCat("a large component: document \"", std::string(ids[m]),
                                                     "\" is not connected to \"", std::string(ids[0]), "\""));
    }
  }
  uf = UnionFind(0);
  // Members in keep order.
  std::vector<uint32_t> order(n);
  {
    const std::vector<uint32_t> rank = KeepRanks(options.keep, ids, bytes, n);
    for (uint32_t m = 0; m < n; ++m) order[rank[m]] = m;
  }
  std::vector<uint64_t>().swap(bytes);
  const double threshold = options.VerifyThreshold();
  constexpr uint32_t kNone = ~0u;
  std::vector<uint32_t> center(n, kNone);  // the member each member joined (itself: a center)
  std::vector<float> similarity(n, 1.0f);

  // One pass: the signatures of `members` (ascending) read from the pulled files, and
  // body(similarity of two members) run until every shingle set it needed was loaded.
  std::vector<uint32_t> pass;
  const auto run_pass = [&](auto&& body) -> absl::Status {
    ++st.passes;
    SignedCorpus slice = *header;
    size_t next = 0;
    absl::Status s = StreamPulledSignatures(pulled, k, [&](const PulledRecord& p) {
      if (next < pass.size() && docs[pass[next]] == p.doc) {
        AppendPulled(p, &slice);
        ++next;
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    if (next != pass.size()) return absl::DataLossError("a large component: the pulled files changed between passes");
    SliceSimilarity similar;
    if (absl::Status m = MakeSimilarity(slice, options, input_options, &similar); !m.ok()) return m;
    PairSimilarity& sim = *similar.sim;
    const auto sim_of = [&](uint32_t a, uint32_t b) -> double {
      const ScoredPair key{std::min(a, b), std::max(a, b), 0};
      const auto it = std::lower_bound(edges.begin(), edges.end(), key, by_pair);
      if (it != edges.end() && it->a == key.a && it->b == key.b) return it->similarity;
      const auto at = [&](uint32_t m) {
        return static_cast<uint32_t>(std::lower_bound(pass.begin(), pass.end(), m) - pass.begin());
      };
      return sim(at(a), at(b));
    };
    for (;;) {
      body(sim_of);
      const std::vector<uint32_t> missing = sim.TakeMissing();
      if (missing.empty()) return absl::OkStatus();
      if (absl::Status e = sim.EnsureExact(missing); !e.ok()) return e;
    }
  };

  if (options.policy == ClusterPolicy::kConnected) {
    // The first member in keep order is the center of every member.
    const uint32_t c = order[0];
    center[c] = c;
    st.centers = 1;
    for (uint64_t begin = 1; begin < n; begin += per_pass - 1) {
      const uint64_t end = std::min<uint64_t>(n, begin + per_pass - 1);
      ++st.chunks;
      pass.assign(order.begin() + static_cast<ptrdiff_t>(begin), order.begin() + static_cast<ptrdiff_t>(end));
      pass.push_back(c);
      std::sort(pass.begin(), pass.end());
      absl::Status s = run_pass([&](const auto& sim_of) {
        for (uint64_t i = begin; i < end; ++i) {
          center[order[i]] = c;
          similarity[order[i]] = static_cast<float>(sim_of(c, order[i]));
        }
      });
      if (!s.ok()) return s;
    }
  } else {
    // The star policy, chunk by chunk of members in keep order: a member joins the
    // first center before it in keep order within the threshold, else becomes one.
    // A chunk is compared with the centers so far a block at a time (all of them in
    // one pass while they fill at most half a pass), the last block's pass also
    // walking the chunk's remaining members among the centers the chunk makes.
    std::vector<uint32_t> centers;  // in keep order
    std::vector<uint32_t> open, made, joined;
    std::vector<float> scores;
    for (uint64_t begin = 0; begin < n;) {
      const uint64_t block =
          centers.empty() ? 0 : std::min<uint64_t>(centers.size(), std::max<uint64_t>(1, per_pass / 2));
      const uint64_t end = std::min<uint64_t>(n, begin + per_pass - block);
      ++st.chunks;
      open.assign(order.begin() + static_cast<ptrdiff_t>(begin), order.begin() + static_cast<ptrdiff_t>(end));
      const size_t blocks = centers.empty() ? 1 : (centers.size() + block - 1) / block;
      for (size_t b = 0; b < blocks && !open.empty(); ++b) {
        const auto from = centers.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(centers.size(), b * block));
        const auto to = centers.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(centers.size(), (b + 1) * block));
        const bool last = b + 1 == blocks;
        pass.assign(from, to);
        pass.insert(pass.end(), open.begin(), open.end());
        std::sort(pass.begin(), pass.end());
        absl::Status s = run_pass([&](const auto& sim_of) {
          joined.assign(open.size(), kNone);
          scores.assign(open.size(), 1.0f);
          made.clear();
          for (size_t i = 0; i < open.size(); ++i) {
            const uint32_t d = open[i];
            for (auto c = from; c != to && joined[i] == kNone; ++c) {
              const double x = sim_of(*c, d);
              if (x >= threshold) joined[i] = *c, scores[i] = static_cast<float>(x);
            }
            if (!last || joined[i] != kNone) continue;
            for (const uint32_t c : made) {
              const double x = sim_of(c, d);
              if (x >= threshold) {
                joined[i] = c, scores[i] = static_cast<float>(x);
                break;
              }
            }
            if (joined[i] == kNone) {
              joined[i] = d;
              made.push_back(d);
            }
          }
        });
        if (!s.ok()) return s;
        size_t still = 0;
        for (size_t i = 0; i < open.size(); ++i) {
          if (joined[i] == kNone) {
            open[still++] = open[i];
          } else {
            center[open[i]] = joined[i];
            similarity[open[i]] = scores[i];
          }
        }
        open.resize(still);
        if (last) centers.insert(centers.end(), made.begin(), made.end());
      }
      begin = end;
    }
    st.centers = centers.size();
  }

  // The clusters: each center with the members that joined it, by member number.
  std::vector<uint32_t> by_center(n);
  std::iota(by_center.begin(), by_center.end(), 0u);
  std::stable_sort(by_center.begin(), by_center.end(), [&](uint32_t x, uint32_t y) { return center[x] < center[y]; });
  std::vector<Cluster> clusters;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && center[by_center[j]] == center[by_center[i]]) ++j;
    if (j - i >= 2) {
      Cluster c;
      c.representative = center[by_center[i]];
      for (size_t x = i; x < j; ++x) c.members.push_back({by_center[x], similarity[by_center[x]]});
      clusters.push_back(std::move(c));
    }
    i = j;
  }
  if (options.pairs != PairsMode::kVerified) edges.clear();
  return SliceOutputs(clusters, std::move(edges), named, docs);
}

absl::StatusOr<uint64_t> WritePartitionOutputs(const ShardRef& shard, std::span<const uint32_t> skipped,
                                               std::span<const uint32_t> removed,
                                               std::span<const uint32_t> drop_docs, std::span<const Span> drop_spans,
                                               const DedupOptions& options, const InputOptions& input_options,
                                               const PartitionOutputPaths& paths) {
  if (drop_docs.size() != drop_spans.size()) {
    return absl::InvalidArgumentError("passage drops: one span per document entry");
  }
  std::vector<uint32_t> docs;
  for (uint32_t d = shard.first_doc; d < shard.first_doc + shard.count; ++d) {
    if (!std::binary_search(skipped.begin(), skipped.end(), d)) docs.push_back(d);
  }
  absl::StatusOr<SignedCorpus> slice = LoadCorpusSlice({&shard, 1}, docs, options, /*signatures=*/false);
  if (!slice.ok()) return slice.status();
  const std::string suffix = TempSuffix();
  std::unique_ptr<internal::AtomicFile> deduped, passage_deduped;
  for (auto [path, file] : {std::pair(&paths.deduped, &deduped), std::pair(&paths.passage_deduped, &passage_deduped)}) {
    if (path->empty()) continue;
    absl::StatusOr<std::unique_ptr<internal::AtomicFile>> made = internal::AtomicFile::Create(*path, suffix);
    if (!made.ok()) return made.status();
    *file = *std::move(made);
  }
  const auto is_removed = [&](uint32_t i) { return std::binary_search(removed.begin(), removed.end(), docs[i]); };
  const auto write = [](internal::AtomicFile* f, const std::string& line) {
    if (absl::Status s = f->Write(line.data(), line.size()); !s.ok()) return s;
    return f->Write("\n", 1);
  };
  const DocumentSource source = DocumentSource::Files(slice->inputs, input_options);
  const std::string& text_field = input_options.fields.text_field;
  uint64_t written = 0;
  size_t next_drop = 0;
  std::vector<Span> drop;
  absl::Status s = ReadDocumentsAgain(
      source, *slice, [&](uint32_t i) { return passage_deduped != nullptr || !is_removed(i); },
      [&](uint32_t i, const Document& doc) -> absl::Status {
        if (deduped && !is_removed(i)) {
          if (absl::Status w = write(deduped.get(), DedupRecord(doc, text_field)); !w.ok()) return w;
          ++written;
        }
        if (!passage_deduped) return absl::OkStatus();
        drop.clear();
        while (next_drop < drop_docs.size() && drop_docs[next_drop] < docs[i]) ++next_drop;
        for (; next_drop < drop_docs.size() && drop_docs[next_drop] == docs[i]; ++next_drop) {
          drop.push_back(drop_spans[next_drop]);
        }
        return write(passage_deduped.get(), DedupRecord(doc, text_field, RemoveSpans(doc.text, drop)));
      });
  if (!s.ok()) return s;
  for (internal::AtomicFile* f : {deduped.get(), passage_deduped.get()}) {
    if (f == nullptr) continue;
    if (absl::Status c = f->Commit(); !c.ok()) return c;
  }
  return written;
}

}  // namespace neardup
