"""Every committed notebook is what scripts/make_notebooks.py builds from its source.

The sources are jupytext percent scripts in notebook_sources/. Each notebook is rebuilt
in memory and compared with the committed file: cells, ids, tags, text and metadata.
Worked examples are not executed; their outputs and execution counts are left out.
"""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "make_notebooks", ROOT / "scripts" / "make_notebooks.py"
)
assert _spec is not None
assert _spec.loader is not None
make_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_notebooks)

SOURCES = make_notebooks.sources()


def _name(source: Path) -> str:
    return f"{source.parent.name}/{source.stem}"


def test_every_notebook_has_a_source():
    built = {make_notebooks.target(s).relative_to(ROOT).as_posix() for s in SOURCES}
    committed = {
        p.relative_to(ROOT).as_posix()
        for folder in make_notebooks.FOLDERS
        for p in (ROOT / folder).glob("*.ipynb")
    }
    assert committed - built == set(), "notebooks without a source in notebook_sources/"
    assert built - committed == set(), "sources whose notebook is not committed"


@pytest.mark.parametrize("source", SOURCES, ids=_name)
def test_committed_notebook_matches_its_source(source):
    problem = make_notebooks.difference(source)
    assert problem is None, problem


@pytest.fixture
def committed_copy(tmp_path):
    """A copy of a committed notebook to change: (its source, the copy's path)."""

    def copy(folder: str, name: str) -> tuple[Path, Path]:
        source = make_notebooks.SOURCES / folder / f"{name}.py"
        path = tmp_path / f"{name}.ipynb"
        path.write_text(make_notebooks.target(source).read_text(encoding="utf-8"))
        return source, path

    return copy


def test_a_changed_cell_is_named_with_a_short_diff(committed_copy):
    source, path = committed_copy("templates", "sizing")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("mde = 0.10", "mde = 0.05")
    nb.cells[1].metadata["tags"] = []
    nbformat.write(nb, path)
    problem = make_notebooks.difference(source, path)
    assert problem is not None
    assert problem.startswith("templates/sizing.ipynb differs from notebook_sources/")
    assert '-    "mde = 0.05' in problem
    assert '+    "mde = 0.10' in problem
    assert '+     "parameters"' in problem
    assert len(problem.splitlines()) <= 42


def test_outputs_of_worked_examples_are_not_compared(committed_copy):
    source, path = committed_copy("notebooks", "sizing-checkout")
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in nb.cells if c.cell_type == "code" and c.outputs]
    assert checked
    for cell in checked:
        cell.outputs = []
        cell.execution_count = None
    nbformat.write(nb, path)
    assert make_notebooks.difference(source, path) is None
    nb.metadata["widgets"] = {}
    nbformat.write(nb, path)
    assert make_notebooks.difference(source, path) is not None


def test_a_missing_notebook_is_named(tmp_path):
    source = make_notebooks.SOURCES / "templates" / "status.py"
    path = tmp_path / "status.ipynb"
    assert make_notebooks.difference(source, path) == (
        "templates/status.ipynb is missing: run python scripts/make_notebooks.py status"
    )
