"""The README's Python examples run as written, in order, in an empty folder.

Each ```` ```python ```` block runs in one namespace after the blocks before it, as a
reader pastes them into one notebook. The blocks that connect to a PostgreSQL server or
a Spark cluster by made-up host names are left out here; ``tests/test_servers.py`` runs
the same calls against real servers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
SERVERS = ("ibis.postgres.connect", "SparkSession")


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 8
    assert sum(any(s in b for s in SERVERS) for b in BLOCKS) == 1


def test_every_python_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "readme"}
    for i, block in enumerate(BLOCKS):
        if any(s in block for s in SERVERS):
            continue
        first = block.strip().splitlines()[0]
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the failure is the report
            pytest.fail(f"README python block {i + 1} ({first!r}) fails: {exc!r}")
    # The lifecycle example concluded the hypothesis and saved what it drafted.
    assert (tmp_path / "records" / "hypotheses" / "express-pay.yaml").is_file()
    assert list((tmp_path / "records" / "learnings").glob("*.yaml"))
