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
