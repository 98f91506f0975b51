// Indexes: a string-keyed MinHash LSH index (store/keyed_index.hpp, saved as a crawler
// index snapshot), the SimHash index (index/simhash_index.hpp,
// io/simhash_index_file.hpp) and the durable crawler index (store/crawler_index.hpp),
// plus signature files (io/signature_file.hpp).
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common.hpp"
#include "neardup/dedup/options.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/index/simhash_index.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/store/crawler_index.hpp"
#include "neardup/store/keyed_index.hpp"
#include "signature_types.hpp"

namespace neardup::python {
namespace {

std::string Text(py::handle obj) {
  std::string reason;
  py::object keep;
  std::optional<std::string_view> t = TextOf(obj, &reason, &keep);
  if (!t) throw StatusError{absl::InvalidArgumentError(reason)};
  return std::string(*t);
}

bool IsText(py::handle obj) { return PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr()); }

// Signs a text (without the GIL; `mu` guards the signer's buffers), or takes a
// Signature / array of values.
MinHashSignature SignatureArg(Signer& signer, std::mutex& mu, py::handle obj) {
  if (IsText(obj)) {
    const std::string text = Text(obj);
    DocumentSignature sig;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mu);
      signer.Sign(text, &sig);
    }
    return sig.minhash;
  }
  return MinHashOf(signer.options(), obj);
}

// The library's string-keyed index (store/keyed_index.hpp) with a signer for texts.
class PyLshIndex {
 public:
  PyLshIndex(KeyedMinHashLsh index, double threshold)
      : signer_(index.signer()), threshold_(threshold), index_(std::move(index)) {}

  static PyLshIndex Make(double threshold, uint32_t num_perm, uint32_t ngram, std::optional<uint32_t> char_ngram,
                         const std::string& algorithm, uint64_t seed, std::optional<std::pair<uint32_t, uint32_t>> bands,
                         uint32_t stored_bits) {
    SignerOptions s = MakeSignerOptions(ngram, char_ngram, num_perm, algorithm, seed);
    s.compute_simhash = false;
    MinHashLshOptions o;
    o.minhash = s.minhash;
    o.banding = bands ? LshParams{bands->first, bands->second} : Unwrap(ChooseLshParams(threshold, num_perm)).params;
    o.stored_bits = stored_bits;
    return PyLshIndex(Unwrap(KeyedMinHashLsh::Create(s, o)), threshold);
  }

  void Insert(const std::string& key, py::handle sig_or_text) {
    Check(index_.Insert(key, SignatureArg(signer_, *mu_, sig_or_text)));
  }

  // Index operations keep the GIL (microseconds each): it orders them between threads.
  std::vector<std::string> Query(py::handle sig_or_text) {
    std::vector<std::string_view> keys;
    Check(index_.Query(SignatureArg(signer_, *mu_, sig_or_text), &keys));
    return {keys.begin(), keys.end()};
  }

  std::vector<std::pair<std::string, double>> QueryTopK(py::handle sig_or_text, size_t k, double min_jaccard) {
    std::vector<std::pair<std::string, double>> out;
    for (const KeyedMatch& m : Unwrap(index_.QueryTopK(SignatureArg(signer_, *mu_, sig_or_text), k, min_jaccard))) {
      out.emplace_back(m.key, m.jaccard);
    }
    return out;
  }

  void Remove(const std::string& key) { Check(index_.Remove(key)); }

  // Keeps the GIL: no other Python thread may change the index while it is written.
  void Save(const std::string& path) const { Check(index_.Save(path)); }

  static PyLshIndex Load(const std::string& path, double threshold) {
    std::optional<KeyedMinHashLsh> index;
    {
      py::gil_scoped_release release;
      index.emplace(Unwrap(KeyedMinHashLsh::Load(path)));
    }
    return PyLshIndex(*std::move(index), threshold);
  }

  size_t size() const { return index_.size(); }
  bool Contains(const std::string& key) const { return index_.Contains(key); }
  const MinHashLshOptions& options() const { return index_.options(); }
  double threshold() const { return threshold_; }

 private:
  Signer signer_;
  double threshold_;
  KeyedMinHashLsh index_;
  std::unique_ptr<std::mutex> mu_ = std::make_unique<std::mutex>();
};

// CrawlerIndex is safe to use from many threads; the shared_ptr keeps it alive for a
// call in progress (without the GIL) when another thread closes it.
struct PyCrawlerIndex {
  std::shared_ptr<CrawlerIndex> index;
  std::shared_ptr<CrawlerIndex> get() const {
    if (!index) throw StatusError{absl::FailedPreconditionError("the crawler index is closed")};
    return index;
  }
};

py::list Matches(const std::vector<CrawlerMatch>& ms) {
  py::list out;
  for (const CrawlerMatch& m : ms) out.append(py::make_tuple(m.id, m.similarity));
  return out;
}

SyncPolicy ParseSync(const std::string& s) {
  if (s == "every-op") return SyncPolicy::kEveryOp;
  if (s == "every-n") return SyncPolicy::kEveryN;
  if (s == "never") return SyncPolicy::kNever;
  throw StatusError{absl::InvalidArgumentError(absl::StrCat("unknown sync policy '", s, "': expected every-op, every-n or never"))};
}

PyCrawlerIndex OpenCrawler(const std::string& path, double threshold, std::optional<uint32_t> num_perm,
                           std::optional<uint32_t> ngram, std::optional<uint32_t> char_ngram,
                           std::optional<std::string> algorithm, std::optional<uint64_t> seed,
                           std::optional<std::pair<uint32_t, uint32_t>> bands, std::optional<uint32_t> stored_bits,
                           size_t max_results, bool insert_duplicates, const std::string& sync,
                           uint64_t max_documents) {
  CrawlerIndexOptions o;
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(path);
  const bool exists = info.ok();
  if (exists) {
    o.signer = info->signer;
    o.banding = info->lsh.banding;
    o.stored_bits = info->lsh.stored_bits;
  }
  const bool char_shingles = char_ngram.has_value() || (exists && !ngram && o.signer.shingle.kind == ShingleKind::kChar);
  const uint32_t n = char_ngram ? *char_ngram : ngram ? *ngram : exists ? o.signer.shingle.n : 5;
  o.signer = MakeSignerOptions(
      n, char_shingles ? std::optional<uint32_t>(n) : std::nullopt,
      num_perm.value_or(exists ? o.signer.minhash.num_perm : 128),
      algorithm.value_or(exists ? MinHashAlgorithmName(o.signer.minhash.algorithm) : "oph"),
      seed.value_or(exists ? o.signer.minhash.seed : kDefaultMinHashSeed), exists ? o.signer.shingle.seed : 0);
  o.signer.compute_simhash = false;
  if (bands) {
    o.banding = {bands->first, bands->second};
  } else if (!exists) {
    o.banding = Unwrap(RecallWeightedBanding(threshold, o.signer.minhash.num_perm));  // as `neardup index create`
  }
  if (stored_bits) o.stored_bits = *stored_bits;
  o.threshold = threshold;
  o.max_results = max_results;
  o.insert_duplicates = insert_duplicates;
  o.sync = ParseSync(sync);
  o.max_documents = max_documents;
  PyCrawlerIndex out;
  py::gil_scoped_release release;
  out.index = Unwrap(CrawlerIndex::Open(path, o));
  return out;
}

}  // namespace

void RegisterIndex(py::module_& m) {
  py::class_<PyLshIndex>(m, "LSHIndex", "A streaming MinHash LSH index with string keys.")
      .def(py::init(&PyLshIndex::Make), py::arg("threshold") = 0.8, py::kw_only(), py::arg("num_perm") = 128,
           py::arg("ngram") = 5, py::arg("char_ngram") = py::none(), py::arg("algorithm") = "oph",
           py::arg("seed") = kDefaultMinHashSeed, py::arg("bands") = py::none(), py::arg("stored_bits") = 32)
      .def("insert", &PyLshIndex::Insert, py::arg("key"), py::arg("item"),
           "Indexes a text (signed with the index's parameters), a Signature or an array of values.")
      .def("query", &PyLshIndex::Query, py::arg("item"), "Keys sharing a band with the item.")
      .def("query_topk", &PyLshIndex::QueryTopK, py::arg("item"), py::arg("k") = 10, py::arg("min_jaccard") = 0.0,
           "The k candidates with the highest estimated Jaccard, as (key, jaccard), highest first.")
      .def("remove", &PyLshIndex::Remove, py::arg("key"), "Removes key (OSError if it is not indexed).")
      .def("save", &PyLshIndex::Save, py::arg("path"),
           "Writes the index atomically as a crawler index snapshot with an empty log (what "
           "`neardup index` and CrawlerIndex.open read).")
      .def_static("load", &PyLshIndex::Load, py::arg("path"), py::arg("threshold") = 0.8,
                  "Loads a saved index or a checkpointed crawler index (DataLossError for a damaged file, "
                  "OSError for a missing one, FailedPreconditionError for another kind of file or a log "
                  "holding changes).")
      .def("__len__", &PyLshIndex::size)
      .def("__contains__", &PyLshIndex::Contains, py::arg("key"))
      .def_property_readonly("threshold", &PyLshIndex::threshold)
      .def_property_readonly("bands", [](const PyLshIndex& i) { return i.options().banding.bands; })
      .def_property_readonly("rows", [](const PyLshIndex& i) { return i.options().banding.rows; })
      .def_property_readonly("num_perm", [](const PyLshIndex& i) { return i.options().minhash.num_perm; });

  py::class_<SimHashIndex>(m, "SimHashIndex", "64-bit SimHash fingerprints by integer id; queries within d bits.")
      .def(py::init([](int max_distance) { return Unwrap(SimHashIndex::Create({.max_distance = max_distance})); }),
           py::arg("max_distance") = 3)
      .def("insert", [](SimHashIndex& i, uint64_t id, uint64_t fp) { Check(i.Insert(id, fp)); }, py::arg("id"),
           py::arg("fingerprint"), "Adds a fingerprint under an integer id.")
      .def("remove", [](SimHashIndex& i, uint64_t id) { Check(i.Remove(id)); }, py::arg("id"), "Removes an id.")
      .def("query",
           [](const SimHashIndex& i, uint64_t fp, std::optional<int> d) {
             auto ms = Unwrap(i.Query(fp, d.value_or(i.options().max_distance)));
             py::list out;
             for (const SimHashMatch& mm : ms) out.append(py::make_tuple(mm.id, mm.distance));
             return out;
           },
           py::arg("fingerprint"), py::arg("max_distance") = py::none(), "[(id, distance)] within max_distance bits.")
      .def("save",
           [](const SimHashIndex& i, const std::string& path, uint32_t ngram, std::optional<uint32_t> char_ngram,
              uint64_t simhash_seed) {
             SignerOptions s = MakeSignerOptions(ngram, char_ngram, 128, "oph", 1, 0, simhash_seed);
             Check(SaveSimHashIndex(i, s, path));
           },
           py::arg("path"), py::kw_only(), py::arg("ngram") = 5, py::arg("char_ngram") = py::none(),
           py::arg("simhash_seed") = 0,
           "Writes the index with the shingle parameters its fingerprints came from (io/simhash_index_file.hpp).")
      .def_static("load",
                  [](const std::string& path) {
                    SimHashIndexFileInfo info = Unwrap(ReadSimHashIndexFileInfo(path));
                    return Unwrap(LoadSimHashIndex(path, info.signer, info.index));
                  },
                  py::arg("path"), "Loads a saved SimHash index.")
      .def("__len__", &SimHashIndex::size)
      .def("__contains__", &SimHashIndex::Contains, py::arg("id"));

  py::class_<PyCrawlerIndex>(m, "CrawlerIndex", "The durable crawler index (snapshot + log), string ids.")
      .def_static("open", &OpenCrawler, py::arg("path"), py::arg("threshold") = 0.8, py::kw_only(),
                  py::arg("num_perm") = py::none(), py::arg("ngram") = py::none(), py::arg("char_ngram") = py::none(),
                  py::arg("algorithm") = py::none(), py::arg("seed") = py::none(), py::arg("bands") = py::none(),
                  py::arg("stored_bits") = py::none(), py::arg("max_results") = 64, py::arg("insert_duplicates") = false,
                  py::arg("sync") = "every-op", py::arg("max_documents") = 0,
                  "Opens the index at path, or creates it. Parameters left as None come from the file when "
                  "it exists (as `neardup index add/query` do), else from the defaults of `neardup index create` "
                  "(word 5-grams, OPH-128, 8-bit stored signatures, banding for the threshold weighted 19:1 "
                  "towards recall); parameters given must match an existing file (FailedPreconditionError).")
      .def("insert",
           [](PyCrawlerIndex& c, const std::string& id, py::handle text) {
             const std::string t = Text(text);
             std::shared_ptr<CrawlerIndex> i = c.get();
             py::gil_scoped_release release;
             Check(i->Insert(id, t));
           },
           py::arg("id"), py::arg("text"),
           "Adds a page (KeyError if the id is indexed, FailedPreconditionError for a text without shingles).")
      .def("remove", [](PyCrawlerIndex& c, const std::string& id) { Check(c.get()->Remove(id)); }, py::arg("id"),
           "Removes a page (OSError if the id is not indexed).")
      .def("query",
           [](PyCrawlerIndex& c, py::handle text) {
             const std::string t = Text(text);
             std::vector<CrawlerMatch> ms;
             std::shared_ptr<CrawlerIndex> i = c.get();
             {
               py::gil_scoped_release release;
               ms = Unwrap(i->Query(t));
             }
             return Matches(ms);
           },
           py::arg("text"), "[(id, similarity)] most similar first.")
      .def("query_or_insert",
           [](PyCrawlerIndex& c, const std::string& id, py::handle text) {
             const std::string t = Text(text);
             QueryOrInsertResult r;
             std::shared_ptr<CrawlerIndex> i = c.get();
             {
               py::gil_scoped_release release;
               r = Unwrap(i->QueryOrInsert(id, t));
             }
             py::dict out;
             out["inserted"] = r.inserted;
             out["already_present"] = r.already_present;
             out["duplicates"] = Matches(r.duplicates);
             return out;
           },
           py::arg("id"), py::arg("text"),
           "Queries and inserts the page if it has no near-duplicate, atomically: "
           "{'inserted', 'already_present', 'duplicates': [(id, similarity)]}.")
      .def("checkpoint",
           [](PyCrawlerIndex& c) {
             std::shared_ptr<CrawlerIndex> i = c.get();
             py::gil_scoped_release release;
             Check(i->Checkpoint());
           },
           "Writes a new snapshot atomically and empties the log.")
      .def("sync",
           [](PyCrawlerIndex& c) {
             std::shared_ptr<CrawlerIndex> i = c.get();
             py::gil_scoped_release release;
             Check(i->Sync());
           },
           "fdatasyncs the log: every change so far survives power loss.")
      .def("close",
           [](PyCrawlerIndex& c) {
             std::shared_ptr<CrawlerIndex> closing = std::move(c.index);
             py::gil_scoped_release release;
             closing.reset();
           },
           "Writes what the log holds and releases the lock (also on garbage collection).")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCrawlerIndex& c, py::args) {
        std::shared_ptr<CrawlerIndex> closing = std::move(c.index);
        py::gil_scoped_release release;
        closing.reset();
      })
      .def("__len__", [](PyCrawlerIndex& c) { return c.get()->size(); })
      .def("__contains__", [](PyCrawlerIndex& c, const std::string& id) { return c.get()->Contains(id); }, py::arg("id"))
      .def_property_readonly("closed", [](const PyCrawlerIndex& c) { return !c.index; })
      .def_property_readonly("recovery", [](PyCrawlerIndex& c) {
        const CrawlerRecovery& r = c.get()->recovery();
        py::dict d;
        d["created"] = r.created;
        d["snapshot_documents"] = r.snapshot_documents;
        d["log_records_replayed"] = r.log_records_replayed;
        d["log_bytes_dropped"] = r.log_bytes_dropped;
        d["log_tail_problem"] = r.log_tail_problem;
        return d;
      });

  m.def(
      "write_signatures",
      [](const std::string& path, py::iterable ids, py::iterable texts, uint32_t ngram, std::optional<uint32_t> char_ngram,
         uint32_t num_perm, const std::string& algorithm, uint64_t seed, unsigned threads) {
        SignerOptions o = MakeSignerOptions(ngram, char_ngram, num_perm, algorithm, seed);
        std::vector<std::string> id_list;
        for (py::handle h : ids) id_list.push_back(Text(h));
        std::vector<py::object> items;
        for (py::handle h : texts) items.push_back(py::reinterpret_borrow<py::object>(h));
        if (items.size() != id_list.size()) {
          throw StatusError{absl::InvalidArgumentError(
              absl::StrCat("ids and texts differ in length: ", id_list.size(), " vs ", items.size()))};
        }
        std::vector<std::string_view> views(items.size());
        std::vector<uint8_t> ok(items.size(), 0);
        py::dict reasons;
        for (size_t i = 0; i < items.size(); ++i) {
          std::string reason;
          if (auto t = TextOf(items[i], &reason, &items[i])) {
            views[i] = *t;
            ok[i] = 1;
          } else {
            reasons[py::int_(i)] = reason;
          }
        }
        {
          py::gil_scoped_release release;
          std::vector<DocumentSignature> sigs = SignBatch(views, o, threads);
          SignatureFileWriter w = Unwrap(SignatureFileWriter::Create(path, o));
          for (size_t i = 0; i < sigs.size(); ++i) {
            if (!ok[i]) continue;
            Check(w.Append(id_list[i], sigs[i], {.bytes = views[i].size(), .input = 0, .record = i + 1, .offset = 0}));
          }
          Check(w.Finalize());
        }
        return reasons;
      },
      py::arg("path"), py::arg("ids"), py::arg("texts"), py::kw_only(), py::arg("ngram") = 5,
      py::arg("char_ngram") = py::none(), py::arg("num_perm") = 128, py::arg("algorithm") = "oph",
      py::arg("seed") = kDefaultMinHashSeed, py::arg("threads") = 0,
      "Signs texts and writes a signature file (what `neardup sign` writes); returns {index: reason} of skipped items.");

  m.def(
      "read_signatures",
      [](const std::string& path) {
        SignatureSet set;
        {
          py::gil_scoped_release release;
          set = Unwrap(ReadSignatureFile(path));
        }
        const size_t n = set.size();
        const size_t k = set.info.options.compute_minhash ? set.info.options.minhash.num_perm : 0;
        py::array_t<uint32_t> mh({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
        if (n != 0 && k != 0) std::memcpy(mh.mutable_data(), set.minhash_values.data(), n * k * sizeof(uint32_t));
        py::array_t<uint64_t> sh(static_cast<py::ssize_t>(set.simhashes.size()));
        if (!set.simhashes.empty()) std::memcpy(sh.mutable_data(), set.simhashes.data(), set.simhashes.size() * 8);
        py::dict d;
        d["ids"] = set.ids;
        d["minhash"] = mh;
        d["simhash"] = sh;
        d["num_tokens"] = set.num_tokens;
        d["num_shingles"] = set.num_shingles;
        const SignerOptions& o = set.info.options;
        d["num_perm"] = o.minhash.num_perm;
        d["minhash_bits"] = set.info.minhash_bits;
        d["seed"] = o.minhash.seed;
        d["algorithm"] = MinHashAlgorithmName(o.minhash.algorithm);
        d["ngram"] = o.shingle.n;
        d["char"] = o.shingle.kind == ShingleKind::kChar;
        return d;
      },
      py::arg("path"), "Reads a signature file: {'ids', 'minhash' (n, k), 'simhash' (n,), 'minhash_bits' (16: the\n"
      "values are the low 16 bits), ...}.");
}

}  // namespace neardup::python
