"""Errors: each status code of the library maps to one Python exception, carrying the
library's message; bad items of a batch are skipped with a reason, never raised."""

import re

import pytest

import neardup

A = "The quick brown fox jumps over the lazy dog near the river bank today."


def message(e):
    return e.value.args[0]


def test_own_exceptions_derive_from_neardup_error():
    for cls in (neardup.ResourceExhaustedError, neardup.DataLossError, neardup.FailedPreconditionError):
        assert issubclass(cls, neardup.Error) and cls.__module__ == "neardup"
    assert issubclass(neardup.Error, Exception)


def test_status_codes_map_to_python_exceptions(tmp_path):
    index = neardup.LSHIndex(0.5)
    index.insert("a", A)
    # InvalidArgument -> ValueError
    with pytest.raises(ValueError) as e:
        neardup.Signer(num_perm=0)
    assert message(e) == "num_perm must be in [1, 8192], got 0"
    with pytest.raises(ValueError) as e:
        index.insert("", A)
    assert message(e) == "document ids must not be empty"
    # AlreadyExists -> KeyError
    with pytest.raises(KeyError) as e:
        index.insert("a", A)
    assert message(e) == 'key "a" is already indexed'
    sim = neardup.SimHashIndex()
    sim.insert(1, 5)
    with pytest.raises(KeyError) as e:
        sim.insert(1, 5)
    assert message(e) == "id 1 is already in the index"
    # NotFound -> OSError
    with pytest.raises(OSError) as e:
        index.remove("zz")
    assert message(e) == 'key "zz" is not indexed'
    missing = tmp_path / "missing.ndidx"
    with pytest.raises(OSError) as e:
        neardup.LSHIndex.load(str(missing))
    assert message(e) == f"{missing}: cannot open: No such file or directory"
    # FailedPrecondition -> neardup.FailedPreconditionError
    with pytest.raises(neardup.FailedPreconditionError) as e:
        index.insert("empty", "...")
    assert message(e) == 'key "empty" has an empty MinHash signature (no shingles); empty documents are not indexed'
    path = tmp_path / "c.ndidx"
    with neardup.CrawlerIndex.open(str(path), max_documents=1) as c:
        with pytest.raises(neardup.FailedPreconditionError) as e:
            neardup.CrawlerIndex.open(str(path))
        assert message(e) == f"{path}: the index is already open ({path}.lock is locked)"
        # ResourceExhausted -> neardup.ResourceExhaustedError
        c.insert("x", A)
        with pytest.raises(neardup.ResourceExhaustedError) as e:
            c.insert("y", A + " and more")
        assert message(e) == ("the index holds its limit of 1 documents (CrawlerIndexOptions::max_documents); "
                              "remove documents or open it with a higher limit")
    with pytest.raises(neardup.FailedPreconditionError) as e:
        neardup.read_signatures(str(path))
    assert message(e) == f"{path}: header at byte offset 8: object type is 3 (crawler index snapshot), expected 1 (signature set)"


def test_damaged_files_raise_data_loss(tmp_path):
    index = neardup.LSHIndex(0.5)
    index.insert("a", A)
    good = tmp_path / "good.ndidx"
    index.save(str(good))
    data = bytearray(good.read_bytes())
    data[-3] ^= 1  # in the last section's payload
    flipped = tmp_path / "flipped.ndidx"
    flipped.write_bytes(bytes(data))
    with pytest.raises(neardup.DataLossError) as e:
        neardup.LSHIndex.load(str(flipped))
    assert re.fullmatch(re.escape(str(flipped)) + r": crawler state at byte offset \d+: checksum mismatch over bytes "
                        r"\[\d+, \d+\): stored 0x[0-9a-f]{16}, computed 0x[0-9a-f]{16}", message(e))
    cut = tmp_path / "cut.ndidx"
    cut.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(neardup.DataLossError, match="^" + re.escape(str(cut)) + r": .* at byte offset \d+: "):
        neardup.LSHIndex.load(str(cut))


def test_bad_dedup_options_name_the_option():
    with pytest.raises(ValueError) as e:
        neardup.dedup(["x"], threads=-1)
    assert message(e) == "dedup option threads = -1 is not a valid value"
    with pytest.raises(ValueError) as e:
        neardup.dedup(["x"], bands=(4,))
    assert message(e) == "dedup option bands = (4,) is not a valid value"
    with pytest.raises(ValueError) as e:
        neardup.dedup(["x"], passages={"min_chars": "ten"})
    assert message(e) == "dedup option passages.min_chars = 'ten' is not a valid value"
    with pytest.raises(ValueError) as e:
        neardup.dedup(["x"], passages="yes")
    assert message(e) == "dedup option passages = 'yes' is not a valid value: expected True or a dict"
    with pytest.raises(TypeError) as e:
        neardup.dedup(["x"], bogus=1)
    assert message(e) == "unexpected dedup option 'bogus'"


def test_batch_reasons_are_exact_and_the_rest_goes_on():
    s = neardup.Signer()
    items = [A, None, b"ab\xffcd", "x\ud800y", 4.5, bytearray(b"hi"), A.encode()]
    batch = s.sign_batch(items, threads=2)
    assert batch.reasons == {
        1: "None instead of a text",
        2: "bytes are not UTF-8 (ill-formed at byte 2)",
        3: "str has a lone surrogate at index 1 (not encodable as UTF-8)",
        4: "expected str or bytes, got float",
        5: "expected str or bytes, got bytearray",
    }
    assert batch.signed.tolist() == [True, False, False, False, False, False, True]
    assert (batch.minhash[0] == batch.minhash[6]).all() and not batch.minhash[1:6].any()
    assert not batch.simhash[1:6].any() and not batch.num_tokens[1:6].any()
    # One text alone raises what the batch reports.
    with pytest.raises(ValueError) as e:
        s.sign("x\ud800y")
    assert message(e) == "str has a lone surrogate at index 1 (not encodable as UTF-8)"
    # dedup reports them as the CLI reports bad records, with the item's number.
    r = neardup.dedup([A, None, A], ids=["a", "b", "c"])
    assert [(p["line"], p["kind"], p["reason"]) for p in r.skipped] == [
        (2, "bad_text", "None instead of a text; record skipped")]
    assert r.removed.tolist() == [False, False, True]
