"""LSHIndex, SimHashIndex, CrawlerIndex and the error mapping."""

import pytest

import neardup

A = "Breaking news: the city council approved the new budget for parks and libraries on Monday evening."
B = "Breaking news: the city council approved the new budget for parks and libraries on Monday night."
C = "A completely different story about mountain climbing in the Alps during a long cold winter."


def test_lsh_index_roundtrip(tmp_path):
    index = neardup.LSHIndex(0.5, ngram=3)
    index.insert("a", A)
    index.insert("c", C)
    assert index.query(B) == ["a"]
    top = index.query_topk(B, k=1)
    assert top[0][0] == "a" and 0.5 < top[0][1] <= 1.0
    with pytest.raises(KeyError):
        index.insert("a", A)
    path = tmp_path / "idx.ndidx"
    index.save(str(path))
    back = neardup.LSHIndex.load(str(path))
    assert len(back) == 2 and back.query(B) == ["a"]
    back.remove("a")
    assert back.query(B) == [] and "a" not in back
    with pytest.raises(OSError):
        back.remove("a")
    with pytest.raises(neardup.FailedPreconditionError):
        back.insert("empty", "")
    sig = neardup.Signer(ngram=3).sign(A)
    back.insert("sig", sig)
    assert back.query(B) == ["sig"]


def test_load_errors(tmp_path):
    with pytest.raises(OSError):
        neardup.LSHIndex.load(str(tmp_path / "missing"))
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x89NDUP\r\n\x1a" + b"\x00" * 200)
    with pytest.raises(neardup.Error, match="object type"):
        neardup.LSHIndex.load(str(bad))


def test_simhash_index(tmp_path):
    s = neardup.Signer()
    idx = neardup.SimHashIndex(max_distance=3)
    fa = s.sign(A).simhash
    idx.insert(1, fa)
    idx.insert(2, fa ^ 0b101)
    idx.insert(3, fa ^ 0xFFFF)
    assert sorted(idx.query(fa)) == [(1, 0), (2, 2)]
    idx.save(str(tmp_path / "s.ndsim"))
    back = neardup.SimHashIndex.load(str(tmp_path / "s.ndsim"))
    assert sorted(back.query(fa, 2)) == [(1, 0), (2, 2)] and len(back) == 3


def test_crawler_index(tmp_path):
    path = str(tmp_path / "pages.ndidx")
    with neardup.CrawlerIndex.open(path, 0.5, ngram=3) as c:
        r = c.query_or_insert("https://a", A)
        assert r["inserted"] and r["duplicates"] == []
        r = c.query_or_insert("https://b", B)
        assert not r["inserted"] and r["duplicates"][0][0] == "https://a"
        c.insert("https://c", C)
        c.checkpoint()
    c2 = neardup.CrawlerIndex.open(path, 0.5, ngram=3)
    assert len(c2) == 2 and "https://c" in c2
    with pytest.raises(neardup.FailedPreconditionError):
        neardup.CrawlerIndex.open(path, 0.5, ngram=3)  # locked by c2
    c2.close()
    with pytest.raises(neardup.FailedPreconditionError):
        len(c2)
    with pytest.raises(neardup.FailedPreconditionError):
        neardup.CrawlerIndex.open(path, 0.5, ngram=4)  # other options than the file's
    with neardup.CrawlerIndex.open(str(tmp_path / "cap"), 0.5, ngram=3, max_documents=1) as c:
        c.insert("x", A)
        with pytest.raises(neardup.ResourceExhaustedError):
            c.insert("y", C)


def test_lsh_index_takes_value_arrays():
    index = neardup.LSHIndex(0.5, ngram=3)
    values = neardup.Signer(ngram=3).sign(A).minhash
    index.insert("arr", values)
    assert index.query(B) == ["arr"]
    with pytest.raises(ValueError, match="entries"):
        index.insert("short", values[:10])
