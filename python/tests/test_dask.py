"""neardup.dask: the pipeline on a Dask cluster gives exactly the clusters of
single-machine `neardup dedup` (python -m neardup), for any number of partitions."""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402

import neardup.dask as nd  # noqa: E402


def _words(rng, n):
    return [f"w{rng.randrange(5000)}" for _ in range(n)]


def make_corpus(path, families=150, copies=6, unrelated=1500, seed=7):
    """Near-duplicate families (word substitutions) mixed with unrelated texts."""
    rng = random.Random(seed)
    docs = []
    for f in range(families):
        base = _words(rng, rng.randrange(30, 60))
        for c in range(rng.randrange(2, copies + 1)):
            text = list(base)
            for _ in range(rng.randrange(0, 4)):
                text[rng.randrange(len(text))] = f"s{rng.randrange(10**6)}"
            docs.append(" ".join(text))
    docs += [" ".join(_words(rng, rng.randrange(20, 60))) for _ in range(unrelated)]
    rng.shuffle(docs)
    with open(path, "w") as f:
        for i, t in enumerate(docs):
            f.write(json.dumps({"id": f"d{i}", "text": t}) + "\n")
    return len(docs)


def single_machine(inputs, out, *flags):
    subprocess.run([sys.executable, "-m", "neardup", "dedup", *map(str, inputs), "-o", str(out), *flags],
                   check=True, capture_output=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    a, b = d / "a.jsonl", d / "b.jsonl"
    make_corpus(a, seed=1)
    make_corpus(b, seed=2)
    # ids must not repeat across inputs
    b.write_text(b.read_text().replace('"id": "d', '"id": "b'))
    return [a, b]


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_same_clusters_as_one_machine(client, corpus, tmp_path, partitions):
    want = single_machine(corpus, tmp_path / "want.jsonl")
    assert want.count(b"\n") > 100
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p) for p in corpus], client=client, partitions=partitions, scratch=str(tmp_path / "s"),
                  clusters=str(out))
    assert out.read_bytes() == want
    assert st["partitions"] >= partitions


def test_options_and_restart_skips_finished_stages(client, corpus, tmp_path):
    flags = ["--threshold", "0.7", "--keep", "longest", "--verify", "exact"]
    want = single_machine(corpus, tmp_path / "want.jsonl", *flags)
    out = tmp_path / "got.jsonl"
    kw = dict(client=client, partitions=3, scratch=str(tmp_path / "s"), clusters=str(out), threshold=0.7,
              keep="longest", verify="exact")
    st = nd.dedup([str(p) for p in corpus], **kw)
    assert out.read_bytes() == want and st["skipped_stages"] == []
    out.unlink()
    st = nd.dedup([str(p) for p in corpus], **kw)
    assert out.read_bytes() == want
    assert st["skipped_stages"] == ["sign", "ids", "keys", "runs", "pull-runs", "verify", "components",
                                    "cluster-edges", "pull-components", "clusters"]
    # Other options: nothing is reused.
    st = nd.dedup([str(p) for p in corpus], **(kw | {"keep": "first"}))
    assert st["skipped_stages"] == []


def _peak_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_big_bucket_of_identical_documents(client, tmp_path):
    """The issue's bucket: 100,000 copies of one short text in one band run. It must
    give one cluster without any task holding quadratic edges: each worker's peak
    memory stays under a bound far below what 5e9 pairs would take."""
    n = 100_000
    p = tmp_path / "same.jsonl"
    with open(p, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"x{i}", "text": "the very same short document text here"}) + "\n")
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p)], client=client, partitions=3, scratch=str(tmp_path / "s"), clusters=str(out))
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and st["clusters"] == 1
    c = json.loads(lines[0])
    assert c["keep"] == "x0" and len(c["members"]) == n
    peaks = client.run(_peak_rss_mb)
    assert max(peaks.values()) < 400, peaks  # measured 166 MB
    assert out.read_bytes() == single_machine([p], tmp_path / "want.jsonl")


def _long_run_corpus(path, seed=11):
    """Runs of a band key thousands long with structure inside: variants of one page
    (a few words replaced), among them families of closer variants, plus unrelated
    pages, then a block of exact copies (a refinement sub-run above 64 members)."""
    rng = random.Random(seed)
    base = _words(rng, 120)
    docs = []
    for _ in range(15):
        family = list(base)
        for _ in range(rng.randrange(1, 5)):
            family[rng.randrange(len(family))] = f"f{rng.randrange(10**6)}"
        for _ in range(rng.randrange(40, 100)):
            text = list(family)
            for _ in range(rng.randrange(0, 3)):
                text[rng.randrange(len(text))] = f"s{rng.randrange(10**6)}"
            docs.append(" ".join(text))
    docs += [" ".join(_words(rng, rng.randrange(20, 60))) for _ in range(250)]
    rng.shuffle(docs)
    docs += [docs[5]] * 300  # consecutive: whole parts of copies
    with open(path, "w") as f:
        for i, t in enumerate(docs):
            f.write(json.dumps({"id": f"v{i}", "text": t}) + "\n")
    return len(docs)


def test_long_runs_split_over_tasks_as_one_machine(client, tmp_path):
    """A memory budget far below what a run of a few thousand members needs: such runs
    are split over several tasks by ordinal ranges (star and chain per part,
    refinement by fingerprint buckets), and the clusters and pairs are still those of
    one machine."""
    p = tmp_path / "long.jsonl"
    n = _long_run_corpus(p)
    assert n > 1300
    one = tmp_path / "one"
    one.mkdir()
    want = single_machine([p], one / "c.jsonl", "--pairs", one / "pairs.tsv")
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p)], client=client, partitions=3, scratch=str(tmp_path / "s"), clusters=str(out),
                  pairs=str(tmp_path / "pairs.tsv"), long_run_budget=100_000)
    assert st["long_runs"] >= 3 and st["long_run_parts"] > 2 * st["long_runs"], st
    assert st["long_run_buckets"] > st["long_runs"], st
    assert st["long_run_bucket_tasks"] > st["long_runs"], st  # real fingerprints: buckets apart
    assert out.read_bytes() == want
    assert (tmp_path / "pairs.tsv").read_bytes() == (one / "pairs.tsv").read_bytes()
    assert st["clusters"] < 60 and st["removed"] > 800


def test_long_runs_of_copies_share_their_part_tasks(client, tmp_path):
    """Copies share a key in every band: their long runs (one per band) have the same
    members and are split once, the star and chain verified once for all of them."""
    p = tmp_path / "copies.jsonl"
    with open(p, "w") as f:
        for i in range(1000):
            f.write(json.dumps({"id": f"c{i}", "text": "one boilerplate page mirrored on every site of the web"}) + "\n")
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p)], client=client, partitions=2, scratch=str(tmp_path / "s"), clusters=str(out),
                  long_run_budget=250_000)
    assert st["long_runs"] == 16 and st["long_run_parts"] == 5, st  # 1000 members, 245 per part
    # Their fingerprint buckets hold one record per group and part: one task per run.
    assert st["long_run_buckets"] == 16 * 7 and st["long_run_bucket_tasks"] == 16, st
    assert st["verified"] == 2 * 1000 - 3
    assert out.read_bytes() == single_machine([p], tmp_path / "want.jsonl")


def test_large_components_clustered_by_passes_as_one_machine(client, corpus, tmp_path):
    """A budget of a few documents' signatures: every component of more members is
    clustered by passes over chunks of its members in keep order, and the clusters
    and pairs are still those of one machine (longest kept, exact similarities)."""
    one = tmp_path / "one"
    one.mkdir()
    flags = ["--keep", "longest", "--verify", "exact", "--threshold", "0.7", "--pairs", one / "pairs.tsv"]
    want = single_machine(corpus, one / "c.jsonl", *flags)
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p) for p in corpus], client=client, partitions=3, scratch=str(tmp_path / "s"),
                  clusters=str(out), pairs=str(tmp_path / "pairs.tsv"), keep="longest", verify="exact",
                  threshold=0.7, long_run_budget=3 * 640)
    assert st["large_components"] > 20 and st["large_component_passes"] > 2 * st["large_components"], st
    assert st["clusters"] > st["large_components"]  # the small ones stay in their buckets
    assert out.read_bytes() == want
    assert (tmp_path / "pairs.tsv").read_bytes() == (one / "pairs.tsv").read_bytes()


def test_copies_clustered_by_passes_as_one_machine(client, tmp_path):
    """1000 copies in one component, 390 signatures per pass: one cluster, its pairs
    and the deduplicated records as on one machine; pairs all would compare every pair
    of it and is refused, naming the component."""
    p = tmp_path / "copies.jsonl"
    with open(p, "w") as f:
        for i in range(1000):
            f.write(json.dumps({"id": f"k{999 - i}", "text": "the same short notice copied onto every page"}) + "\n")
    one = tmp_path / "one"
    one.mkdir()
    want = single_machine([p], one / "c.jsonl", "--keep", "earliest-id", "--pairs", one / "pairs.tsv",
                          "--write-deduped", one / "deduped.jsonl")
    got = tmp_path / "got"
    kw = dict(client=client, partitions=3, scratch=str(tmp_path / "s"), clusters=str(got / "c.jsonl"),
              pairs=str(got / "pairs.tsv"), keep="earliest-id", long_run_budget=250_000)
    st = nd.dedup([str(p)], deduped=str(got / "deduped"), **kw)
    assert st["large_components"] == 1 and st["large_component_passes"] == 3, st  # 1000 / 390 members
    assert (got / "c.jsonl").read_bytes() == want
    assert json.loads(want)["keep"] == "k0"
    assert (got / "pairs.tsv").read_bytes() == (one / "pairs.tsv").read_bytes()
    assert b"".join(f.read_bytes() for f in sorted((got / "deduped").iterdir())) == \
        (one / "deduped.jsonl").read_bytes()
    with pytest.raises(ValueError) as e:
        nd.dedup([str(p)], **(kw | {"pairs_mode": "all", "scratch": str(tmp_path / "s2")}))
    assert str(e.value) == ('pairs all: the component of document "k999" has 1000 members, more than one task\'s '
                            "memory budget of 250000 bytes holds (390), and every pair of it would be compared: "
                            "ask for verified pairs, or a larger budget")


def test_near_passages_refused(client, corpus, tmp_path):
    with pytest.raises(ValueError, match="near-repeat passages are not supported on Dask"):
        nd.dedup([str(corpus[0])], client=client, scratch=str(tmp_path), passages=True)
    with pytest.raises(ValueError, match="threshold: applies to near repeats only"):
        nd.dedup([str(corpus[0])], client=client, scratch=str(tmp_path), passages={"near": False, "threshold": 0.5})
    r = subprocess.run([sys.executable, "-m", "neardup.dask", "dedup", str(corpus[0]), "-o", str(tmp_path / "x"),
                        "--passages"], capture_output=True, text=True)
    assert r.returncode == 2 and "near-repeat passages are not supported on Dask" in r.stderr
    assert "--passage-match exact" in r.stderr


def _problems(stderr, where):
    return sorted(ln for ln in stderr.splitlines() if ln.startswith(str(where)))


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_duplicate_ids_as_one_machine(client, tmp_path, partitions):
    """Ids repeated across inputs and inside one input: the first record by ordinal
    keeps its id, the others are reported and skipped, whatever the partitioning."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    make_corpus(a, families=40, unrelated=300, seed=3)
    make_corpus(b, families=40, unrelated=300, seed=4)
    # b: every other id is one of a's; a: two late records reuse early ids with texts
    # that would join clusters if they were not skipped.
    rows = [json.loads(ln) for ln in b.read_text().splitlines()]
    for i, r in enumerate(rows):
        r["id"] = f"d{i}" if i % 2 == 0 else f"b{i}"
    b.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = [json.loads(ln) for ln in a.read_text().splitlines()]
    with open(a, "a") as f:
        for i, src in ((1, 10), (2, 11), (1, 12)):
            f.write(json.dumps({"id": f"d{i}", "text": first[src]["text"]}) + "\n")
        f.write("not json\n")
    r = subprocess.run([sys.executable, "-m", "neardup", "dedup", str(a), str(b), "-o", str(tmp_path / "want.jsonl")],
                       capture_output=True, text=True, check=True)
    want_problems = _problems(r.stderr, tmp_path)
    shared = sum(1 for i in range(0, len(rows), 2) if i < len(first))
    assert len(want_problems) == shared + 3 + 1, r.stderr
    assert f'a.jsonl:{len(first) + 3}: duplicate id "d1" (first at {a}:2); record skipped' in r.stderr
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(a), str(b)], client=client, partitions=partitions, scratch=str(tmp_path / "s"),
                  clusters=str(out))
    assert out.read_bytes() == (tmp_path / "want.jsonl").read_bytes()
    assert sorted(st["problems"]) == want_problems
    assert st["duplicate_ids"] == shared + 3


def _passage_corpus(path, seed, n=400):
    """Multi-line documents sharing boilerplate lines and quoting each other."""
    rng = random.Random(seed)
    boiler = [" ".join(_words(rng, 6)) for _ in range(15)]
    own = []
    with open(path, "w") as f:
        for i in range(n):
            lines = [" ".join(_words(rng, rng.randrange(5, 12))) for _ in range(rng.randrange(1, 5))]
            if own and rng.random() < 0.3:
                lines.append(rng.choice(own))
            if rng.random() < 0.5:
                lines.insert(rng.randrange(len(lines) + 1), rng.choice(boiler))
            if rng.random() < 0.1:
                lines.append(lines[0])  # repeated inside the document
            own.append(lines[0])
            text = "\n".join(lines)
            if rng.random() < 0.08 and i > 0:
                text = prev  # an exact duplicate document
            prev = text
            f.write(json.dumps({"id": f"{path.stem}{i}", "text": text}) + "\n")


@pytest.mark.parametrize("partitions,pairs_mode,scope", [(3, "all", "all"), (7, "verified", "within")])
def test_outputs_as_one_machine(client, tmp_path, partitions, pairs_mode, scope):
    """Pairs, deduplicated records and exact repeated passages have the bytes of the
    single-machine CLI's outputs (the per-partition files concatenated in order)."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _passage_corpus(a, 5)
    _passage_corpus(b, 6)
    one = tmp_path / "one"
    one.mkdir()
    flags = ["--pairs", one / "pairs.tsv", "--pairs-mode", pairs_mode, "--write-deduped", one / "deduped.jsonl",
             "--passages", "--passage-match", "exact", "--passage-scope", scope, "--passages-out", one / "rep.jsonl",
             "--write-passage-deduped", one / "pd.jsonl"]
    single_machine([a, b], one / "c.jsonl", *flags)
    assert (one / "rep.jsonl").read_bytes().count(b"\n") > 50
    got = tmp_path / "got"
    kw = dict(client=client, partitions=partitions, scratch=str(tmp_path / "s"), clusters=str(got / "c.jsonl"),
              pairs=str(got / "pairs.tsv"), pairs_mode=pairs_mode, deduped=str(got / "deduped"),
              passages={"near": False, "scope": scope}, passages_out=str(got / "rep.jsonl"),
              passage_deduped=str(got / "pd"))
    st = nd.dedup([str(a), str(b)], **kw)

    def joined(d):
        return b"".join(p.read_bytes() for p in sorted(d.iterdir()))

    assert (got / "c.jsonl").read_bytes() == (one / "c.jsonl").read_bytes()
    assert (got / "pairs.tsv").read_bytes() == (one / "pairs.tsv").read_bytes()
    assert (got / "rep.jsonl").read_bytes() == (one / "rep.jsonl").read_bytes()
    assert joined(got / "deduped") == (one / "deduped.jsonl").read_bytes()
    assert joined(got / "pd") == (one / "pd.jsonl").read_bytes()
    assert len(list((got / "deduped").iterdir())) == st["partitions"] >= partitions
    assert st["removed"] > 10 and st["pairs"] > 10
    # A restart reuses the finished stages but writes outputs that are gone again.
    shutil.rmtree(got / "deduped")
    st = nd.dedup([str(a), str(b)], **kw)
    assert joined(got / "deduped") == (one / "deduped.jsonl").read_bytes()
    assert "clusters" in st["skipped_stages"] and not any(s.startswith("write") for s in st["skipped_stages"])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_worker_killed_mid_job(corpus, tmp_path):
    """A scheduler and two workers as processes; one worker is SIGKILLed while the job
    runs; the job completes with the same clusters."""
    exe = os.path.dirname(sys.executable)
    sched_bin = os.path.join(exe, "dask-scheduler")
    worker_bin = os.path.join(exe, "dask-worker")
    if not os.path.exists(sched_bin):
        sched_bin, worker_bin = "/usr/bin/dask-scheduler", "/usr/bin/dask-worker"
    if not os.path.exists(sched_bin):
        pytest.skip("dask-scheduler not installed")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, sched_bin, "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, worker_bin, addr, "--nthreads", "1", "--no-nanny",
                                           "--dashboard-address", ":0"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(addr, timeout=30) as c:
            c.wait_for_workers(2, timeout=30)
            want = single_machine(corpus, tmp_path / "want.jsonl")
            out = tmp_path / "got.jsonl"
            import threading

            def kill_later():
                time.sleep(1.0)
                procs[1].send_signal(signal.SIGKILL)

            threading.Thread(target=kill_later, daemon=True).start()
            nd.dedup([str(p) for p in corpus], client=c, partitions=7, scratch=str(tmp_path / "s"),
                     clusters=str(out))
            assert out.read_bytes() == want
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
