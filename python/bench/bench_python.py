"""Speed of the Python package, side by side with datasketch (a benchmark, not a test).

    PYTHONPATH=/path/to/datasketch-checkout .venv/bin/python python/bench/bench_python.py [--docs N]

On the same synthetic texts (word 5-grams, 128 permutations, one core each) it times:
  1. neardup.Signer.sign_batch(texts, threads=1), from raw text (normalize + shingle +
     MinHash) vs datasketch.MinHash.bulk on shingles made beforehand (target >= 100x);
  2. neardup.datasketch.MinHash.bulk vs datasketch.MinHash.bulk, same shingles, same
     values (target >= 10x);
  3. two Python threads each calling sign_batch(half, threads=1) together vs one thread
     signing both halves (target <= 0.75x: sign_batch releases the GIL), next to one
     call on two C++ threads, the most two cores give on this machine at this moment.
datasketch is run only if importable; the table says so otherwise.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import numpy as np

import neardup
from neardup import datasketch as nd


def make_texts(n: int, words: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{rng.getrandbits(24):x}" for _ in range(20000)]
    return [" ".join(rng.choice(vocab) for _ in range(words)) for _ in range(n)]


def shingles(text: str, n: int = 5) -> list[bytes]:
    w = text.split()
    return [" ".join(w[i : i + n]).encode() for i in range(max(1, len(w) - n + 1))]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--thread-docs", type=int, default=20000, help="texts for the two-thread measure")
    args = ap.parse_args()
    texts = make_texts(args.docs, args.words)
    sets = [shingles(t) for t in texts]
    n_shingles = sum(len(s) for s in sets)
    try:
        import datasketch  # type: ignore

        ds = datasketch
    except ImportError:
        ds = None

    # MinHash only, as datasketch computes (the default Signer also computes SimHash).
    signer = neardup.Signer(ngram=5, num_perm=128, simhash=False)
    if ds:
        ours = nd.MinHash.bulk(sets[:50], num_perm=128)
        theirs = ds.MinHash.bulk(sets[:50], num_perm=128)
        assert all(np.array_equal(a.hashvalues, b.hashvalues) for a, b in zip(ours, theirs)), "values differ"

    many = make_texts(args.thread_docs, args.words, seed=11)
    half_a, half_b = many[0::2], many[1::2]

    def one_thread() -> None:
        signer.sign_batch(half_a, threads=1)
        signer.sign_batch(half_b, threads=1)

    def two_threads() -> None:
        ts = [threading.Thread(target=signer.sign_batch, args=(h,), kwargs={"threads": 1}) for h in (half_a, half_b)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    # Round robin, the best time of each: on a shared machine the load drifts, and
    # interleaving keeps it from favouring whichever measure ran in a quiet moment.
    cases = {
        "sign": lambda: signer.sign_batch(texts, threads=1),
        "nd": lambda: nd.MinHash.bulk(sets, num_perm=128),
        "one": one_thread,
        "two": two_threads,
        # The machine's ceiling: the same work on two C++ threads inside one call.
        "cpp2": lambda: signer.sign_batch(many, threads=2),
    }
    if ds:
        cases["ds"] = lambda: ds.MinHash.bulk(sets, num_perm=128)
    times = {name: float("inf") for name in cases}
    for _ in range(args.repeat):
        for name, fn in cases.items():
            times[name] = min(times[name], best(fn, 1))
    t_sign, t_nd, t_one, t_two = times["sign"], times["nd"], times["one"], times["two"]
    t_ds = times.get("ds")

    def row(name: str, secs: float | None, ref: float | None = None) -> str:
        if secs is None:
            return f"| {name} | not run (datasketch not importable) | | |"
        per_doc = secs / args.docs * 1e6
        speed = f"{ref / secs:.0f}x" if ref else ""
        return f"| {name} | {secs * 1e3:.1f} ms | {per_doc:.1f} µs | {speed} |"

    print(f"{args.docs} texts of {args.words} words, {n_shingles} word 5-gram shingles, 128 permutations, one core each")
    print("| what | time | per text | vs datasketch |")
    print("| --- | --- | --- | --- |")
    print(row("datasketch MinHash.bulk (shingles made beforehand)", t_ds))
    print(row("neardup.datasketch MinHash.bulk (same shingles, same values)", t_nd, t_ds))
    print(row("neardup Signer.sign_batch(threads=1) (raw text: normalize + shingle + OPH)", t_sign, t_ds))
    print()
    print(f"{args.thread_docs} texts of {args.words} words signed in two halves, threads=1 per call")
    print("| sign_batch, both halves | time | ratio |")
    print("| --- | --- | --- |")
    print(f"| one Python thread, halves in turn | {t_one * 1e3:.1f} ms | 1.00 |")
    print(f"| two Python threads, one half each | {t_two * 1e3:.1f} ms | {t_two / t_one:.2f} |")
    t_cpp2 = times["cpp2"]
    print(f"| (ceiling) one call, sign_batch(all, threads=2) | {t_cpp2 * 1e3:.1f} ms | {t_cpp2 / t_one:.2f} |")


if __name__ == "__main__":
    main()
