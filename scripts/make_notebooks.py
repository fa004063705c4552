"""Build the notebook templates and worked examples from their sources.

Each notebook is kept as a jupytext "percent" script in ``notebook_sources/``:
``notebook_sources/templates/NAME.py`` is the source of ``templates/NAME.ipynb``,
``notebook_sources/notebooks/NAME.py`` of ``notebooks/NAME.ipynb``. A cell starts at a
``# %%`` line (``# %% [markdown]`` for markdown, written as ``# ``-comments; tags in the
header: ``# %% tags=["parameters"]``). ruff and mypy read the sources; this script
writes the notebooks:

    python scripts/make_notebooks.py                   # every notebook
    python scripts/make_notebooks.py sizing video-uploads  # some, by name
    python scripts/make_notebooks.py --check           # compare only; exit 1 on a difference

Templates are written without outputs. Worked examples are executed, and keep the
outputs of the cells that nbval checks (``# NBVAL_CHECK_OUTPUT``) and only those.
``--check`` (and tests/test_notebook_sources.py) compares everything but those outputs
and execution counts, without executing anything.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import sys
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebook_sources"
#: The folders of notebooks, each with its sources in ``notebook_sources/FOLDER``.
FOLDERS = ("templates", "notebooks")
#: Folders whose notebooks are executed to keep the outputs nbval checks.
EXECUTED = ("notebooks",)
METADATA = {
    "kernelspec": {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    },
    "language_info": {"name": "python"},
}
#: The cell metadata a source may set (in its ``# %%`` header); jupytext's own is dropped.
CELL_METADATA = ("tags",)


def sources() -> list[Path]:
    """Every notebook source, templates first."""
    return [p for folder in FOLDERS for p in sorted((SOURCES / folder).glob("*.py"))]


def target(source: Path) -> Path:
    """The notebook built from ``source``."""
    return ROOT / source.parent.name / f"{source.stem}.ipynb"


def build(source: Path) -> NotebookNode:
    """The notebook of ``source``, without outputs."""
    read = jupytext.read(source, fmt="py:percent")
    cells = []
    for cell in read.cells:
        metadata = {k: copy.deepcopy(cell.metadata[k]) for k in CELL_METADATA if k in cell.metadata}
        if cell.cell_type == "code":
            cells.append(new_code_cell(cell.source, metadata=metadata))
        elif cell.cell_type == "markdown":
            cells.append(new_markdown_cell(cell.source, metadata=metadata))
        else:
            raise ValueError(f"{source}: a {cell.cell_type} cell; use code or markdown")
    nb = new_notebook(cells=cells, metadata=copy.deepcopy(METADATA))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nbformat.validate(nb)
    return nb


def executed(source: Path) -> bool:
    """Whether the notebook of ``source`` keeps outputs (a worked example)."""
    return source.parent.name in EXECUTED


def execute(nb: NotebookNode) -> None:
    """Run ``nb`` and keep the outputs of the cells that nbval checks, and only those."""
    from nbclient import NotebookClient

    run = copy.deepcopy(nb)
    NotebookClient(
        run, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    for cell, done in zip(nb.cells, run.cells, strict=True):
        if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
            cell.outputs = list(done.outputs)
            cell.execution_count = 1
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = 1


def without_outputs(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with no outputs and no execution counts."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def difference(
    source: Path, committed: Path | None = None, *, context: int = 2, limit: int = 40
) -> str | None:
    """How the committed notebook differs from ``source``, as a short diff; None if it doesn't.

    Compares the notebooks' JSON as this script writes it: every cell, its id, tags and
    text, and the notebook's metadata. The outputs and execution counts of worked
    examples come from running them, and are left out of the comparison. ``committed``:
    the file to compare, if not the notebook's own.
    """
    name = target(source).relative_to(ROOT).as_posix()
    path = target(source) if committed is None else committed
    if not path.exists():
        return f"{name} is missing: run python scripts/make_notebooks.py {source.stem}"
    built = build(source)
    kept = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    if executed(source):
        built, kept = without_outputs(built), without_outputs(kept)
    want = nbformat.writes(built).splitlines()
    have = nbformat.writes(kept).splitlines()
    if want == have:
        return None
    lines = list(
        difflib.unified_diff(
            have, want, f"{name} (committed)", f"{name} (from its source)", n=context, lineterm=""
        )
    )
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
    source_name = source.relative_to(ROOT).as_posix()
    return (
        f"{name} differs from {source_name}; run python scripts/make_notebooks.py "
        f"{source.stem} and commit both:\n" + "\n".join(lines)
    )


def write(source: Path) -> Path:
    """Build, and for a worked example execute, the notebook of ``source``; write it."""
    nb = build(source)
    if executed(source):
        execute(nb)
    nbformat.validate(nb)
    path = target(source)
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        help="notebooks to build by name (sizing, notebooks/video-uploads); default all",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a notebook differs"
    )
    args = parser.parse_args(argv)
    chosen = sources()
    if args.names:
        stems = [s.stem for s in chosen]
        known = {f"{s.parent.name}/{s.stem}": s for s in chosen}
        known |= {s.stem: s for s in chosen if stems.count(s.stem) == 1}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            parser.error(f"no source named {', '.join(unknown)}; known: {', '.join(stems)}")
        chosen = [known[n] for n in args.names]
    if args.check:
        problems = [p for p in map(difference, chosen) if p is not None]
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for source in chosen:
        print(target(source).relative_to(ROOT).as_posix())
        write(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
