"""neardup.Signer: single and batch signing, skipped items, GIL release, errors."""

import threading

import numpy as np
import pytest

import neardup

A = "The quick brown fox jumps over the lazy dog near the river bank today."
B = "The quick brown fox jumps over the lazy dog near the river bank tonight."


def test_sign_and_batch_agree():
    s = neardup.Signer(ngram=3, num_perm=64)
    one = s.sign(A)
    assert one.minhash.dtype == np.uint32 and one.minhash.shape == (64,)
    assert one.num_tokens == 14 and not one.empty
    batch = s.sign_batch([A, B, A.encode()], threads=2)
    assert batch.minhash.shape == (3, 64) and batch.minhash.dtype == np.uint32
    assert batch.simhash.dtype == np.uint64 and batch.simhash.shape == (3,)
    np.testing.assert_array_equal(batch.minhash[0], one.minhash)
    np.testing.assert_array_equal(batch.minhash[2], one.minhash)
    assert int(batch.simhash[0]) == one.simhash
    assert batch.signed.all() and batch.reasons == {}
    assert 0.3 < s.sign(A).jaccard(s.sign(B)) < 1.0


def test_results_do_not_depend_on_threads():
    texts = [f"document {i} " + A * (i % 3 + 1) for i in range(200)]
    s = neardup.Signer()
    b1, b4 = s.sign_batch(texts, threads=1), s.sign_batch(texts, threads=4)
    np.testing.assert_array_equal(b1.minhash, b4.minhash)
    np.testing.assert_array_equal(b1.simhash, b4.simhash)


def test_bad_items_are_skipped_and_reported():
    s = neardup.Signer()
    items = [A, None, b"\xff\xfe not utf-8", "lone \ud800 surrogate", 42, B]
    batch = s.sign_batch(items)
    assert list(batch.signed) == [True, False, False, False, False, True]
    assert set(batch.reasons) == {1, 2, 3, 4}
    assert "None" in batch.reasons[1]
    assert "UTF-8" in batch.reasons[2]
    assert "surrogate" in batch.reasons[3]
    assert "int" in batch.reasons[4]
    assert not batch.minhash[1].any()
    with pytest.raises(ValueError):
        s.sign(None)


def test_invalid_options_raise_value_error():
    with pytest.raises(ValueError, match="num_perm"):
        neardup.Signer(num_perm=0)
    with pytest.raises(ValueError, match="algorithm"):
        neardup.Signer(algorithm="nope")
    with pytest.raises(ValueError):
        neardup.Signer(ngram=0)


def test_char_ngrams_and_classic():
    s = neardup.Signer(char_ngram=4, algorithm="classic", num_perm=32)
    assert s.char and s.algorithm == "classic"
    assert s.sign("abcdefgh").num_shingles == 5


def test_two_python_threads_sign_concurrently():
    texts = [A + str(i) for i in range(2000)]
    s = neardup.Signer()
    out = [None, None]

    def work(j):
        out[j] = s.sign_batch(texts[j::2], threads=1)

    ts = [threading.Thread(target=work, args=(j,)) for j in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    whole = s.sign_batch(texts, threads=1)
    np.testing.assert_array_equal(out[0].minhash, whole.minhash[0::2])
    np.testing.assert_array_equal(out[1].minhash, whole.minhash[1::2])


def test_non_ascii_str_signed_without_growing_it():
    import sys

    text = "Ça a été une journée très chargée à Zürich, 東京 et Αθήνα. " * 20
    s = neardup.Signer()
    size = sys.getsizeof(text)
    batch = s.sign_batch([text, text.encode()])
    one = s.sign(text)
    # No UTF-8 copy stays attached to the str (CPython's cache would grow it).
    assert sys.getsizeof(text) == size
    np.testing.assert_array_equal(batch.minhash[0], batch.minhash[1])
    np.testing.assert_array_equal(batch.minhash[0], one.minhash)
    assert batch.signed.all()
