"""neardup: near-duplicate text detection (normalize -> shingles -> MinHash / SimHash
-> LSH -> verified clusters), a thin layer over the C++ library.

    import neardup
    signer = neardup.Signer(ngram=5, num_perm=128)
    batch = signer.sign_batch(texts, threads=4)        # batch.minhash: (n, 128) uint32
    result = neardup.dedup(texts, threshold=0.8)       # result.clusters: clusters.jsonl lines

``neardup.datasketch`` gives datasketch's MinHash, LeanMinHash and MinHashLSH with the
same numbers, computed in C++.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

from . import _core
from ._core import (
    CrawlerIndex,
    DataLossError,
    Error,
    FailedPreconditionError,
    LSHIndex,
    ResourceExhaustedError,
    Signature,
    SignatureBatch,
    Signer,
    SimHashIndex,
    read_signatures,
    write_signatures,
)

__version__: str = _core.__version__

__all__ = [
    "CrawlerIndex",
    "DataLossError",
    "DedupResult",
    "Error",
    "FailedPreconditionError",
    "LSHIndex",
    "ResourceExhaustedError",
    "Signature",
    "SignatureBatch",
    "Signer",
    "SimHashIndex",
    "dedup",
    "dedup_files",
    "main",
    "read_signatures",
    "write_signatures",
]


@dataclass
class DedupResult:
    """What a dedup run found.

    clusters: one dict per cluster, exactly a line of ``neardup dedup``'s clusters.jsonl:
        ``{"cluster": 0, "keep": id, "keep_rule": "first", "members": [{"id": ..., "similarity": ...}]}``.
    removed: numpy bool array, one per input item: True for a near-duplicate of a kept one.
    pairs: (id_a, id_b, similarity) of the verified pairs (``pairs="all"`` for every pair).
    repeats: one dict per repeated passage, a line of repeats.jsonl (with ``passages=``).
    skipped: one dict per skipped item: file, line (1-based item number for texts), kind,
        reason, offset, message.
    stats: counts of the run (records, documents, candidates, clusters, removed, ...).
    ids: the ids of the documents, in order.
    """

    clusters: list[dict[str, Any]]
    removed: np.ndarray
    pairs: list[tuple[str, str, float]]
    repeats: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    stats: dict[str, Any]
    ids: list[str] = field(default_factory=list)


def _result(raw: dict) -> DedupResult:
    return DedupResult(
        clusters=[json.loads(line) for line in raw["clusters"]],
        removed=raw["removed"],
        pairs=raw["pairs"],
        repeats=[json.loads(line) for line in raw["repeats"]],
        skipped=raw["skipped"],
        stats=raw["stats"],
        ids=raw["ids"],
    )


def dedup(
    texts: Iterable[Union[str, bytes, None]],
    ids: Optional[Sequence[Union[str, int]]] = None,
    threshold: float = 0.8,
    **options: Any,
) -> DedupResult:
    """Finds near-duplicate texts in memory (the pipeline of ``neardup dedup``).

    ids default to "0", "1", ... Items that are not text (None, bytes that are not UTF-8,
    str with lone surrogates, other types) are skipped and listed in ``.skipped``.

    options (as the CLI's flags): algorithm ("minhash" | "simhash"), ngram, char_ngram,
    num_perm, minhash_algorithm ("oph" | "classic"), seed, bands ((b, r)),
    simhash_distance, verify ("precise" | "estimate" | "exact"), keep ("first" |
    "longest" | "earliest-id"), cluster_policy ("star" | "connected"), pairs ("none" |
    "verified" | "all"; default "verified"), passages (True or a dict of split, scope,
    measure, threshold, min_chars, near), max_documents, threads, strict.
    Files, written exactly as ``neardup dedup`` writes them (str or path; each created
    before anything is read and put in place when complete): output (``-o``, clusters
    JSONL), pairs_out (``--pairs``), write_deduped (``--write-deduped``: the records
    kept), passages_out (``--passages-out``) and write_passage_deduped
    (``--write-passage-deduped``), the last two with passages.
    Raises ValueError for an invalid option, TypeError for an unknown one.
    """
    return _result(_core.dedup(texts, ids, threshold, **options))


def dedup_files(
    paths: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    threshold: float = 0.8,
    **options: Any,
) -> DedupResult:
    """Finds near-duplicates in JSONL files (plain, .gz, .zst), directories of .txt files
    or signature files (.ndsig), like ``neardup dedup PATH...``. Options and output
    files as for :func:`dedup`, plus id_field, text_field, max_doc_bytes, max_line_bytes.
    An output that is also an input is refused (ValueError)."""
    if isinstance(paths, (str, PathLike)):
        paths = [paths]
    return _result(_core.dedup_files([str(p) for p in paths], threshold, **options))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the neardup command line (the same code as the ``neardup`` executable) with
    ``argv`` (default: sys.argv) and returns its exit code."""
    import sys

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "neardup"
    return _core.main(args)
