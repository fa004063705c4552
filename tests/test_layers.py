"""Which modules may import which, read from the source with ``ast``.

The layers point one way: the statistics core (``hypokit/stats/``) knows nothing of data
frames, records or widgets; records do not pull in the analysis when they load; widgets
sit on top and nothing below imports them. Three small modules are shared by every
layer because they import nothing of hypokit but the exceptions:

* ``hypokit._errors``: the exception tree, the home of every error hypokit raises;
* ``hypokit._validate``: the argument checks that word every message the same way;
* ``hypokit._public``: sets ``__module__`` so public names print as ``hypokit.X``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

import hypokit as hk

PACKAGE = Path(hk.__file__).parent
ROOT = PACKAGE.parent

#: The leaves any layer may import; each imports nothing of hypokit but the first.
SHARED = ("hypokit._errors", "hypokit._validate", "hypokit._public")

#: What the statistics core may import besides itself and SHARED: numpy, scipy, stdlib.
STATS_THIRD_PARTY = {"numpy", "scipy"}
STDLIB_FOR_STATS = {"__future__", "math", "typing", "dataclasses", "collections", "enum",
                    "functools", "warnings", "numbers", "itertools"}  # fmt: skip

#: The analysis machinery, which records load only inside the functions that need it
#: (``Hypothesis.conclude`` takes an AnalysisResult), so reading a registry stays light.
ANALYSIS = ("hypokit._analysis", "hypokit._aggregate", "hypokit._engines", "hypokit._over_time",
            "hypokit._monitor", "hypokit._sizing", "hypokit.stats")  # fmt: skip


class Import(NamedTuple):
    module: str  # the absolute name imported
    top: bool  # at module level (not inside a function)
    typing_only: bool  # under ``if TYPE_CHECKING:``


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[Import]:
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    )
    found: list[Import] = []

    def visit(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_node(sub, top, True)
                for sub in child.orelse:
                    visit_node(sub, top, typing_only)
            else:
                visit_node(child, top, typing_only)

    def visit_node(child: ast.AST, top: bool, typing_only: bool) -> None:
        if isinstance(child, ast.Import):
            found.extend(Import(a.name, top, typing_only) for a in child.names)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(Import(base, top, typing_only))
        else:
            scope = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, top and not scope, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), True, False)
    return found


def _within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


SOURCES = sorted(PACKAGE.rglob("*.py"))


def _ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_reader_sees_imports_at_every_level() -> None:
    found = _imports(PACKAGE / "_records.py")
    assert Import("hypokit._errors", True, False) in found
    assert Import("hypokit._analysis", True, True) in found  # under TYPE_CHECKING
    assert Import("hypokit._analysis", False, False) in found  # inside a method


@pytest.mark.parametrize("path", sorted((PACKAGE / "stats").glob("*.py")), ids=_ids)
def test_the_statistics_core_imports_only_itself_numpy_and_scipy(path: Path) -> None:
    for imp in _imports(path):
        if imp.module.startswith("hypokit"):
            assert _within(imp.module, ("hypokit.stats", *SHARED)), imp
        else:
            root = imp.module.split(".")[0]
            assert root in STATS_THIRD_PARTY | STDLIB_FOR_STATS, imp


@pytest.mark.parametrize("leaf", SHARED)
def test_the_shared_leaves_import_only_the_exceptions(leaf: str) -> None:
    path = ROOT / (leaf.replace(".", "/") + ".py")
    ours = {i.module for i in _imports(path) if i.module.startswith("hypokit")}
    assert ours <= {"hypokit._errors"}


def test_records_do_not_load_the_analysis_when_they_load() -> None:
    """``hypokit._records`` imports the analysis only inside the methods that use it."""
    for imp in _imports(PACKAGE / "_records.py"):
        if imp.top and not imp.typing_only:
            assert not _within(imp.module, ANALYSIS), imp


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if not _within(_module_name(p), "hypokit.widgets")], ids=_ids
)
def test_nothing_below_the_widgets_imports_them(path: Path) -> None:
    """``hk.widgets`` is reached through ``hypokit.__getattr__`` (importlib), never imported."""
    for imp in _imports(path):
        assert not _within(imp.module, "hypokit.widgets"), imp
        assert imp.module.split(".")[0] != "ipywidgets", imp
