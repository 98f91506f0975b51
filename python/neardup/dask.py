"""neardup.dask: the dedup pipeline on a Dask cluster, past one machine.

    python -m neardup.dask dedup data/*.jsonl -o clusters.jsonl \\
        --scheduler local:4 --partitions 64 --scratch /shared/scratch --threshold 0.8

    stats = neardup.dask.dedup(paths, client=client, partitions=64, scratch="/shared/x",
                               clusters="clusters.jsonl", threshold=0.8)

The clusters are those of single-machine ``neardup dedup`` with the same options, byte
for byte, whatever the number of partitions and workers: documents are numbered by
their global ordinal (input index, then record), and every task works on those
numbers through the library (include/neardup/dedup/distributed.hpp). This module only
plans the tasks and moves files; the work is C++ that releases the GIL.

Stages (every task reads and writes files in ``scratch``, which all workers and the
driver must see; each output is written to a temporary name and renamed, so a task
that runs twice writes the same bytes; P = partitions, R = key / hash ranges = P):

1. sign: one task per partition (an input; an uncompressed JSONL file is also cut into
   byte ranges at line boundaries) -> ``shards/pNNNNN.ndsig``, a v2 signature shard with
   global input indexes, and exchange files (checksummed, dedup/distributed.hpp) by
   hash range: ``ids/pJ_rR.nx`` (each record's id and location) and, with exact
   passages, ``passages/pJ_rR.nx`` (each passage's key). Memory: one batch of texts
   (64 MiB) + its signatures + the partition's exchange records (about 30 bytes plus
   the id per record, and per passage).
1b. ids: one task per id range: every record whose id an earlier one (by ordinal) has
   is reported as single-machine dedup reports it and left out of every later stage
   (``ids/skipped.npz``, 12 bytes per skipped record). Memory: the range's records.
1c. passages (exact only): one task per key range: a passage whose normalized text an
   earlier passage has is a repeat of the first -> ``passages/out_rR.tsv`` and drops
   by partition. Memory: the range's passage records.
2. keys: one task per shard -> ``keys/mJ_rR.nx``: its band keys by key range R,
   combined (each (band, key) once with its documents), sorted, in the library
   (WriteShardBandKeys). Memory: 8 bytes per band per document of the shard, plus 16
   per document for one band's sort and the exchange records.
3. runs: one task per key range merges its key files into runs of equal (band, key)
   (GatherKeyRangeRuns) -> ``runs/rR.nx``, each run longer than one task may hold
   (``long_run_budget``) in a file of its own, and the members' numbers by shard;
   pull: one task per shard reads it once and answers every request ->
   ``pull/v_sJ_<task>.nx``; verify: one task per key range expands its runs by the
   library's LshRunExpander (star + chain + refinement for long runs, as on one
   machine), verified from the pulled signatures and, for precise checks near the
   threshold, the texts read again by recorded offset (only those records) ->
   ``edges/rR_qQ.npz`` by node bucket Q. Memory: the key range's records + 4k bytes per
   document involved + the candidate pairs.
3b. long runs (only when a run is longer than the budget allows): in the verify stage,
   one task per part of consecutive members (ordinal range) verifies its share of the
   run's star and chain and writes its members' refinement fingerprints by bucket;
   long-sub-runs: one task per bucket finds the sub-runs of equal fingerprints and
   their pairs (consecutive buckets whose fingerprint files are small share a task: a
   run of copies writes one record per group and part, so its buckets make one task);
   pull-long and verify-long verify them. The pairs are those of the whole run on one
   machine; every task keeps to the budget (SplitLongRun).
4. components: alternating large-star / small-star rounds over arcs bucketed by node
   (Kiveris et al. 2014); each task compares its output with its previous one and the
   driver stops when no bucket changed. Memory: the bucket's arcs (16 bytes each).
5. clusters: verified edges routed by component (its smallest document), made unique
   per bucket of components, their members' signatures pulled as in 3 -> the library's
   ClusterSlice (keep rule, star policy, pairs) -> ``clusters/cC.tsv``,
   ``clusters/pC.tsv`` and the removed documents by partition; the driver merges
   clusters, pairs and passages in ordinal order into the outputs (streaming). Memory:
   the components' edges and their documents' signatures. A component whose members'
   signatures exceed the budget (members x 4 num_perm + 128 bytes >
   ``long_run_budget``; the member counts come from the component labels of stage 4)
   gets a pull and a task of its own, ``clusters/cL<label>.tsv``: the library's
   ClusterLargeComponent walks its members in keep order in chunks, each pass reading
   a chunk's signatures and the centers' so far from the pulled files (in 1 MiB
   blocks), so its signatures stay within the budget; centers beyond half a pass are
   compared a block at a time (more passes, same memory). Its output is ClusterSlice's.
   On top of the budget it holds per member about 60 bytes plus the id (number, length,
   keep order, center, similarity, cluster entry) and 12 bytes per edge, and its
   cluster line. Pairs ``all`` on such a component is refused (every pair of it).
6. write (with deduped / passage_deduped): one task per partition reads its records
   again by offset and writes ``part-NNNNN.jsonl``: the records not removed, and every
   record without its repeated passages. Memory: the partition's ids and locations.

Restarts: each stage's result is recorded in ``scratch/stage-<name>.json`` with a key
made of the inputs' identity (path, size, mtime), the options and the plan; a driver
run again with the same key skips the stages already recorded.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import os
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _core

_UNSUPPORTED_ALGO = "simhash"
# The memory a task may use for one run of a band key (see dedup's long_run_budget).
DEFAULT_LONG_RUN_BUDGET = 256 << 20


# ---------------------------------------------------------------- small helpers

def _atomic_write(path: str, write) -> None:
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _save(path: str, **arrays: np.ndarray) -> None:
    # npz members carry a CRC-32 each: a damaged file fails to load.
    _atomic_write(path, lambda f: np.savez(f, **arrays))


def _load(path: str) -> Dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _bucket(nodes: np.ndarray, buckets: int) -> np.ndarray:
    h = nodes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return ((h >> np.uint64(32)) % np.uint64(buckets)).astype(np.int64)


_GZIP, _ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"


def _splittable(path: str) -> bool:
    """Uncompressed JSONL (not stdin, a directory, .txt or WARC) can be cut by bytes."""
    if path == "-" or os.path.isdir(path):
        return False
    low = path.lower()
    if low.endswith((".txt", ".gz", ".zst", ".warc", ".wet")):
        return False
    with open(path, "rb") as f:
        head = f.read(8)
    return not (head.startswith(_GZIP) or head.startswith(_ZSTD) or head.startswith(b"WARC/1."))


def plan_partitions(paths: Sequence[str], partitions: int) -> List[Tuple[int, int, int]]:
    """(input index, begin, end) in ordinal order; end -1 = to the end of the input."""
    sizes = [os.path.getsize(p) if os.path.isfile(p) else 0 for p in paths]
    target = max(1, sum(sizes) // max(1, partitions))
    out = []
    for i, p in enumerate(paths):
        if not _splittable(p) or sizes[i] <= target:
            out.append((i, 0, -1))
            continue
        n = min(partitions, max(1, round(sizes[i] / target)))
        cuts = [sizes[i] * j // n for j in range(n)] + [-1]
        out.extend((i, cuts[j], cuts[j + 1]) for j in range(n))
    return out


def _identity(paths: Sequence[str]) -> List[List[Any]]:
    out = []
    for p in paths:
        st = os.stat(p)
        out.append([p, st.st_size, st.st_mtime_ns])
    return out


class _Stages:
    """Stage results recorded in scratch, valid for one run key."""

    def __init__(self, scratch: str, key: str, resume: bool) -> None:
        self.scratch, self.key, self.resume = scratch, key, resume
        self.skipped: List[str] = []

    def get(self, name: str, outputs: Sequence[str] = ()) -> Optional[Any]:
        """The recorded result, if this run key recorded one and `outputs` exist."""
        path = os.path.join(self.scratch, f"stage-{name}.json")
        if not self.resume or not os.path.exists(path) or not all(os.path.exists(o) for o in outputs):
            return None
        with open(path) as f:
            rec = json.load(f)
        if rec.get("key") != self.key:
            return None
        self.skipped.append(name)
        return rec["result"]

    def put(self, name: str, result: Any) -> None:
        data = json.dumps({"key": self.key, "result": result}).encode()
        _atomic_write(os.path.join(self.scratch, f"stage-{name}.json"), lambda f: f.write(data))


# ---------------------------------------------------------------- the tasks

def _exchange_paths(scratch, kind, index, ranges):
    return [os.path.join(scratch, kind, f"p{index:05d}_r{r:05d}.nx") for r in range(ranges)]


def _task_sign(paths, part, index, scratch, ranges, threshold, options):
    i, begin, end = part
    shard = os.path.join(scratch, "shards", f"p{index:05d}.ndsig")
    for d in ("shards", "ids", "passages"):
        os.makedirs(os.path.join(scratch, d), exist_ok=True)
    end = 2**64 - 1 if end < 0 else end
    passages = _exchange_paths(scratch, "passages", index, ranges) if options.get("passages") else []
    st = _core._dask_sign_partition(list(paths), i, begin, end, shard, index,
                                    _exchange_paths(scratch, "ids", index, ranges), passages, threshold, **options)
    st["shard"] = shard
    st["problems"] = [(p["line"], p["message"]) for p in st["problems"]]
    return st


def _task_ids(r, n_parts, paths, scratch):
    files = [os.path.join(scratch, "ids", f"p{j:05d}_r{r:05d}.nx") for j in range(n_parts)]
    out = _core._dask_duplicate_ids(files, list(paths))
    return {"docs": out["docs"], "problems": [(p["line"], p["message"]) for p in out["problems"]]}


def _skipped(scratch):
    z = _load(os.path.join(scratch, "ids", "skipped.npz"))
    return z["docs"], z["pdocs"]


def _task_passages(r, n_parts, firsts, scratch, threshold, options):
    files = [os.path.join(scratch, "passages", f"p{j:05d}_r{r:05d}.nx") for j in range(n_parts)]
    _, pdocs = _skipped(scratch)
    out = _core._dask_passage_repeats(files, pdocs, threshold, **options)
    pdoc = out["docs"]
    part = (pdoc >> np.uint64(32)).astype(np.int64)
    glob = (np.asarray(firsts, dtype=np.uint64)[part] + (pdoc & np.uint64(0xFFFFFFFF))).astype(np.uint32) \
        if pdoc.size else np.zeros(0, np.uint32)
    body = "".join(f"{int(g)}\t{int(s)}\t{ln}\n" for g, s, ln in zip(glob, out["start"], out["lines"]))
    _atomic_write(os.path.join(scratch, "passages", f"out_r{r:05d}.tsv"), lambda f: f.write(body.encode()))
    for j in range(n_parts):
        sel = part == j
        _save(os.path.join(scratch, "passages", f"drop_r{r:05d}_p{j:05d}.npz"), doc=glob[sel],
              start=out["start"][sel], end=out["end"][sel])
    return int(pdoc.size)


def _task_keys(shard, index, ranges, scratch, threshold, options):
    skipped, _ = _skipped(scratch)
    first, count = shard[1], shard[2]
    mine = skipped[(skipped >= first) & (skipped < first + count)]
    paths = [os.path.join(scratch, "keys", f"m{index:05d}_r{r:05d}.nx") for r in range(ranges)]
    os.makedirs(os.path.join(scratch, "keys"), exist_ok=True)
    return int(_core._dask_shard_band_keys(tuple(shard), mine, paths, threshold, **options))


def _pull_requests(kind, tag, docs, shards, scratch):
    """Consumer `tag` asks each shard for the signatures of `docs` (global, ascending)."""
    os.makedirs(os.path.join(scratch, "pull"), exist_ok=True)
    for j, (_, first, count) in enumerate(shards):
        lo, hi = np.searchsorted(docs, [first, first + count])
        _save(os.path.join(scratch, "pull", f"{kind}_{tag}_p{j:05d}.npz"), doc=docs[lo:hi])


def _pulled(kind, tag, n_parts, scratch):
    return [os.path.join(scratch, "pull", f"{kind}_s{j:05d}_{tag}.nx") for j in range(n_parts)]


def _task_pull(kind, j, shard, tags, scratch):
    """One pass over shard j answers the signature requests of every consumer task."""
    reqs = [_load(os.path.join(scratch, "pull", f"{kind}_{t}_p{j:05d}.npz"))["doc"] for t in tags]
    outs = [os.path.join(scratch, "pull", f"{kind}_s{j:05d}_{t}.nx") for t in tags]
    _core._dask_pull_signatures(tuple(shard), reqs, outs)
    return int(sum(r.size for r in reqs))


def _range_tag(r):
    return f"r{r:05d}"


def _long_tag(r, i):
    return f"r{r:05d}l{i:04d}"


def _task_runs(r, n_maps, shards, scratch, budget, threshold, options):
    """The runs of key range r (library: GatherKeyRangeRuns); the members' signatures
    are requested from their shards, for the range's task and for each part of a run
    too long for one task (SplitLongRun)."""
    os.makedirs(os.path.join(scratch, "runs"), exist_ok=True)
    keys = [os.path.join(scratch, "keys", f"m{m:05d}_r{r:05d}.nx") for m in range(n_maps)]
    out = _core._dask_gather_runs(keys, os.path.join(scratch, "runs", f"r{r:05d}.nx"),
                                  os.path.join(scratch, "runs", f"r{r:05d}_long"), budget, threshold, **options)
    _pull_requests("v", _range_tag(r), out["docs"], shards, scratch)
    long_runs = []
    for i, (path, band, members, digest) in enumerate(out["long_runs"]):
        parts, buckets = _core._dask_split_long_run(members, budget, threshold, **options)
        long_runs.append({"tag": _long_tag(r, i), "run": [path, band, members], "hash": digest, "parts": parts,
                          "buckets": buckets})
    return {"runs": out["runs"], "long_runs": long_runs}


def _twins(long_runs):
    """Long runs grouped by members (runs of copies: the same members in every band):
    one set of part tasks per group, in order of their first run."""
    groups: Dict[Tuple[int, int], List[Dict[str, Any]]] = {}
    for lr in long_runs:
        groups.setdefault((lr["run"][2], lr["hash"]), []).append(lr)
    return list(groups.values())


def _task_part_requests(group, p, shards, scratch, budget, threshold, options):
    """The signatures part p of a group of long runs needs (its members, the run's
    first member and the member after its last), requested from their shards."""
    docs = _core._dask_long_run_part_docs(tuple(group[0]["run"]), budget, p, threshold, **options)
    _pull_requests("v", f"{group[0]['tag']}p{p:05d}", docs, shards, scratch)
    return int(docs.size)


def _write_edges(scratch, tag, out, buckets):
    """Verified pairs of one task by the bucket of their first document (the component
    rounds send them both ways) -> edges/<tag>_qQ.npz; the task's counts."""
    a, b, sim = out["a"], out["b"], out["similarity"]
    qa = _bucket(a, buckets)
    for q in range(buckets):
        sel = qa == q
        _save(os.path.join(scratch, "edges", f"{tag}_q{q:05d}.npz"), a=a[sel], b=b[sel], sim=sim[sel])
    return {k: out[k] for k in ("candidates", "decided_exactly", "decided_by_estimate", "texts_read_again",
                                "long_runs")} | {"verified": int(a.size)}


def _task_verify(r, n_parts, any_shard, buckets, scratch, threshold, options):
    out = _core._dask_verify_runs(os.path.join(scratch, "runs", f"r{r:05d}.nx"),
                                  _pulled("v", _range_tag(r), n_parts, scratch), any_shard, threshold, **options)
    return _write_edges(scratch, _range_tag(r), out, buckets)


def _fingerprint_path(scratch, long_tag, p, b):
    return os.path.join(scratch, "long", f"{long_tag}p{p:05d}_b{b:05d}.nx")


def _task_long_part(group, p, n_parts, any_shard, buckets, scratch, budget, threshold, options):
    """Part p of a group of long runs with the same members: its star and chain pairs
    verified (once for the group), each run's fingerprints out."""
    os.makedirs(os.path.join(scratch, "long"), exist_ok=True)
    tag = f"{group[0]['tag']}p{p:05d}"
    fps = [[_fingerprint_path(scratch, lr["tag"], p, b) for b in range(lr["buckets"])] for lr in group]
    out = _core._dask_expand_long_run_part([tuple(lr["run"]) for lr in group], budget, p, fps,
                                           _pulled("v", tag, n_parts, scratch), any_shard, threshold, **options)
    return _write_edges(scratch, tag, out, buckets)


def _bucket_tasks(scratch, long_runs, budget):
    """Each long run's buckets grouped into tasks: consecutive buckets share a task while
    their fingerprint files (12 bytes a record; ~32 in memory with the sort, plus their
    sub-runs' pairs) hold at most budget / 8 bytes. A bucket sized by SplitLongRun from
    records of real fingerprints stays alone; a run of copies writes one record per group
    and part, so its buckets make one task."""
    tasks = []
    for lr in long_runs:
        group, held = [], 0
        for b in range(lr["buckets"]):
            size = sum(os.path.getsize(_fingerprint_path(scratch, lr["tag"], p, b)) for p in range(lr["parts"]))
            if group and held + size > budget // 8:
                tasks.append((lr, group))
                group, held = [], 0
            group.append(b)
            held += size
        if group:
            tasks.append((lr, group))
    return tasks


def _task_long_sub_runs(lr, bs, shards, scratch, budget, threshold, options):
    """Buckets bs of a long run's fingerprints: the pairs of their refinement sub-runs,
    and their documents' signatures requested."""
    pairs = [_core._dask_long_run_sub_runs(tuple(lr["run"]),
                                           [_fingerprint_path(scratch, lr["tag"], p, b) for p in range(lr["parts"])],
                                           budget, threshold, **options) for b in bs]
    a = np.concatenate([x for x, _ in pairs])
    bb = np.concatenate([y for _, y in pairs])
    tag = f"{lr['tag']}b{bs[0]:05d}"
    _save(os.path.join(scratch, "long", f"{tag}.npz"), a=a, b=bb)
    _pull_requests("h", tag, np.unique(np.concatenate([a, bb])).astype(np.uint32), shards, scratch)
    return int(a.size)


def _task_verify_long(tag, n_parts, any_shard, buckets, scratch, threshold, options):
    z = _load(os.path.join(scratch, "long", f"{tag}.npz"))
    out = _core._dask_verify_pairs(z["a"], z["b"], _pulled("h", tag, n_parts, scratch), any_shard, threshold,
                                   **options)
    return _write_edges(scratch, tag, out, buckets)


def _arcs_in(scratch, step, q, sources):
    us, vs = [], []
    for s in sources:
        p = os.path.join(scratch, "cc", f"{step}_s{s:05d}_q{q:05d}.npz")
        z = _load(p)
        us.append(z["u"])
        vs.append(z["v"])
    u = np.concatenate(us) if us else np.zeros(0, np.uint32)
    v = np.concatenate(vs) if vs else np.zeros(0, np.uint32)
    arcs = np.unique((u.astype(np.uint64) << np.uint64(32)) | v.astype(np.uint64))
    return (arcs >> np.uint64(32)).astype(np.uint32), (arcs & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _emit(scratch, step, q, x, y, buckets):
    """Undirected edges (x, y) -> arcs both ways, by the bucket of their source."""
    u = np.concatenate([x, y])
    v = np.concatenate([y, x])
    qb = _bucket(u, buckets)
    for t in range(buckets):
        sel = qb == t
        _save(os.path.join(scratch, "cc", f"{step}_s{q:05d}_q{t:05d}.npz"), u=u[sel], v=v[sel])


def _task_cc_init(q, edge_tags, buckets, scratch):
    xs, ys = [], []
    for t in edge_tags:
        z = _load(os.path.join(scratch, "edges", f"{t}_q{q:05d}.npz"))
        xs.append(z["a"])
        ys.append(z["b"])
    x = np.concatenate(xs) if xs else np.zeros(0, np.uint32)
    y = np.concatenate(ys) if ys else np.zeros(0, np.uint32)
    _emit(scratch, "i0", q, x, y, buckets)
    return True


def _group_min(u, v):
    """Per distinct u (u sorted): min(v over the group, u)."""
    if u.size == 0:
        return u, u
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    mins = np.minimum.reduceat(v, starts)
    nodes = u[starts]
    return nodes, np.minimum(mins, nodes)


def _task_cc_step(kind, step_in, step_out, q, buckets, scratch):
    u, v = _arcs_in(scratch, step_in, q, range(buckets))
    if kind == "large":
        nodes, m = _group_min(u, v)
        mu = m[np.searchsorted(nodes, u)] if u.size else u
        sel = v > u
        x, y = v[sel], mu[sel]
    else:
        sel = v < u
        us, vs = u[sel], v[sel]
        nodes, m = _group_min(us, vs)
        mu = m[np.searchsorted(nodes, us)] if us.size else us
        # (v, m) for each smaller neighbour v, and (u, m); self-loops dropped.
        x = np.concatenate([vs, nodes])
        y = np.concatenate([mu, m])
        keep = x != y
        x, y = x[keep], y[keep]
    _emit(scratch, step_out, q, x, y, buckets)
    return True


def _task_cc_changed(step_a, step_b, q, buckets, scratch):
    ua, va = _arcs_in(scratch, step_a, q, range(buckets))
    ub, vb = _arcs_in(scratch, step_b, q, range(buckets))
    return not (np.array_equal(ua, ub) and np.array_equal(va, vb))


def _task_label(q, final_step, edge_tags, buckets, scratch):
    u, v = _arcs_in(scratch, final_step, q, range(buckets))
    nodes, root = _group_min(u, v)
    parts = [_load(os.path.join(scratch, "edges", f"{t}_q{q:05d}.npz")) for t in edge_tags]
    a = np.concatenate([p["a"] for p in parts]) if parts else np.zeros(0, np.uint32)
    b = np.concatenate([p["b"] for p in parts]) if parts else np.zeros(0, np.uint32)
    sim = np.concatenate([p["sim"] for p in parts]) if parts else np.zeros(0, np.float32)
    lab = root[np.searchsorted(nodes, a)] if a.size else a
    cb = _bucket(lab, buckets)
    for c in range(buckets):
        sel = cb == c
        _save(os.path.join(scratch, "comp", f"q{q:05d}_c{c:05d}.npz"), a=a[sel], b=b[sel], sim=sim[sel],
              label=lab[sel])
    return True


def _large_tag(label):
    return f"L{int(label):010d}"


def _task_cluster_edges(c, buckets, shards, scratch, budget, doc_bytes):
    """The edges of bucket c of components, unique; a component whose members'
    signatures (members x doc_bytes) exceed the budget gets a file and a pull of its
    own (clustered by passes: ClusterLargeComponent), the others stay in the bucket."""
    parts = [_load(os.path.join(scratch, "comp", f"q{q:05d}_c{c:05d}.npz")) for q in range(buckets)]
    a = np.concatenate([p["a"] for p in parts])
    b = np.concatenate([p["b"] for p in parts])
    sim = np.concatenate([p["sim"] for p in parts])
    lab = np.concatenate([p["label"] for p in parts])
    # The same pair verified in two key ranges (two bands) has the same similarity.
    packed = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    packed, first = np.unique(packed, return_index=True)
    a, b, sim, lab = a[first], b[first], sim[first], lab[first]
    # Members per component: distinct (label, document).
    members = np.unique((np.concatenate([lab, lab]).astype(np.uint64) << np.uint64(32))
                        | np.concatenate([a, b]).astype(np.uint64))
    labels, sizes = np.unique((members >> np.uint64(32)).astype(np.uint32), return_counts=True)
    large = labels[sizes.astype(np.uint64) * np.uint64(doc_bytes) > np.uint64(budget)]
    is_large = np.isin(lab, large)
    out = []
    for label in large:
        sel = lab == label
        tag = _large_tag(label)
        _save(os.path.join(scratch, "clusters", f"e{tag}.npz"), a=a[sel], b=b[sel], sim=sim[sel])
        docs = (members[(members >> np.uint64(32)) == np.uint64(label)] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        _pull_requests("k", tag, docs, shards, scratch)
        out.append(tag)
    small = ~is_large
    _save(os.path.join(scratch, "clusters", f"e{c:05d}.npz"), a=a[small], b=b[small], sim=sim[small])
    _pull_requests("k", f"c{c:05d}", np.unique(np.concatenate([a[small], b[small]])).astype(np.uint32), shards,
                   scratch)
    return {"edges": int(a.size), "large": out}


def _cluster_outputs(tag, shards, scratch, keep, lines, removed, pa, pb, pair_lines):
    """clusters/c<tag>.tsv (keep, line), clusters/p<tag>.tsv (pair, line) and the
    removed documents by partition; the counts."""
    prefix = len(b'{"cluster":0,')

    def write_clusters(f):
        for k, ln in zip(keep, lines):  # lines are bytes: written without a copy
            f.write(b"%d\t" % k)
            f.write(memoryview(ln)[prefix:])
            f.write(b"\n")

    def write_pairs(f):
        for x, y, ln in zip(pa, pb, pair_lines):
            f.write(b"%d\t%d\t%s\n" % (x, y, ln))

    _atomic_write(os.path.join(scratch, "clusters", f"c{tag}.tsv"), write_clusters)
    _atomic_write(os.path.join(scratch, "clusters", f"p{tag}.tsv"), write_pairs)
    # The removed documents by partition, for the deduplicated outputs.
    starts = np.array([s[1] for s in shards], dtype=np.uint64)
    part = np.searchsorted(starts, removed.astype(np.uint64), side="right") - 1
    for j in range(len(shards)):
        _save(os.path.join(scratch, "removed", f"c{tag}_p{j:05d}.npz"), doc=removed[part == j])
    return {"clusters": len(lines), "pairs": len(pair_lines), "removed": int(removed.size)}


def _task_cluster(c, shards, scratch, threshold, options):
    tag = f"{c:05d}"
    z = _load(os.path.join(scratch, "clusters", f"e{tag}.npz"))
    out = _core._dask_cluster(z["a"], z["b"], z["sim"], _pulled("k", f"c{tag}", len(shards), scratch), shards[0][0],
                              threshold, **options)
    return _cluster_outputs(tag, shards, scratch, *out)


def _task_cluster_large(tag, shards, scratch, budget, threshold, options):
    """One component too large for the budget, by passes over chunks of its members."""
    z = _load(os.path.join(scratch, "clusters", f"e{tag}.npz"))
    out, st = _core._dask_cluster_large(z["a"], z["b"], z["sim"], _pulled("k", tag, len(shards), scratch),
                                        shards[0][0], budget, threshold, **options)
    return _cluster_outputs(tag, shards, scratch, *out) | {"passes": st["passes"], "centers": st["centers"]}


def _part_name(j: int) -> str:
    return f"part-{j:05d}.jsonl"


def _task_write(j, shard, cluster_tags, n_ranges, scratch, deduped_dir, passage_dir, threshold, options):
    first, count = shard[1], shard[2]
    skipped, _ = _skipped(scratch)
    skipped = skipped[(skipped >= first) & (skipped < first + count)]
    removed = np.sort(np.concatenate([_load(os.path.join(scratch, "removed", f"c{t}_p{j:05d}.npz"))["doc"]
                                      for t in cluster_tags] + [np.zeros(0, np.uint32)]))
    doc, start, end = [np.zeros(0, np.uint32)] * 3
    if passage_dir:
        drops = [_load(os.path.join(scratch, "passages", f"drop_r{r:05d}_p{j:05d}.npz")) for r in range(n_ranges)]
        doc = np.concatenate([d["doc"] for d in drops])
        start = np.concatenate([d["start"] for d in drops])
        end = np.concatenate([d["end"] for d in drops])
        order = np.lexsort((start, doc))
        doc, start, end = doc[order], start[order], end[order]
    name = _part_name(j)
    return int(_core._dask_write_partition(
        shard, skipped, removed, doc, start, end, os.path.join(deduped_dir, name) if deduped_dir else "",
        os.path.join(passage_dir, name) if passage_dir else "", threshold, **options))


# ---------------------------------------------------------------- the driver

def _client(scheduler: Optional[str]):
    from distributed import Client, LocalCluster

    if scheduler is None or scheduler.startswith("local:"):
        n = int(scheduler.split(":", 1)[1]) if scheduler else 2
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    return Client(scheduler), None


_NEAR_PASSAGES = ("near-repeat passages are not supported on Dask (they need a streaming index over the whole "
                  "corpus): ask for exact repeats only (passages={'near': False}; --passage-match exact), as "
                  "`neardup dedup --passages --passage-match exact` finds them")


def _passage_options(passages: Any) -> Optional[Dict[str, Any]]:
    if passages is None or passages is False:
        return None
    spec = {} if passages is True else dict(passages)
    if spec.get("near", True):
        raise ValueError(_NEAR_PASSAGES)
    for k in ("measure", "threshold"):
        if k in spec:
            raise ValueError(f"passages {k}: applies to near repeats only; {_NEAR_PASSAGES}")
    return spec


def dedup(paths: Sequence[str], *, client=None, partitions: int = 4, scratch: Optional[str] = None,
          clusters: Optional[str] = None, threshold: float = 0.8, resume: bool = True,
          pairs: Optional[str] = None, pairs_mode: str = "verified", deduped: Optional[str] = None,
          passages: Any = None, passages_out: Optional[str] = None, passage_deduped: Optional[str] = None,
          long_run_budget: int = DEFAULT_LONG_RUN_BUDGET, **options: Any) -> Dict[str, Any]:
    """Deduplicates `paths` on the Dask cluster of `client` (a LocalCluster of 2 workers
    if None), with the outputs of ``neardup dedup``: clusters JSONL to `clusters`, pairs
    TSV to `pairs` (`pairs_mode` verified or all), and into the directories `deduped`
    and `passage_deduped` one ``part-NNNNN.jsonl`` per partition, in ordinal order
    (concatenated in name order, they are the single-machine file). `passages`: a dict
    of split, scope, min_chars with near=False (exact repeats only), written to
    `passages_out`. Options: those of neardup.dedup_files (ngram, num_perm, bands,
    verify, keep, cluster_policy, id_field, text_field, ...). Returns counts, the
    reports of skipped records (as single-machine dedup prints them, in ordinal order),
    stage timings, the bytes written to scratch per stage, and the stages skipped on a
    restart. `long_run_budget`: the memory (bytes) a task may use for one run of a band
    key, or for the signatures of one component; a longer run is split over several
    tasks by ordinal ranges, with the same candidate pairs (dedup/distributed.hpp,
    SplitLongRun), and a larger component is clustered by passes over its members
    (ClusterLargeComponent; pairs_mode "all" is refused for it)."""
    if long_run_budget < 1:
        raise ValueError(f"long_run_budget must be a positive number of bytes, got {long_run_budget}")
    if options.get("algorithm", "minhash") == _UNSUPPORTED_ALGO:
        raise ValueError("--algo simhash is not supported by the Dask runner (MinHash LSH only)")
    if pairs_mode not in ("verified", "all"):
        raise ValueError(f"pairs_mode must be verified or all, got {pairs_mode!r}")
    spec = _passage_options(passages)
    if spec is None and (passages_out or passage_deduped):
        raise ValueError("passages_out and passage_deduped need passages")
    options = {k: v for k, v in options.items() if v is not None}
    options["pairs"] = pairs_mode if pairs else "none"
    if spec is not None:
        options["passages"] = dict(spec, near=False)
    paths = [os.fspath(p) for p in paths]
    if "-" in paths:
        raise ValueError("standard input cannot be split across workers: give files")
    own_cluster = None
    if client is None:
        client, own_cluster = _client(None)
    scratch = scratch or tempfile.mkdtemp(prefix="neardup-dask-")
    os.makedirs(scratch, exist_ok=True)
    outputs = {"clusters": clusters, "pairs": pairs, "deduped": deduped, "passages": passages_out,
               "passage_deduped": passage_deduped}
    try:
        return _run(client, paths, partitions, scratch, outputs, threshold, resume, long_run_budget, options)
    finally:
        if own_cluster is not None:
            client.close()
            own_cluster.close()


def _run(client, paths, partitions, scratch, outputs, threshold, resume, budget, options):
    t_start = time.monotonic()
    plan = plan_partitions(paths, partitions)
    ranges = max(1, partitions)
    buckets = max(1, partitions)
    key = hashlib.sha256(json.dumps([_identity(paths), threshold, sorted(options.items()), plan, ranges,
                                     buckets, budget, _core.__version__]).encode()).hexdigest()
    stages = _Stages(scratch, key, resume)
    seconds: Dict[str, float] = {}
    scratch_bytes: Dict[str, int] = {}
    tag = key[:8]

    def gather(futs):
        return client.gather(futs)

    def run_stage(name, submit, outputs=()):
        t = time.monotonic()
        result = stages.get(name, outputs)
        if result is None:
            result = submit()
            stages.put(name, result)
        seconds[name] = time.monotonic() - t
        return result

    def dir_bytes(d):
        d = os.path.join(scratch, d)
        return sum(e.stat().st_size for e in os.scandir(d) if e.is_file()) if os.path.isdir(d) else 0

    # 1. sign, and the exchange files of ids (and passage keys)
    signed = run_stage("sign", lambda: gather([
        client.submit(_task_sign, paths, part, j, scratch, ranges, threshold, options, pure=False,
                      key=f"sign-{tag}-{j}") for j, part in enumerate(plan)]))
    shards, first = [], 0
    for st in signed:
        shards.append((st["shard"], first, st["documents"]))
        first += st["documents"]
    if first >= 2**32:
        raise ValueError(f"{first} records: at most 2^32 - 1 per run")
    firsts = [s[1] for s in shards]
    scratch_bytes["shards"] = sum(os.path.getsize(s[0]) for s in shards)
    scratch_bytes["ids_exchanged"] = dir_bytes("ids")

    # 1b. duplicate ids: the first record by ordinal keeps its id
    def find_ids():
        found = gather([client.submit(_task_ids, r, len(plan), paths, scratch, pure=False, key=f"ids-{tag}-{r}")
                        for r in range(ranges)])
        pdocs = np.sort(np.concatenate([f["docs"] for f in found] + [np.zeros(0, np.uint64)]))
        part = (pdocs >> np.uint64(32)).astype(np.int64)
        docs = (np.asarray(firsts, dtype=np.uint64)[part] + (pdocs & np.uint64(0xFFFFFFFF))).astype(np.uint32) \
            if pdocs.size else np.zeros(0, np.uint32)
        _save(os.path.join(scratch, "ids", "skipped.npz"), docs=docs, pdocs=pdocs)
        # Reports by partition and line, as the records were read.
        problems = [[] for _ in plan]
        for f in found:
            for d, pr in zip(f["docs"], f["problems"]):
                problems[int(d) >> 32].append(pr)
        return {"problems": problems, "count": int(pdocs.size)}
    ids = run_stage("ids", find_ids)
    reports = []
    for j, st in enumerate(signed):
        reports.extend(m for _, m in sorted(st["problems"] + [tuple(p) for p in ids["problems"][j]],
                                            key=lambda x: x[0]))

    # 1c. exact repeated passages, by passage key
    n_repeats = 0
    if options.get("passages"):
        n_repeats = int(sum(run_stage("passages", lambda: gather([
            client.submit(_task_passages, r, len(plan), firsts, scratch, threshold, options, pure=False,
                          key=f"passages-{tag}-{r}") for r in range(ranges)]))))
        scratch_bytes["passages_exchanged"] = dir_bytes("passages")

    # 2. keys by range
    keyed = run_stage("keys", lambda: gather([
        client.submit(_task_keys, s, m, ranges, scratch, threshold, options, pure=False,
                      key=f"keys-{tag}-{m}") for m, s in enumerate(shards)]))
    scratch_bytes["keys_exchanged"] = int(sum(keyed))

    # 3. runs per key range; their members' signatures pulled from each shard once;
    #    candidates + verification per key range, and per part of a long run
    ran = run_stage("runs", lambda: gather([
        client.submit(_task_runs, r, len(shards), shards, scratch, budget, threshold, options, pure=False,
                      key=f"runs-{tag}-{r}") for r in range(ranges)]))
    long_runs = [lr for r in ran for lr in r["long_runs"]]
    part_tags = [(g, p) for g in _twins(long_runs) for p in range(g[0]["parts"])]
    if part_tags:
        run_stage("long-parts", lambda: gather([
            client.submit(_task_part_requests, g, p, shards, scratch, budget, threshold, options, pure=False,
                          key=f"long-req-{tag}-{g[0]['tag']}-{p}") for g, p in part_tags]))
    run_stage("pull-runs", lambda: gather([
        client.submit(_task_pull, "v", j, s, [_range_tag(r) for r in range(ranges)]
                      + [f"{g[0]['tag']}p{p:05d}" for g, p in part_tags], scratch, pure=False,
                      key=f"pull-v-{tag}-{j}") for j, s in enumerate(shards)]))
    verified = run_stage("verify", lambda: gather([
        client.submit(_task_verify, r, len(shards), shards[0][0], buckets, scratch, threshold, options, pure=False,
                      key=f"verify-{tag}-{r}") for r in range(ranges)] + [
        client.submit(_task_long_part, g, p, len(shards), shards[0][0], buckets, scratch, budget, threshold,
                      options, pure=False, key=f"long-part-{tag}-{g[0]['tag']}-{p}") for g, p in part_tags]))
    edge_tags = [_range_tag(r) for r in range(ranges)] + [f"{g[0]['tag']}p{p:05d}" for g, p in part_tags]
    # 3b. the refinement sub-runs of long runs: by bucket of (group, fingerprint)
    bucket_tasks = _bucket_tasks(scratch, long_runs, budget)
    if bucket_tasks:
        run_stage("long-sub-runs", lambda: gather([
            client.submit(_task_long_sub_runs, lr, bs, shards, scratch, budget, threshold, options, pure=False,
                          key=f"long-sub-{tag}-{lr['tag']}-{bs[0]}") for lr, bs in bucket_tasks]))
        long_tags = [f"{lr['tag']}b{bs[0]:05d}" for lr, bs in bucket_tasks]
        run_stage("pull-long", lambda: gather([
            client.submit(_task_pull, "h", j, s, long_tags, scratch, pure=False, key=f"pull-h-{tag}-{j}")
            for j, s in enumerate(shards)]))
        verified = verified + run_stage("verify-long", lambda: gather([
            client.submit(_task_verify_long, t, len(shards), shards[0][0], buckets, scratch, threshold, options,
                          pure=False, key=f"verify-long-{tag}-{t}") for t in long_tags]))
        edge_tags += long_tags
    scratch_bytes["edges"] = dir_bytes("edges")

    # 4. connected components
    def components():
        gather([client.submit(_task_cc_init, q, edge_tags, buckets, scratch, pure=False, key=f"cc-init-{tag}-{q}")
                for q in range(buckets)])
        step, rounds = "i0", 0
        while True:
            rounds += 1
            large, small = f"l{rounds}", f"s{rounds}"
            gather([client.submit(_task_cc_step, "large", step, large, q, buckets, scratch, pure=False,
                                  key=f"cc-{large}-{tag}-{q}") for q in range(buckets)])
            gather([client.submit(_task_cc_step, "small", large, small, q, buckets, scratch, pure=False,
                                  key=f"cc-{small}-{tag}-{q}") for q in range(buckets)])
            changed = gather([client.submit(_task_cc_changed, step, small, q, buckets, scratch, pure=False,
                                            key=f"cc-chg{rounds}-{tag}-{q}") for q in range(buckets)])
            step = small
            if not any(changed):
                break
        gather([client.submit(_task_label, q, step, edge_tags, buckets, scratch, pure=False, key=f"label-{tag}-{q}")
                for q in range(buckets)])
        return {"rounds": rounds}
    cc = run_stage("components", components)

    # 5. clusters (and pairs, removed documents) per bucket of components
    #    components too large for the budget: one task each, by passes (in label order)
    doc_bytes = int(_core._dask_cluster_document_bytes(threshold, **options))
    cedges = run_stage("cluster-edges", lambda: gather([
        client.submit(_task_cluster_edges, c, buckets, shards, scratch, budget, doc_bytes, pure=False,
                      key=f"cedges-{tag}-{c}")
        for c in range(buckets)]))
    large = sorted(t for e in cedges for t in e["large"])
    cluster_tags = [f"{c:05d}" for c in range(buckets)] + large
    run_stage("pull-components", lambda: gather([
        client.submit(_task_pull, "k", j, s, [f"c{c:05d}" for c in range(buckets)] + large, scratch, pure=False,
                      key=f"pull-k-{tag}-{j}")
        for j, s in enumerate(shards)]))
    scratch_bytes["signatures_pulled"] = dir_bytes("pull")
    counts = run_stage("clusters", lambda: gather([
        client.submit(_task_cluster, c, shards, scratch, threshold, options, pure=False,
                      key=f"cluster-{tag}-{c}") for c in range(buckets)] + [
        client.submit(_task_cluster_large, t, shards, scratch, budget, threshold, options, pure=False,
                      key=f"cluster-{tag}-{t}") for t in large]))
    t = time.monotonic()
    if outputs["clusters"]:
        _merge_numbered([os.path.join(scratch, "clusters", f"c{ct}.tsv") for ct in cluster_tags],
                        outputs["clusters"], 1, lambda n, body: b'{"cluster":%d,' % n + body)
    if outputs["pairs"]:
        _merge_numbered([os.path.join(scratch, "clusters", f"p{ct}.tsv") for ct in cluster_tags],
                        outputs["pairs"], 2, lambda n, body: body)
    if outputs["passages"]:
        _merge_numbered([os.path.join(scratch, "passages", f"out_r{r:05d}.tsv") for r in range(ranges)],
                        outputs["passages"], 2, lambda n, body: body)
    seconds["merge"] = time.monotonic() - t

    # 6. deduplicated records per partition
    written = None
    if outputs["deduped"] or outputs["passage_deduped"]:
        for d in (outputs["deduped"], outputs["passage_deduped"]):
            if d:
                os.makedirs(d, exist_ok=True)
        out_key = json.dumps([outputs["deduped"], outputs["passage_deduped"]])
        parts = [os.path.join(d, _part_name(j)) for d in (outputs["deduped"], outputs["passage_deduped"])
                 if d for j in range(len(shards))]
        written = run_stage("write" + hashlib.sha256(out_key.encode()).hexdigest()[:8], lambda: gather([
            client.submit(_task_write, j, s, cluster_tags, ranges, scratch, outputs["deduped"],
                          outputs["passage_deduped"], threshold, options, pure=False, key=f"write-{tag}-{j}")
            for j, s in enumerate(shards)]), outputs=parts)
    seconds["total"] = time.monotonic() - t_start
    return {
        "documents": first - ids["count"],
        "records": sum(s["records"] for s in signed),
        "skipped": sum(s["skipped"] for s in signed) + ids["count"],
        "duplicate_ids": ids["count"],
        "failed_inputs": sum(s["failed_inputs"] for s in signed),
        "problems": reports,
        "partitions": len(plan),
        "candidates": int(sum(v["candidates"] for v in verified)),
        "verified": int(sum(v["verified"] for v in verified)),
        "decided_exactly": int(sum(v["decided_exactly"] for v in verified)),
        "texts_read_again": int(sum(v["texts_read_again"] for v in verified)),
        "component_rounds": cc["rounds"],
        "long_runs": len(long_runs),
        "long_run_parts": len(part_tags),
        "long_run_buckets": sum(len(bs) for _, bs in bucket_tasks),
        "long_run_bucket_tasks": len(bucket_tasks),
        "large_components": len(large),
        "large_component_passes": int(sum(c.get("passes", 0) for c in counts)),
        "clusters": int(sum(c["clusters"] for c in counts)),
        "removed": int(sum(c["removed"] for c in counts)),
        "pairs": int(sum(c["pairs"] for c in counts)),
        "repeats": n_repeats,
        "deduped_records": None if written is None else int(sum(written)),
        "seconds": seconds,
        "scratch_bytes": scratch_bytes,
        "skipped_stages": stages.skipped,
        "scratch": scratch,
    }


def _merge_numbered(files: List[str], out_path: str, keys: int, line) -> None:
    """Merges files of "k1 TAB .. kN TAB body" lines, each sorted by its integer keys,
    into `out_path` in key order: line(n, body) for the n-th line."""
    def lines(p):
        with open(p, "rb") as f:
            for ln in f:
                parts = ln.split(b"\t", keys)
                yield tuple(int(k) for k in parts[:keys]), parts[keys]

    def write(f):
        for n, (_, body) in enumerate(heapq.merge(*(lines(p) for p in files), key=lambda x: x[0])):
            f.write(line(n, body))

    _atomic_write(out_path, write)


# ---------------------------------------------------------------- the command line

def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m neardup.dask",
                                 description="neardup dedup on a Dask cluster (see neardup.dask)")
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dedup", help="deduplicate JSONL files / directories of .txt files")
    d.add_argument("inputs", nargs="+")
    d.add_argument("-o", "--output", required=True, help="clusters JSONL")
    d.add_argument("--scheduler", default="local:2", help="local:N (a LocalCluster of N processes) or tcp://HOST:PORT")
    d.add_argument("--partitions", type=int, default=8)
    d.add_argument("--scratch", help="directory every worker sees (default: a new temporary directory)")
    d.add_argument("--threshold", type=float, default=0.8)
    d.add_argument("--ngram", type=int)
    d.add_argument("--char-ngram", type=int)
    d.add_argument("--num-perm", type=int)
    d.add_argument("--minhash-algo")
    d.add_argument("--seed", type=int)
    d.add_argument("--bands", type=int)
    d.add_argument("--rows", type=int)
    d.add_argument("--verify", choices=["precise", "estimate", "exact"])
    d.add_argument("--keep", choices=["first", "longest", "earliest-id"])
    d.add_argument("--cluster-policy", choices=["star", "connected"])
    d.add_argument("--id-field")
    d.add_argument("--text-field")
    d.add_argument("--max-doc-bytes", type=int)
    d.add_argument("--max-line-bytes", type=int)
    d.add_argument("--algo", choices=["minhash", "simhash"])
    d.add_argument("--threads", type=int, help="C++ threads per task (default 0: all cores of the worker's machine)")
    d.add_argument("--pairs", help="write pairs as id_a TAB id_b TAB similarity (as neardup dedup --pairs)")
    d.add_argument("--pairs-mode", choices=["verified", "all"], default="verified")
    d.add_argument("--write-deduped", metavar="DIR",
                   help="write the records minus removed duplicates, one part-NNNNN.jsonl per partition")
    d.add_argument("--passages", action="store_true", help="also find exact repeated passages (--passage-match exact)")
    d.add_argument("--passage-match", choices=["near", "exact"], default="near")
    d.add_argument("--passage-split", choices=["line", "paragraph", "blank-line", "sentence", "quote"])
    d.add_argument("--passage-scope", choices=["all", "within"])
    d.add_argument("--passage-min-chars", type=int)
    d.add_argument("--passages-out", help="with --passages: write repeated passages as JSONL")
    d.add_argument("--write-passage-deduped", metavar="DIR",
                   help="with --passages: every record without its repeated passages, one file per partition")
    for near_only in ("--passage-measure", "--passage-threshold"):
        d.add_argument(near_only)
    d.add_argument("--long-run-budget-mb", type=int, default=DEFAULT_LONG_RUN_BUDGET >> 20,
                   help="memory of a task for one run of a band key or one component's signatures; longer "
                        "runs are split over several tasks, larger components clustered in passes")
    d.add_argument("--no-resume", action="store_true", help="redo every stage even if scratch records it")
    a = ap.parse_args(list(argv) if argv is not None else None)
    passages = None
    if a.passages:
        if a.passage_match != "exact" or a.passage_measure is not None or a.passage_threshold is not None:
            print(f"error: --passages: {_NEAR_PASSAGES}", file=sys.stderr)
            return 2
        passages = {"near": False}
        for k in ("split", "scope", "min_chars"):
            v = getattr(a, f"passage_{k}")
            if v is not None:
                passages[k] = v
    options: Dict[str, Any] = {
        "ngram": a.ngram, "char_ngram": a.char_ngram, "num_perm": a.num_perm, "minhash_algorithm": a.minhash_algo,
        "seed": a.seed, "verify": a.verify, "keep": a.keep, "cluster_policy": a.cluster_policy,
        "id_field": a.id_field, "text_field": a.text_field, "max_doc_bytes": a.max_doc_bytes,
        "max_line_bytes": a.max_line_bytes, "algorithm": a.algo, "threads": a.threads,
    }
    if (a.bands is None) != (a.rows is None):
        print("error: --bands and --rows go together", file=sys.stderr)
        return 2
    if a.bands is not None:
        options["bands"] = (a.bands, a.rows)
    client, cluster = _client(a.scheduler)
    try:
        st = dedup(a.inputs, client=client, partitions=a.partitions, scratch=a.scratch, clusters=a.output,
                   threshold=a.threshold, resume=not a.no_resume, pairs=a.pairs, pairs_mode=a.pairs_mode,
                   deduped=a.write_deduped, passages=passages, passages_out=a.passages_out,
                   passage_deduped=a.write_passage_deduped, long_run_budget=a.long_run_budget_mb << 20, **options)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for p in st["problems"]:
        print(p, file=sys.stderr)
    print(f"{st['records']} records in {st['partitions']} partitions: {st['documents']} kept for dedup, "
          f"{st['skipped']} skipped ({st['duplicate_ids']} duplicate ids); {st['candidates']} candidates, "
          f"{st['verified']} verified; {st['clusters']} clusters ({st['component_rounds']} component rounds), "
          f"{st['removed']} duplicates removed; {st['seconds']['total']:.2f} s", file=sys.stderr)
    return 3 if st["failed_inputs"] else 0


if __name__ == "__main__":
    # Run as the package's module, so that tasks pickle by reference to neardup.dask.
    from neardup.dask import main as _main

    sys.exit(_main())
