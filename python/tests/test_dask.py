"""neardup.dask: the pipeline on a Dask cluster gives exactly the clusters of
single-machine `neardup dedup` (python -m neardup), for any number of partitions."""

import json
import os
import random
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
    assert st["skipped_stages"] == ["sign", "keys", "verify", "components", "clusters"]
    # Other options: nothing is reused.
    st = nd.dedup([str(p) for p in corpus], **(kw | {"keep": "first"}))
    assert st["skipped_stages"] == []


def test_big_bucket_of_identical_documents(client, tmp_path):
    p = tmp_path / "same.jsonl"
    with open(p, "w") as f:
        for i in range(20000):
            f.write(json.dumps({"id": f"x{i}", "text": "the very same short document text here"}) + "\n")
    out = tmp_path / "got.jsonl"
    st = nd.dedup([str(p)], client=client, partitions=3, scratch=str(tmp_path / "s"), clusters=str(out))
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and st["clusters"] == 1
    c = json.loads(lines[0])
    assert c["keep"] == "x0" and len(c["members"]) == 20000
    assert out.read_bytes() == single_machine([p], tmp_path / "want.jsonl")


def test_passages_refused(client, corpus, tmp_path):
    with pytest.raises(ValueError, match="passages"):
        nd.dedup([str(corpus[0])], client=client, scratch=str(tmp_path), passages=True)
    r = subprocess.run([sys.executable, "-m", "neardup.dask", "dedup", str(corpus[0]), "-o", str(tmp_path / "x"),
                        "--passages"], capture_output=True, text=True)
    assert r.returncode == 2 and "passages" in r.stderr


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
