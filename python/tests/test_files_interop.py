"""Files are shared between Python and C++: signature files and crawler indexes written
on one side are read on the other."""

import json
import subprocess

import numpy as np
import pytest

import neardup

DOCS = [
    "Local team wins the championship after a dramatic final match in the rain on Sunday.",
    "Local team wins the championship after a dramatic final match in the rain on Sunday!",
    "Stock markets closed higher as technology shares rallied for a third straight day.",
]


def test_signature_file_python_to_cli(tmp_path, neardup_cli):
    sig = tmp_path / "sigs.ndsig"
    reasons = neardup.write_signatures(str(sig), ["a", "b", "c", "d"], DOCS + [None])
    assert list(reasons) == [3]
    out = tmp_path / "clusters.jsonl"
    run = subprocess.run([neardup_cli, "dedup", str(sig), "-o", str(out)], capture_output=True, text=True)
    if "coming with format v2" in run.stderr:
        pytest.skip("the library does not dedup signature files yet: " + run.stderr.strip())
    assert run.returncode == 0, run.stderr
    clusters = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(clusters) == 1 and {m["id"] for m in clusters[0]["members"]} == {"a", "b"}
    assert neardup.dedup_files(sig).clusters == clusters


def test_signature_file_cli_to_python(tmp_path, neardup_cli):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(DOCS)))
    sig = tmp_path / "cli.ndsig"
    subprocess.run([neardup_cli, "sign", str(corpus), "-o", str(sig)], check=True, capture_output=True)
    got = neardup.read_signatures(str(sig))
    assert got["ids"] == ["d0", "d1", "d2"] and got["num_perm"] == 128
    # `neardup sign` stores 16-bit values (b-bit MinHash) and no SimHash by default.
    assert got["minhash_bits"] == 16 and got["simhash"].shape == (0,)
    batch = neardup.Signer().sign_batch(DOCS)
    np.testing.assert_array_equal(got["minhash"], batch.minhash & 0xFFFF)


def test_crawler_index_shared_with_cli(tmp_path, neardup_cli):
    path = tmp_path / "pages.ndidx"
    subprocess.run([neardup_cli, "index", "create", str(path), "--threshold", "0.8"], check=True, capture_output=True)
    with neardup.CrawlerIndex.open(str(path), 0.8) as c:
        c.insert("p0", DOCS[0])
        c.insert("p2", DOCS[2])
        c.checkpoint()
    subprocess.run([neardup_cli, "index", "check", str(path)], check=True, capture_output=True)
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "new", "text": DOCS[1]}) + "\n")
    res = subprocess.run([neardup_cli, "index", "query", str(path), str(q)], check=True, capture_output=True, text=True)
    assert "p0" in res.stdout
    corpus = tmp_path / "more.jsonl"
    corpus.write_text(json.dumps({"id": "cli-doc", "text": DOCS[1] + " More words here."}) + "\n")
    subprocess.run([neardup_cli, "index", "add", str(path), str(corpus)], check=True, capture_output=True)
    with neardup.CrawlerIndex.open(str(path), 0.8) as c:
        assert "cli-doc" in c and len(c) == 3


def _golden(root):
    docs = [json.loads(line) for line in (root / "tests" / "golden" / "docs.jsonl").read_text().splitlines()]
    # The options tests/golden/make_golden_v1.cpp.txt wrote them with.
    signer = neardup.Signer(ngram=3, shingle_seed=7, num_perm=16, seed=11, simhash_seed=13)
    return {d["id"]: d["text"] for d in docs}, signer


def test_lsh_index_python_to_cli_and_back(tmp_path, neardup_cli):
    path = tmp_path / "pages.ndidx"
    index = neardup.LSHIndex(0.8, stored_bits=8)
    index.insert("p0", DOCS[0])
    index.insert("p2", DOCS[2])
    index.insert("gone", DOCS[2] + " And one more sentence.")
    index.remove("gone")
    index.save(str(path))
    stats = subprocess.run([neardup_cli, "index", "stats", str(path)], check=True, capture_output=True, text=True)
    assert stats.stdout.splitlines()[0].split() == ["documents", "2"]
    check = subprocess.run([neardup_cli, "index", "check", str(path)], check=True, capture_output=True, text=True)
    assert check.stdout.startswith(f"{path}: ok: format version 1,")
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "new", "text": DOCS[1]}) + "\n")
    res = subprocess.run([neardup_cli, "index", "query", str(path), str(q)], check=True, capture_output=True, text=True)
    line = json.loads(res.stdout)
    assert line["id"] == "new" and [d["id"] for d in line["duplicates"]] == ["p0"]
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "cli-doc", "text": DOCS[2] + " Shares rose again."}) + "\n")
    subprocess.run([neardup_cli, "index", "add", str(path), str(more)], check=True, capture_output=True)
    back = neardup.LSHIndex.load(str(path))
    assert len(back) == 3 and "cli-doc" in back and back.query(DOCS[1]) == ["p0"]
    assert (back.bands, back.rows, back.num_perm) == (index.bands, index.rows, 128)


def test_crawler_index_from_cpp_loads_as_lsh_index(tmp_path, root):
    texts, signer = _golden(root)
    golden = root / "tests" / "golden" / "crawler_v1.ndidx"
    snapshot = tmp_path / "crawler.ndidx"
    snapshot.write_bytes(golden.read_bytes())
    index = neardup.LSHIndex.load(str(snapshot))
    assert len(index) == 3 and all(k in index for k in ("g-1", "g-3", "g-4"))
    assert (index.bands, index.rows, index.num_perm) == (4, 4, 16)
    # Texts are signed with the file's parameters (word 3-grams, shingle seed 7, ...).
    assert index.query(texts["g-2"]) == ["g-1"]
    assert index.query(signer.sign(texts["g-3"])) == ["g-3"]
    # With its log (three changes after the snapshot) the snapshot alone is not the index.
    (tmp_path / "crawler.ndidx.log").write_bytes((golden.parent / "crawler_v1.ndidx.log").read_bytes())
    with pytest.raises(neardup.FailedPreconditionError) as e:
        neardup.LSHIndex.load(str(snapshot))
    log_bytes = (tmp_path / "crawler.ndidx.log").stat().st_size - 64
    assert str(e.value) == (
        f"{snapshot}: its log {snapshot}.log holds {log_bytes} bytes of changes the snapshot may not have; "
        "checkpoint the index first (CrawlerIndex::Checkpoint, or `neardup index add|remove|merge`)"
    )
    with pytest.raises(neardup.FailedPreconditionError, match="is a MinHash LSH index file, not a crawler index"):
        neardup.LSHIndex.load(str(root / "tests" / "golden" / "minhash_lsh_v1.ndidx"))


def test_simhash_index_shared_with_cpp(tmp_path, root, neardup_cli):
    texts, signer = _golden(root)
    index = neardup.SimHashIndex.load(str(root / "tests" / "golden" / "simhash_index_v1.ndsim"))
    assert len(index) == 6
    fps = {i: signer.sign(t).simhash for i, t in texts.items()}
    assert (100, 0) in index.query(fps["g-1"]) and (103, 0) in index.query(fps["g-4"])
    path = tmp_path / "mine.ndsim"
    mine = neardup.SimHashIndex(max_distance=3)
    for n, fp in enumerate(fps.values()):
        mine.insert(n, fp)
    mine.save(str(path), ngram=3, simhash_seed=13)
    check = subprocess.run([neardup_cli, "index", "check", str(path)], check=True, capture_output=True, text=True)
    assert check.stdout.startswith(f"{path}: ok: SimHash index") and ", 6 entries," in check.stdout


def test_signature_file_from_cpp(root):
    texts, signer = _golden(root)
    got = neardup.read_signatures(str(root / "tests" / "golden" / "signatures_v1.ndsig"))
    assert got["ids"] == list(texts) and (got["num_perm"], got["seed"], got["ngram"]) == (16, 11, 3)
    batch = signer.sign_batch(list(texts.values()))
    np.testing.assert_array_equal(got["minhash"], batch.minhash)
    np.testing.assert_array_equal(got["simhash"], batch.simhash)
