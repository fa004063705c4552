"""Notebook hygiene: templates without outputs, the python3 kernel, no machine paths.

nbval runs every notebook in notebooks/ and templates/ (see pytest's testpaths).
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").glob("*.ipynb"))
EXAMPLES = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert TEMPLATES
    assert EXAMPLES


@pytest.mark.parametrize("path", TEMPLATES + EXAMPLES, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    text = path.read_text()
    assert not re.search(r"(?:/home/|/root/|/tmp/|[A-Z]:\\\\)", text)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "NBVAL_CHECK_OUTPUT" not in cell.source:
            assert not cell.outputs, f"{path.name}: saved output in {cell.source[:40]!r}"
        assert "widgets" not in nb.metadata  # saved without widget state


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_a_parameters_cell_and_guidance(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.cells[0].cell_type == "markdown"
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")
