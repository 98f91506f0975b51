"""The datasketch API surface of neardup.datasketch: copies, merges, pickling, custom
hash functions, LSH sessions, buffers, counts, refusal of other storage."""

import pickle

import numpy as np
import pytest

from neardup import datasketch as nd


def _mh(tokens, **kw):
    m = nd.MinHash(**kw)
    m.update_batch([t.encode() for t in tokens])
    return m


def test_copy_merge_union_digest_clear():
    a, b = _mh(["a", "b", "c"]), _mh(["c", "d"])
    c = a.copy()
    assert c == a and c is not a and c.hashvalues is not a.hashvalues
    u = nd.MinHash.union(a, b)
    c.merge(b)
    assert u == c
    np.testing.assert_array_equal(u.digest(), np.minimum(a.hashvalues, b.hashvalues))
    assert not u.is_empty()
    u.clear()
    assert u.is_empty()
    with pytest.raises(ValueError):
        nd.MinHash.union(a)
    with pytest.raises(ValueError):
        a.jaccard(nd.MinHash(seed=2))
    with pytest.raises(ValueError):
        a.merge(nd.MinHash(num_perm=64))


def test_update_does_not_change_the_old_array():
    m = nd.MinHash()
    old = m.hashvalues
    m.update(b"token")
    assert old.min() == 2**32 - 1 and m.hashvalues.min() < 2**32 - 1


def test_str_token_is_refused_like_hashlib():
    with pytest.raises(TypeError):
        nd.MinHash().update("not bytes")


def test_custom_hashfunc_32_and_64_bit():
    def h32(x):
        return int(x) & 0xFFFFFFFF

    m = nd.MinHash(num_perm=32, hashfunc=h32)
    m.update_batch(["1", "2", "3"])
    a, b = m.permutations
    expected = np.full(32, 2**32 - 1, dtype=np.uint64)
    for v in (1, 2, 3):
        phv = np.bitwise_and((a * np.uint64(v) + b) % np.uint64((1 << 61) - 1), np.uint64(2**32 - 1))
        expected = np.minimum(expected, phv)
    np.testing.assert_array_equal(m.hashvalues, expected)
    big = nd.MinHash(num_perm=32, hashfunc=lambda x: 2**40 + int(x))
    big.update("5")
    assert big.hashvalues.dtype == np.uint64
    with pytest.raises(ValueError):
        nd.MinHash(hashfunc="not callable")


def test_pickle_minhash_and_lean():
    m = _mh(["x", "y", "z"], num_perm=64, seed=7)
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.seed == 7
    back.update(b"w")  # the C++ permutations are rebuilt after unpickling
    ref = m.copy()
    ref.update(b"w")
    assert back == ref
    lean = nd.LeanMinHash(m)
    lb = pickle.loads(pickle.dumps(lean))
    assert lb == lean and hash(lb) == hash(lean)
    with pytest.raises(TypeError):
        lean.update(b"x")


def test_lean_serialize_errors():
    lean = nd.LeanMinHash(_mh(["a"]))
    with pytest.raises(ValueError):
        lean.serialize(bytearray(10))
    with pytest.raises(IndexError):
        nd.LeanMinHash.deserialize(b"\x01\x00")


def test_gpu_mode_always_refused():
    with pytest.raises(RuntimeError):
        nd.MinHash(gpu_mode="always").update_batch([b"a"])


def test_lsh_insert_query_remove_and_tables():
    lsh = nd.MinHashLSH(threshold=0.5, num_perm=16)
    m1, m2, m3 = _mh(list("abcdefgh"), num_perm=16), _mh(list("abcdefgz"), num_perm=16), _mh(list("stuvwxyz"), num_perm=16)
    lsh.insert("a", m1)
    lsh.insert("b", m2)
    assert "a" in lsh and "c" not in lsh
    assert set(lsh.query(m1)) >= {"a"}
    for i, h in enumerate(lsh.keys["a"]):
        assert "a" in lsh.hashtables[i][h]
    with pytest.raises(ValueError):
        lsh.insert("a", m1)
    with pytest.raises(ValueError):
        lsh.insert("x", nd.MinHash(num_perm=32))
    counts = lsh.get_counts()
    assert len(counts) == lsh.b and all(sum(c.values()) == 2 for c in counts)
    lsh.remove("a")
    assert "a" not in lsh.keys and all("a" not in v for t in lsh.hashtables for v in t._dict.values())
    with pytest.raises(ValueError):
        lsh.remove("a")
    lsh.add_to_query_buffer(m2)
    assert lsh.collect_query_buffer() == ["b"]
    assert "b" not in lsh.query(m3) or m3.jaccard(m2) > 0


def test_lsh_sessions_prepickle_pickle_merge():
    lsh = nd.MinHashLSH(threshold=0.5, num_perm=16, prepickle=True)
    ms = {f"k{i}": _mh([f"t{i}", "common", "words"], num_perm=16) for i in range(5)}
    with lsh.insertion_session() as s:
        for k, m in ms.items():
            s.insert(k, m)
    assert "k1" in lsh and pickle.dumps("k1") in lsh.keys
    back = pickle.loads(pickle.dumps(lsh))
    assert set(back.query(ms["k1"])) == set(lsh.query(ms["k1"]))
    with lsh.deletion_session() as s:
        s.remove("k1")
    assert "k1" not in lsh
    other = nd.MinHashLSH(threshold=0.5, num_perm=16, prepickle=True)
    other.insert("z", ms["k2"])
    lsh.merge(other)
    assert "z" in lsh
    with pytest.raises(ValueError):
        lsh.merge(nd.MinHashLSH(threshold=0.5, num_perm=32))


def test_lsh_parameters_and_storage():
    lsh = nd.MinHashLSH(threshold=0.8, weights=(0.2, 0.8))
    assert lsh.b * lsh.r <= 128
    with pytest.raises(ValueError):
        nd.MinHashLSH(threshold=1.5)
    with pytest.raises(ValueError):
        nd.MinHashLSH(weights=(0.3, 0.3))
    with pytest.raises(ValueError):
        nd.MinHashLSH(num_perm=8, params=(4, 4))
    with pytest.raises(ValueError, match="Redis|not supported"):
        nd.MinHashLSH(storage_config={"type": "redis", "redis": {}})
