// The dedup pipeline (dedup/dedup.hpp) over texts in memory or files: options from
// keyword arguments, the result as plain Python data. Clusters and repeats are the
// C++ JSON lines (ClusterJson, PassageRepeatJson); the package json.loads them, so
// they are exactly the lines of clusters.jsonl and repeats.jsonl.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common.hpp"
#include "neardup/dedup/dedup.hpp"
#include "neardup/dedup/distributed.hpp"
#include "neardup/internal/json_text.hpp"
#include "neardup/passage/split.hpp"
#include "signature_types.hpp"

namespace neardup::python {
namespace {

// The option `name`'s value as T; ValueError naming it when it is not one.
template <typename T>
T As(py::handle v, std::string_view name) {
  try {
    return v.cast<T>();
  } catch (const py::cast_error&) {
    throw StatusError{absl::InvalidArgumentError(
        absl::StrCat("dedup option ", std::string(name), " = ", std::string(py::repr(v)), " is not a valid value"))};
  }
}

template <typename T>
T Get(const py::dict& kw, const char* name, T fallback) {
  if (!kw.contains(name)) return fallback;
  py::object v = kw[name];
  if (v.is_none()) return fallback;
  return As<T>(v, name);
}

PassageOptions ParsePassages(py::handle spec) {
  PassageOptions p;
  if (py::isinstance<py::bool_>(spec)) return p;
  if (!py::isinstance<py::dict>(spec)) {
    throw StatusError{absl::InvalidArgumentError(absl::StrCat(
        "dedup option passages = ", std::string(py::repr(spec)), " is not a valid value: expected True or a dict"))};
  }
  py::dict d = py::reinterpret_borrow<py::dict>(spec);
  for (auto item : d) {
    const std::string key = py::str(item.first);
    if (key == "split") {
      p.split = Unwrap(ParsePassageSplit(As<std::string>(item.second, "passages." + key)));
    } else if (key == "scope") {
      p.scope = Unwrap(ParsePassageScope(As<std::string>(item.second, "passages." + key)));
    } else if (key == "measure") {
      p.measure = Unwrap(ParsePassageMeasure(As<std::string>(item.second, "passages." + key)));
    } else if (key == "threshold") {
      p.threshold = As<double>(item.second, "passages." + key);
    } else if (key == "min_chars") {
      p.min_chars = As<uint32_t>(item.second, "passages." + key);
    } else if (key == "near") {
      p.near = As<bool>(item.second, "passages." + key);
    } else {
      throw StatusError{absl::InvalidArgumentError(absl::StrCat("unknown passages option '", key,
                                                                "': expected split, scope, measure, threshold, min_chars, near"))};
    }
  }
  return p;
}

// Keyword options -> DedupOptions and InputOptions; ValueError for a bad value,
// TypeError for an unknown name.
void ParseOptions(double threshold, const py::dict& kw, DedupOptions* o, InputOptions* input) {
  static const char* kKnown[] = {"algorithm", "ngram", "char_ngram", "num_perm", "minhash_algorithm", "seed",
                                 "bands", "simhash_distance", "verify", "keep", "cluster_policy", "pairs",
                                 "passages", "max_documents", "threads", "id_field", "text_field", "strict",
                                 "max_doc_bytes", "max_line_bytes", "output", "pairs_out", "passages_out",
                                 "write_deduped", "write_passage_deduped"};
  for (auto item : kw) {
    const std::string key = py::str(item.first);
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) throw py::type_error(absl::StrCat("unexpected dedup option '", key, "'"));
  }
  o->threshold = threshold;
  o->algorithm = Unwrap(ParseDedupAlgorithm(Get<std::string>(kw, "algorithm", "minhash")));
  std::optional<uint32_t> char_ngram;
  if (kw.contains("char_ngram") && !kw["char_ngram"].is_none()) char_ngram = As<uint32_t>(kw["char_ngram"], "char_ngram");
  o->signer = MakeSignerOptions(Get<uint32_t>(kw, "ngram", 5), char_ngram, Get<uint32_t>(kw, "num_perm", 128),
                                Get<std::string>(kw, "minhash_algorithm", "oph"),
                                Get<uint64_t>(kw, "seed", kDefaultMinHashSeed));
  if (kw.contains("bands") && !kw["bands"].is_none()) {
    auto b = As<std::pair<uint32_t, uint32_t>>(kw["bands"], "bands");
    o->banding = LshParams{b.first, b.second};
  }
  o->simhash_distance = Get<int>(kw, "simhash_distance", 3);
  o->verify = Unwrap(ParseVerification(Get<std::string>(kw, "verify", "precise")));
  o->keep = Unwrap(ParseKeepRule(Get<std::string>(kw, "keep", "first")));
  o->policy = Unwrap(ParseClusterPolicy(Get<std::string>(kw, "cluster_policy", "star")));
  o->pairs = Unwrap(ParsePairsMode(Get<std::string>(kw, "pairs", "verified")));
  if (kw.contains("passages") && !kw["passages"].is_none()) {
    py::object p = kw["passages"];
    if (!py::isinstance<py::bool_>(p) || p.cast<bool>()) o->passages = ParsePassages(p);
  }
  o->max_documents = Get<uint64_t>(kw, "max_documents", 0);
  o->threads = Get<unsigned>(kw, "threads", 0);
  input->fields.id_field = Get<std::string>(kw, "id_field", "id");
  input->fields.text_field = Get<std::string>(kw, "text_field", "text");
  input->strict = Get<bool>(kw, "strict", false);
  input->max_document_bytes = Get<uint64_t>(kw, "max_doc_bytes", 0);
  input->max_line_bytes = Get<uint64_t>(kw, "max_line_bytes", 0);
  Check(o->Validate());
}

// The files the CLI's -o, --pairs, --passages-out, --write-deduped and
// --write-passage-deduped write, from the keywords output, pairs_out, passages_out,
// write_deduped and write_passage_deduped (str or os.PathLike; None = not written).
DedupOutputs ParseOutputs(const py::dict& kw, const DedupOptions& o) {
  const auto path = [&kw](const char* name) -> std::string {
    if (!kw.contains(name) || kw[name].is_none()) return "";
    return py::str(py::module_::import("os").attr("fspath")(kw[name]));
  };
  DedupOutputs out{.clusters = path("output"),
                   .pairs = path("pairs_out"),
                   .passages = path("passages_out"),
                   .deduped = path("write_deduped"),
                   .passage_deduped = path("write_passage_deduped")};
  if (!o.passages && (!out.passages.empty() || !out.passage_deduped.empty())) {
    throw StatusError{absl::InvalidArgumentError("passages_out and write_passage_deduped need passages")};
  }
  return out;
}

// Deduplicates `source`, writing the outputs `kw` names as `neardup dedup` writes them:
// each file is created (as a temporary file) before any input is read and put in
// place once complete. Called without the GIL.
DedupResult Run(const DocumentSource& source, const DedupOptions& options, const DedupOutputs& outputs) {
  DedupOutputFiles files = Unwrap(DedupOutputFiles::Open(outputs, source));
  DedupResult r = Unwrap(Deduplicate(source, options));
  Check(files.Commit(r, source));
  return r;
}

py::dict Problem(const InputProblem& p) {
  py::dict d;
  d["file"] = p.file;
  d["line"] = p.line;
  d["kind"] = ProblemKindName(p.kind);
  d["reason"] = p.reason;
  d["offset"] = p.offset;
  d["message"] = p.ToString();
  return d;
}

py::dict Stats(const DedupStats& s) {
  py::dict d;
  d["records"] = s.records;
  d["documents"] = s.documents;
  d["skipped"] = s.skipped;
  d["duplicate_ids"] = s.duplicate_ids;
  d["empty"] = s.empty;
  d["replaced_bytes"] = s.replaced_bytes;
  d["bytes_read"] = s.bytes_read;
  d["failed_inputs"] = s.failed_inputs;
  d["bands"] = s.banding.bands;
  d["rows"] = s.banding.rows;
  d["candidates"] = s.candidates;
  d["verified"] = s.verified;
  d["decided_by_estimate"] = s.decided_by_estimate;
  d["decided_exactly"] = s.decided_exactly;
  d["clusters"] = s.clusters;
  d["removed"] = s.removed;
  d["verification"] = VerificationName(s.verification);
  d["threads"] = s.threads;
  return d;
}

// `origin[d]`: the position in the caller's list of document d (texts), or -1 (files).
py::dict ResultDict(const DedupResult& r, const std::vector<int64_t>& origin, size_t n_items,
                    std::vector<InputProblem> extra_skipped) {
  py::dict out;
  py::list clusters;
  for (size_t c = 0; c < r.clusters.size(); ++c) clusters.append(ClusterJson(r, r.clusters[c], c));
  out["clusters"] = clusters;
  const size_t n = origin.empty() ? r.removed.size() : n_items;
  py::array_t<bool> removed(static_cast<py::ssize_t>(n));
  bool* rm = removed.mutable_data();
  std::fill(rm, rm + n, false);
  for (size_t d = 0; d < r.removed.size(); ++d) {
    const size_t at = origin.empty() ? d : static_cast<size_t>(origin[r.corpus.record[d] - 1]);
    rm[at] = r.removed[d] != 0;
  }
  out["removed"] = removed;
  py::list pairs;
  for (const ScoredPair& p : r.pairs) {
    pairs.append(py::make_tuple(std::string(r.corpus.ids[p.a]), std::string(r.corpus.ids[p.b]),
                                internal::ShortestAsDouble(p.similarity)));
  }
  out["pairs"] = pairs;
  py::list repeats;
  for (const PassageRepeat& p : r.repeats) repeats.append(PassageRepeatJson(r, p));
  out["repeats"] = repeats;
  py::list skipped;
  for (const InputProblem& p : extra_skipped) skipped.append(Problem(p));
  for (const InputProblem& p : r.skipped) skipped.append(Problem(p));
  out["skipped"] = skipped;
  py::dict stats = Stats(r.stats);
  stats["skipped"] = r.stats.skipped + extra_skipped.size();
  stats["records"] = r.stats.records + extra_skipped.size();
  out["stats"] = stats;
  out["ids"] = r.corpus.ids.ToStrings();
  return out;
}

py::dict DedupTexts(py::iterable texts, py::object ids, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions input;
  ParseOptions(threshold, kw, &options, &input);
  std::vector<py::object> items;
  for (py::handle h : texts) items.push_back(py::reinterpret_borrow<py::object>(h));
  std::vector<py::object> id_items;
  if (!ids.is_none()) {
    for (py::handle h : py::iter(ids)) id_items.push_back(py::reinterpret_borrow<py::object>(h));
    if (id_items.size() != items.size()) {
      throw StatusError{absl::InvalidArgumentError(
          absl::StrCat("ids and texts differ in length: ", id_items.size(), " vs ", items.size()))};
    }
  }
  std::vector<std::string> good_ids, good_texts;
  std::vector<int64_t> origin;
  std::vector<InputProblem> skipped;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string reason;
    std::string id;
    py::object keep;  // a non-ASCII str's UTF-8, until copied below
    if (id_items.empty()) {
      id = std::to_string(i);
    } else if (py::isinstance<py::int_>(id_items[i])) {
      id = std::string(py::str(id_items[i]));
    } else if (std::optional<std::string_view> t = TextOf(id_items[i], &reason, &keep)) {
      id = std::string(*t);
    } else {
      reason = absl::StrCat("bad id: ", reason);
    }
    std::optional<std::string_view> text;
    if (reason.empty()) text = TextOf(items[i], &reason, &keep);
    if (!reason.empty()) {
      InputProblem p{.file = "<texts>", .line = i + 1, .kind = ProblemKind::kBadText,
                     .code = absl::StatusCode::kInvalidArgument, .reason = reason + "; record skipped"};
      if (input.strict) throw StatusError{p.ToStatus()};
      skipped.push_back(std::move(p));
      continue;
    }
    good_ids.push_back(std::move(id));
    good_texts.emplace_back(*text);
    origin.push_back(static_cast<int64_t>(i));
  }
  const DedupOutputs outputs = ParseOutputs(kw, options);
  DocumentSource source = DocumentSource::Texts(std::move(good_ids), std::move(good_texts));
  source.mutable_input() = input;
  DedupResult r;
  {
    py::gil_scoped_release release;
    r = Run(source, options, outputs);
  }
  return ResultDict(r, origin, items.size(), std::move(skipped));
}

py::dict DedupFiles(std::vector<std::string> paths, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions input;
  ParseOptions(threshold, kw, &options, &input);
  const DedupOutputs outputs = ParseOutputs(kw, options);
  DedupResult r;
  {
    py::gil_scoped_release release;
    DocumentSource source = Unwrap(DocumentSource::FromPaths(std::move(paths), input));
    r = Run(source, options, outputs);
  }
  return ResultDict(r, {}, 0, {});
}


// --- The Dask runner's tasks (dedup/distributed.hpp); neardup/dask.py calls them. ---

template <typename T>
std::vector<T> Vec(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return std::vector<T>(a.data(), a.data() + a.size());
}

template <typename T>
py::array_t<T> Array(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::dict DaskSignPartition(std::vector<std::string> inputs, uint32_t input, uint64_t begin, uint64_t end,
                           std::string shard_path, uint32_t partition, std::vector<std::string> id_paths,
                           std::vector<std::string> passage_paths, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  PartitionSignStats st;
  {
    py::gil_scoped_release release;
    const PartitionExchange exchange{partition, std::move(id_paths), std::move(passage_paths)};
    st = Unwrap(SignPartitionToShard(inputs, input, ByteRange{begin, end}, options, io, shard_path, exchange));
  }
  py::dict d;
  d["documents"] = st.documents;
  d["records"] = st.records;
  d["skipped"] = st.skipped;
  d["bytes_read"] = st.bytes_read;
  d["failed_inputs"] = st.failed_inputs;
  py::list problems;
  for (const InputProblem& p : st.problems) problems.append(Problem(p));
  d["problems"] = problems;
  return d;
}

using U32Array = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;

uint64_t DaskShardBandKeys(std::tuple<std::string, uint32_t, uint32_t> shard, U32Array skipped_a,
                           std::vector<std::string> range_paths, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  const std::vector<uint32_t> skipped = Vec(skipped_a);
  py::gil_scoped_release release;
  const ShardRef ref{std::get<0>(shard), std::get<1>(shard), std::get<2>(shard)};
  return Unwrap(WriteShardBandKeys(ref, skipped, options, range_paths));
}

// The runs of one key range; long runs as (path, band, members, hash).
py::dict DaskGatherRuns(std::vector<std::string> key_paths, std::string runs_path, std::string long_prefix,
                        uint64_t budget_bytes, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  KeyRangeRuns runs;
  {
    py::gil_scoped_release release;
    const uint64_t max_members = Unwrap(MaxRunMembers(options, budget_bytes));
    runs = Unwrap(GatherKeyRangeRuns(key_paths, runs_path, long_prefix, max_members));
  }
  py::list long_runs;
  for (const LongRun& r : runs.long_runs) long_runs.append(py::make_tuple(r.path, r.band, r.members, r.hash));
  py::dict d;
  d["runs"] = runs.runs;
  d["docs"] = Array(runs.docs);
  d["long_runs"] = long_runs;
  return d;
}

// A long run (path, band, members) and its split under the budget.
struct LongRunArg {
  LongRun run;
  LongRunSplit split;
};
LongRunArg LongRunOf(std::tuple<std::string, uint32_t, uint64_t> run, uint64_t budget_bytes,
                     const DedupOptions& options) {
  LongRunArg a{.run = {std::get<0>(run), std::get<1>(run), std::get<2>(run)}};
  a.split = Unwrap(SplitLongRun(a.run.members, options, budget_bytes));
  return a;
}

// The split of a long run: (parts, buckets).
py::tuple DaskSplitLongRun(uint64_t members, uint64_t budget_bytes, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  const LongRunSplit split = Unwrap(SplitLongRun(members, options, budget_bytes));
  return py::make_tuple(split.parts, split.buckets);
}

py::array_t<uint32_t> DaskLongRunPartDocs(std::tuple<std::string, uint32_t, uint64_t> run, uint64_t budget_bytes,
                                          uint32_t part, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  std::vector<uint32_t> docs;
  {
    py::gil_scoped_release release;
    const LongRunArg a = LongRunOf(run, budget_bytes, options);
    docs = Unwrap(LongRunPartDocs(a.run, a.split, part));
  }
  return Array(docs);
}

// Verified pairs and the counts of their verification, for the edge files.
py::dict VerifiedDict(const std::vector<ScoredPair>& verified, const DedupStats& stats) {
  std::vector<uint32_t> a, b;
  std::vector<float> sim;
  for (const ScoredPair& p : verified) {
    a.push_back(p.a);
    b.push_back(p.b);
    sim.push_back(p.similarity);
  }
  py::dict d;
  d["a"] = Array(a);
  d["b"] = Array(b);
  d["similarity"] = Array(sim);
  d["candidates"] = stats.candidates;
  d["decided_exactly"] = stats.decided_exactly;
  d["decided_by_estimate"] = stats.decided_by_estimate;
  d["texts_read_again"] = stats.texts_read_again;
  d["long_runs"] = stats.lsh.long_runs;
  return d;
}

// Candidates from `candidates` (given the slice) verified against the pulled signatures.
template <typename CandidatesFn>
py::dict VerifyPulled(const std::vector<std::string>& pulled, const std::string& any_shard, double threshold,
                      const py::kwargs& kw, CandidatesFn&& candidates_of) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  std::vector<ScoredPair> verified;
  DedupStats stats;
  {
    py::gil_scoped_release release;
    std::vector<uint32_t> slice_docs;
    const SignedCorpus slice = Unwrap(LoadRequestedSignatures(pulled, any_shard, options, &slice_docs));
    const std::vector<CandidatePair> candidates = candidates_of(slice, slice_docs, options, &stats.lsh);
    stats.candidates = candidates.size();
    verified = Unwrap(VerifyCandidatesInSlice(candidates, slice, slice_docs, options, io, &stats));
  }
  return VerifiedDict(verified, stats);
}

py::dict DaskVerifyRuns(std::string runs_path, std::vector<std::string> pulled, std::string any_shard,
                        double threshold, py::kwargs kw) {
  return VerifyPulled(pulled, any_shard, threshold, kw,
                      [&](const SignedCorpus& slice, const std::vector<uint32_t>& slice_docs,
                          const DedupOptions& options, LshBatchStats* lsh) {
                        std::vector<uint32_t> docs, bands;
                        std::vector<uint64_t> starts;
                        Check(ReadRuns(runs_path, &docs, &starts, &bands));
                        return Unwrap(CandidatesOfRuns(docs, starts, bands, slice, slice_docs, options, lsh));
                      });
}

// A part of long runs with the same members, (path, band, members) each.
py::dict DaskExpandLongRunPart(std::vector<std::tuple<std::string, uint32_t, uint64_t>> runs_a, uint64_t budget_bytes,
                               uint32_t part, std::vector<std::vector<std::string>> bucket_paths,
                               std::vector<std::string> pulled, std::string any_shard, double threshold,
                               py::kwargs kw) {
  return VerifyPulled(pulled, any_shard, threshold, kw,
                      [&](const SignedCorpus& slice, const std::vector<uint32_t>& slice_docs,
                          const DedupOptions& options, LshBatchStats* lsh) {
                        std::vector<LongRun> runs;
                        LongRunSplit split;
                        for (const auto& r : runs_a) {
                          LongRunArg a = LongRunOf(r, budget_bytes, options);
                          runs.push_back(std::move(a.run));
                          split = a.split;
                        }
                        return Unwrap(ExpandLongRunPart(runs, split, part, slice, slice_docs, bucket_paths, options,
                                                        lsh));
                      });
}

// A long run's bucket: the candidate pairs of its refinement sub-runs, (a, b).
py::tuple DaskLongRunSubRuns(std::tuple<std::string, uint32_t, uint64_t> run, std::vector<std::string> part_paths,
                             uint64_t budget_bytes, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  std::vector<uint32_t> a, b;
  {
    py::gil_scoped_release release;
    const LongRunArg r = LongRunOf(run, budget_bytes, options);
    for (const CandidatePair& p : Unwrap(LongRunSubRunPairs(r.run, part_paths, r.split, options, nullptr))) {
      a.push_back(p.first);
      b.push_back(p.second);
    }
  }
  return py::make_tuple(Array(a), Array(b));
}

py::dict DaskVerifyPairs(U32Array a_a, U32Array b_a, std::vector<std::string> pulled, std::string any_shard,
                         double threshold, py::kwargs kw) {
  const std::vector<uint32_t> a = Vec(a_a), b = Vec(b_a);
  if (a.size() != b.size()) throw StatusError{absl::InvalidArgumentError("pairs: a and b differ in length")};
  return VerifyPulled(pulled, any_shard, threshold, kw,
                      [&](const SignedCorpus&, const std::vector<uint32_t>&, const DedupOptions&, LshBatchStats*) {
                        std::vector<CandidatePair> pairs(a.size());
                        for (size_t i = 0; i < a.size(); ++i) pairs[i] = {a[i], b[i]};
                        return pairs;
                      });
}

void DaskPullSignatures(std::tuple<std::string, uint32_t, uint32_t> shard,
                        std::vector<py::array_t<uint32_t, py::array::c_style | py::array::forcecast>> requests_a,
                        std::vector<std::string> out_paths) {
  std::vector<std::vector<uint32_t>> requests;
  for (const auto& r : requests_a) requests.push_back(Vec(r));
  py::gil_scoped_release release;
  const ShardRef ref{std::get<0>(shard), std::get<1>(shard), std::get<2>(shard)};
  Check(WriteRequestedSignatures(ref, requests, out_paths));
}

// Clusters as (keep, lines, removed, pair a, pair b, pair lines); the lines as bytes
// (UTF-8), written to files as they are. Each line is freed once converted: the cluster
// line of a component of a million copies takes tens of MB.
py::tuple ClustersTuple(SliceClusters clusters) {
  std::vector<uint32_t> pa, pb;
  for (const ScoredPair& p : clusters.pairs) {
    pa.push_back(p.a);
    pb.push_back(p.b);
  }
  const auto bytes_of = [](std::vector<std::string>* lines) {
    py::list out;
    for (std::string& line : *lines) {
      out.append(py::bytes(line));
      std::string().swap(line);
    }
    return out;
  };
  return py::make_tuple(Array(clusters.keep), bytes_of(&clusters.lines), Array(clusters.removed), Array(pa),
                        Array(pb), bytes_of(&clusters.pair_lines));
}

std::vector<ScoredPair> Edges(const py::array_t<uint32_t, py::array::c_style | py::array::forcecast>& a_a,
                              const py::array_t<uint32_t, py::array::c_style | py::array::forcecast>& b_a,
                              const py::array_t<float, py::array::c_style | py::array::forcecast>& sim_a) {
  const std::vector<uint32_t> a = Vec(a_a), b = Vec(b_a);
  const std::vector<float> sim = Vec(sim_a);
  if (a.size() != b.size() || a.size() != sim.size()) {
    throw StatusError{absl::InvalidArgumentError("edges: a, b and similarity differ in length")};
  }
  std::vector<ScoredPair> verified(a.size());
  for (size_t i = 0; i < a.size(); ++i) verified[i] = {a[i], b[i], sim[i]};
  return verified;
}

py::tuple DaskCluster(py::array_t<uint32_t, py::array::c_style | py::array::forcecast> a_a,
                      py::array_t<uint32_t, py::array::c_style | py::array::forcecast> b_a,
                      py::array_t<float, py::array::c_style | py::array::forcecast> sim_a,
                      std::vector<std::string> pulled, std::string any_shard, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  const std::vector<ScoredPair> verified = Edges(a_a, b_a, sim_a);
  SliceClusters clusters;
  {
    py::gil_scoped_release release;
    std::vector<uint32_t> slice_docs;
    const SignedCorpus slice = Unwrap(LoadRequestedSignatures(pulled, any_shard, options, &slice_docs));
    clusters = Unwrap(ClusterSlice(verified, slice, slice_docs, options, io));
  }
  return ClustersTuple(std::move(clusters));
}

// One component too large for the budget: DaskCluster's tuple and the passes' counts.
py::tuple DaskClusterLarge(py::array_t<uint32_t, py::array::c_style | py::array::forcecast> a_a,
                           py::array_t<uint32_t, py::array::c_style | py::array::forcecast> b_a,
                           py::array_t<float, py::array::c_style | py::array::forcecast> sim_a,
                           std::vector<std::string> pulled, std::string any_shard, uint64_t budget_bytes,
                           double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  std::vector<ScoredPair> verified = Edges(a_a, b_a, sim_a);
  SliceClusters clusters;
  LargeComponentStats st;
  {
    py::gil_scoped_release release;
    clusters = Unwrap(ClusterLargeComponent(std::move(verified), pulled, any_shard, options, io, budget_bytes, &st));
  }
  py::dict d;
  d["members"] = st.members;
  d["centers"] = st.centers;
  d["chunks"] = st.chunks;
  d["passes"] = st.passes;
  return py::make_tuple(ClustersTuple(std::move(clusters)), d);
}

uint64_t DaskClusterDocumentBytes(double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  return ClusterBytesPerDocument(options);
}

py::dict DaskDuplicateIds(std::vector<std::string> paths, std::vector<std::string> inputs) {
  DuplicateIds dups;
  {
    py::gil_scoped_release release;
    dups = Unwrap(FindDuplicateIds(paths, inputs));
  }
  py::dict d;
  d["docs"] = Array(dups.docs);
  py::list problems;
  for (const InputProblem& p : dups.problems) problems.append(Problem(p));
  d["problems"] = problems;
  return d;
}

py::dict DaskPassageRepeats(std::vector<std::string> paths,
                            py::array_t<uint64_t, py::array::c_style | py::array::forcecast> skipped_a,
                            double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  const std::vector<uint64_t> skipped = Vec(skipped_a);
  ExactPassageRepeats repeats;
  {
    py::gil_scoped_release release;
    repeats = Unwrap(FindExactPassageRepeats(paths, skipped, options));
  }
  std::vector<uint32_t> start, end;
  for (const Span& sp : repeats.spans) {
    start.push_back(sp.start);
    end.push_back(sp.end);
  }
  py::dict d;
  d["docs"] = Array(repeats.docs);
  d["start"] = Array(start);
  d["end"] = Array(end);
  d["lines"] = repeats.lines;
  return d;
}

uint64_t DaskWritePartition(std::tuple<std::string, uint32_t, uint32_t> shard,
                            py::array_t<uint32_t, py::array::c_style | py::array::forcecast> skipped_a,
                            py::array_t<uint32_t, py::array::c_style | py::array::forcecast> removed_a,
                            py::array_t<uint32_t, py::array::c_style | py::array::forcecast> drop_docs_a,
                            py::array_t<uint32_t, py::array::c_style | py::array::forcecast> drop_start_a,
                            py::array_t<uint32_t, py::array::c_style | py::array::forcecast> drop_end_a,
                            std::string deduped, std::string passage_deduped, double threshold, py::kwargs kw) {
  DedupOptions options;
  InputOptions io;
  ParseOptions(threshold, kw, &options, &io);
  const std::vector<uint32_t> skipped = Vec(skipped_a), removed = Vec(removed_a), drop_docs = Vec(drop_docs_a);
  const std::vector<uint32_t> starts = Vec(drop_start_a), ends = Vec(drop_end_a);
  if (starts.size() != drop_docs.size() || ends.size() != drop_docs.size()) {
    throw StatusError{absl::InvalidArgumentError("passage drops: documents, starts and ends differ in length")};
  }
  py::gil_scoped_release release;
  std::vector<Span> spans(drop_docs.size());
  for (size_t i = 0; i < spans.size(); ++i) spans[i] = {starts[i], ends[i]};
  const ShardRef ref{std::get<0>(shard), std::get<1>(shard), std::get<2>(shard)};
  return Unwrap(WritePartitionOutputs(ref, skipped, removed, drop_docs, spans, options, io,
                                      {std::move(deduped), std::move(passage_deduped)}));
}

}  // namespace

void RegisterDedup(py::module_& m) {
  m.def("_dask_sign_partition", &DaskSignPartition);
  m.def("_dask_shard_band_keys", &DaskShardBandKeys);
  m.def("_dask_gather_runs", &DaskGatherRuns);
  m.def("_dask_verify_runs", &DaskVerifyRuns);
  m.def("_dask_split_long_run", &DaskSplitLongRun);
  m.def("_dask_long_run_part_docs", &DaskLongRunPartDocs);
  m.def("_dask_expand_long_run_part", &DaskExpandLongRunPart);
  m.def("_dask_long_run_sub_runs", &DaskLongRunSubRuns);
  m.def("_dask_verify_pairs", &DaskVerifyPairs);
  m.def("_dask_cluster", &DaskCluster);
  m.def("_dask_cluster_large", &DaskClusterLarge);
  m.def("_dask_cluster_document_bytes", &DaskClusterDocumentBytes);
  m.def("_dask_duplicate_ids", &DaskDuplicateIds);
  m.def("_dask_passage_repeats", &DaskPassageRepeats);
  m.def("_dask_write_partition", &DaskWritePartition);
  m.def("_dask_pull_signatures", &DaskPullSignatures);
  m.def("dedup", &DedupTexts, py::arg("texts"), py::arg("ids") = py::none(), py::arg("threshold") = 0.8,
        "Deduplicates texts in memory; see neardup.dedup.");
  m.def("dedup_files", &DedupFiles, py::arg("paths"), py::arg("threshold") = 0.8,
        "Deduplicates JSONL files, directories of .txt files or signature files; see neardup.dedup_files.");
}

}  // namespace neardup::python
