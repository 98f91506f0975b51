"""Shared fixtures: the repository root (known answers, example corpus) and the neardup
executable for the cross-language file tests."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def neardup_cli() -> str:
    """The C++ neardup executable: $NEARDUP_CLI, a build under build/, or PATH."""
    candidates = [os.environ.get("NEARDUP_CLI", "")]
    candidates += [str(ROOT / "build" / d / "neardup") for d in ("release", "python")]
    candidates.append(shutil.which("neardup") or "")
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    pytest.skip("the neardup executable is not built (set NEARDUP_CLI)")
