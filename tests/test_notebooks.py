"""Notebook hygiene: templates without outputs, the python3 kernel, no machine paths.

nbval runs every notebook in notebooks/ and templates/ (see pytest's testpaths).
"""

import re
from pathlib import Path

import nbformat
import pytest

from tests._paths import machine_path_in

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
    assert machine_path_in(text) is None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "NBVAL_CHECK_OUTPUT" not in cell.source:
            assert not cell.outputs, f"{path.name}: saved output in {cell.source[:40]!r}"
        assert "widgets" not in nb.metadata  # saved without widget state


# Reproducible notebooks: dates come from a fixed as_of, randomness from a seed.
UNPINNED = [
    (re.compile(r"\b(?:date|datetime)\.(?:today|now)\(|\btoday\(\)"), "today's date"),
    (re.compile(r"default_rng\(\s*\)"), "an unseeded random generator"),
    (re.compile(r"np\.random\.(?!default_rng)[a-z_]+\("), "the global numpy random state"),
    (re.compile(r"^\s*import random\b", re.M), "the random module"),
]


@pytest.mark.parametrize("path", TEMPLATES + EXAMPLES, ids=lambda p: p.name)
def test_notebooks_are_reproducible(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for pattern, what in UNPINNED:
        match = pattern.search(code)
        assert match is None, f"{path.name} uses {what}: {match.group(0)!r}"
    if "as_of" in code or "registry" in code:
        assert re.search(r"as_of\s*=\s*(?:datetime\.)?(?:dt\.)?date\(\d{4}", code) or re.search(
            r"as_of\s*=\s*\S*fromisoformat", code
        ), f"{path.name}: give as_of a fixed date"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_a_parameters_cell_and_guidance(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.cells[0].cell_type == "markdown"
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize(
    "code",
    [
        "as_of = datetime.date.today()",
        "rng = np.random.default_rng()",
        "x = np.random.normal(size=3)",
        "import random",
    ],
)
def test_the_reproducibility_check_catches(code):
    assert any(pattern.search(code) for pattern, _ in UNPINNED)


def test_some_notebooks_pin_as_of():
    pinned = [
        p.name
        for p in TEMPLATES + EXAMPLES
        if re.search(r"as_of\s*=\s*(?:datetime\.)?date\(\d{4}", p.read_text())
    ]
    assert len(pinned) >= 3, pinned
