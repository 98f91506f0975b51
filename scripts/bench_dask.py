"""Scaling of python -m neardup.dask on one machine: time, bytes through scratch and
peak memory per worker, for a LocalCluster of 1 and 2 workers (one thread each, and
one C++ thread per task, so a worker is one core).

    build/venv/bin/python scripts/bench_dask.py CORPUS.jsonl [--workers 1 2] [--partitions 8]
        [--compare clusters.jsonl] [--long-run-budget-mb 256]

Prints one row per worker count: documents, wall seconds, stage seconds, bytes of
signature shards, id and band-key exchange files, verified edges and all of scratch,
each worker's peak RSS (getrusage, which counts the C++ allocations Dask cannot see),
the workers' CPU seconds (less noisy than wall time on a shared machine) and the runs
split over several tasks. The corpus generator is bench/gen_corpus.cpp (scripts/bench_dedup.sh)."""

import argparse
import os
import resource
import shutil
import tempfile
import time

from distributed import Client, LocalCluster

import neardup.dask as nd


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _tree_bytes(d):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--scratch-root", default=tempfile.gettempdir())
    ap.add_argument("--compare", help="clusters JSONL of `neardup dedup` on the same corpus: check equal bytes")
    ap.add_argument("--long-run-budget-mb", type=int, default=nd.DEFAULT_LONG_RUN_BUDGET >> 20)
    a = ap.parse_args()
    for n in a.workers:
        scratch = tempfile.mkdtemp(prefix="nd-bench-", dir=a.scratch_root)
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0) as cluster, Client(cluster) as client:
            t = time.monotonic()
            st = nd.dedup(a.corpus, client=client, partitions=a.partitions, scratch=scratch,
                          clusters=os.path.join(scratch, "clusters.jsonl"), threads=1, resume=False,
                          long_run_budget=a.long_run_budget_mb << 20)
            wall = time.monotonic() - t
            peaks = sorted(client.run(_peak_mb).values())
            cpu = sum(client.run(_cpu_s).values())
        sb = st["scratch_bytes"]
        stages = " ".join(f"{k} {v:.1f}" for k, v in st["seconds"].items() if k != "total")
        print(f"workers {n}: {st['documents']} documents, {wall:.1f} s ({stages}); shards {sb['shards'] / 1e6:.0f} MB, "
              f"ids {sb['ids_exchanged'] / 1e6:.0f} MB, band keys {sb['keys_exchanged'] / 1e6:.0f} MB, "
              f"edges {sb['edges'] / 1e6:.1f} MB, signatures pulled {sb['signatures_pulled'] / 1e6:.0f} MB, scratch total {_tree_bytes(scratch) / 1e6:.0f} MB; "
              f"peak RSS per worker {', '.join(f'{p:.0f}' for p in peaks)} MB; workers' CPU {cpu:.1f} s; "
              f"{st['clusters']} clusters, {st['long_runs']} runs split over {st['long_run_parts']} part and "
              f"{st['long_run_buckets']} buckets in {st['long_run_bucket_tasks']} tasks, "
              f"{st['large_components']} components clustered in "
              f"{st['large_component_passes']} passes, "
              f"{st['component_rounds']} component rounds", flush=True)
        if a.compare:
            with open(a.compare, "rb") as f, open(os.path.join(scratch, "clusters.jsonl"), "rb") as g:
                print("  clusters identical to", a.compare, ":", f.read() == g.read(), flush=True)
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
