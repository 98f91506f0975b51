"""neardup.dedup / dedup_files: the same clusters as `neardup dedup`, skipped items."""

import json
import subprocess

import numpy as np
import pytest

import neardup

ART = (
    "The national weather service issued a storm warning for the coastal region on Tuesday, "
    "advising residents to secure loose objects and stay indoors until the evening."
)


def test_dedup_texts():
    texts = [ART, ART.replace("Tuesday", "Wednesday"), "Something else entirely, about cooking pasta at home.", None, ART]
    r = neardup.dedup(texts, ids=["a", "b", "c", "d", "e"], threshold=0.7, ngram=3)
    assert len(r.clusters) == 1
    cl = r.clusters[0]
    assert cl["keep"] == "a" and cl["keep_rule"] == "first"
    assert {m["id"] for m in cl["members"]} == {"a", "b", "e"}
    assert r.removed.dtype == np.bool_ and list(r.removed) == [False, True, False, False, True]
    assert len(r.skipped) == 1 and r.skipped[0]["line"] == 4 and "None" in r.skipped[0]["reason"]
    assert r.stats["documents"] == 4 and r.stats["skipped"] == 1
    assert all(p[2] >= 0.7 for p in r.pairs)


def test_dedup_options_errors():
    with pytest.raises(ValueError, match="threshold"):
        neardup.dedup(["x"], threshold=0)
    with pytest.raises(TypeError):
        neardup.dedup(["x"], bogus=1)
    with pytest.raises(ValueError):
        neardup.dedup(["x"], keep="random")
    with pytest.raises(ValueError, match="differ in length"):
        neardup.dedup(["x", "y"], ids=["a"])


def test_dedup_passages():
    para = "This paragraph is repeated word for word in two different articles here."
    r = neardup.dedup([f"Intro one.\n{para}\nEnd one.", f"Intro two.\n{para}\nEnd two."], passages=True)
    assert r.repeats and r.repeats[0]["id"] == "1" and r.repeats[0]["dup_of"]["id"] == "0"


def test_dedup_files_matches_cli(root, tmp_path, neardup_cli):
    corpus = root / "examples/corpus/news.jsonl"
    out = tmp_path / "clusters.jsonl"
    subprocess.run([neardup_cli, "dedup", str(corpus), "-o", str(out)], check=True, capture_output=True)
    cli = [json.loads(line) for line in out.read_text().splitlines()]
    r = neardup.dedup_files(corpus)
    assert r.clusters == cli and cli
    # As the CLI (exit code 3): an unreadable input is reported, not raised.
    missing = neardup.dedup_files([corpus, tmp_path / "nope.jsonl"])
    assert missing.stats["failed_inputs"] == 1 and missing.clusters == cli
    assert [p["kind"] for p in missing.skipped] == ["unreadable"]


def test_python_m_neardup_is_the_cli(root, tmp_path, neardup_cli):
    import sys

    for args in (["params", "--threshold", "0.8", "--num-perm", "128"], ["dedup"], ["no-such-command"]):
        py = subprocess.run([sys.executable, "-m", "neardup", *args], capture_output=True, text=True)
        cc = subprocess.run([neardup_cli, *args], capture_output=True, text=True)
        assert py.returncode == cc.returncode, args
        assert py.stdout == cc.stdout, args
    corpus = root / "examples/corpus/news.jsonl"
    a, b = tmp_path / "py.jsonl", tmp_path / "cc.jsonl"
    assert subprocess.run([sys.executable, "-m", "neardup", "dedup", str(corpus), "-o", str(a)],
                          capture_output=True).returncode == 0
    subprocess.run([neardup_cli, "dedup", str(corpus), "-o", str(b)], check=True, capture_output=True)
    assert a.read_bytes() == b.read_bytes()


def test_main_in_process_returns_exit_codes():
    assert neardup.main(["neardup", "params", "--threshold", "0.8", "--num-perm", "128"]) == 0
    assert neardup.main(["neardup", "no-such-command"]) == 2


def test_dedup_files_writes_the_cli_outputs(root, tmp_path, neardup_cli):
    corpus = tmp_path / "news.jsonl"
    lines = (root / "examples/corpus/news.jsonl").read_text().splitlines()
    # A repeated passage across records, and a bad record: both handled as the CLI does.
    para = "This closing paragraph was copied word for word into two different articles."
    extra = [json.dumps({"id": f"para-{i}", "text": f"Opening line {i}.\n{para}\nClosing line {i}."}) for i in (1, 2)]
    corpus.write_text("\n".join(lines + extra + ['{"id": "broken", "text": 5}']) + "\n")
    names = ("clusters.jsonl", "pairs.tsv", "deduped.jsonl", "repeats.jsonl", "passage-deduped.jsonl")
    cli, py = tmp_path / "cli", tmp_path / "py"
    cli.mkdir()
    py.mkdir()
    run = subprocess.run(
        [neardup_cli, "dedup", str(corpus), "-o", str(cli / names[0]), "--pairs", str(cli / names[1]),
         "--write-deduped", str(cli / names[2]), "--passages", "--passages-out", str(cli / names[3]),
         "--write-passage-deduped", str(cli / names[4])],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    r = neardup.dedup_files(
        corpus, output=py / names[0], pairs_out=py / names[1], write_deduped=py / names[2], passages=True,
        passages_out=str(py / names[3]), write_passage_deduped=py / names[4],
    )
    for name in names:
        assert (py / name).read_bytes() == (cli / name).read_bytes(), name
    assert [json.loads(line) for line in (py / names[0]).read_text().splitlines()] == r.clusters and r.clusters
    kept = [json.loads(line)["id"] for line in (py / names[2]).read_text().splitlines()]
    assert kept == [i for i, gone in zip(r.ids, r.removed) if not gone]
    n = len(lines) + 3
    assert r.skipped == [{"file": str(corpus), "line": n, "kind": "bad_text", "reason": 'field "text" is an integer, expected a string',
                          "offset": len(corpus.read_bytes()) - len('{"id": "broken", "text": 5}\n'),
                          "message": f'{corpus}:{n}: field "text" is an integer, expected a string'}]


def test_dedup_outputs_from_texts_and_refusals(tmp_path):
    out = tmp_path / "clusters.jsonl"
    kept = tmp_path / "kept.jsonl"
    r = neardup.dedup([ART, ART, "Other text about something else."], ids=["a", "b", "c"], output=out, write_deduped=kept)
    assert [json.loads(line) for line in out.read_text().splitlines()] == r.clusters
    assert [json.loads(line) for line in kept.read_text().splitlines()] == [
        {"id": "a", "text": ART}, {"id": "c", "text": "Other text about something else."}]
    with pytest.raises(ValueError) as e:
        neardup.dedup(["x"], passages_out=tmp_path / "r.jsonl")
    assert str(e.value) == "passages_out and write_passage_deduped need passages"
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": ART}) + "\n")
    with pytest.raises(ValueError, match="in.jsonl"):
        neardup.dedup_files(corpus, write_deduped=corpus)
    assert corpus.read_text() == json.dumps({"id": "a", "text": ART}) + "\n"
