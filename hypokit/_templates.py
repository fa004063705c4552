"""Notebooks from templates: ``hypokit new KIND NAME [-p key=value ...]``.

Templates ship inside the package (``hypokit/templates``; in a source checkout the
top-level ``templates/`` folder). Each has one cell tagged ``parameters`` whose defaults
run as they are; ``new`` copies the template and, as papermill does, adds a cell tagged
``injected-parameters`` after it. Values are parsed as Python literals and written back
with ``repr``, so a parameter can never inject code.
"""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from hypokit._errors import ValidationError

__all__ = ["kinds", "new_notebook", "template_path"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_LITERALS = (str, int, float, bool, type(None), list, tuple, dict)


def _folder() -> Path:
    packaged = Path(str(resources.files("hypokit"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"  # a source checkout


def kinds() -> list[str]:
    """The template kinds, sorted."""
    return sorted(p.stem for p in _folder().glob("*.ipynb"))


def template_path(kind: str) -> Path:
    """The template notebook of ``kind``."""
    path = _folder() / f"{kind}.ipynb"
    if not path.is_file():
        raise ValidationError(f"KIND == {kind!r}, must be one of {', '.join(kinds())}.")
    return path


def _parameter_names(source: str) -> list[str]:
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def _literal(key: str, text: str) -> Any:
    """A parameter value: a Python literal when it parses as one, else the text itself."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(value, _LITERALS):
        return text
    return value


def new_notebook(
    kind: str,
    name: str,
    parameters: dict[str, str] | None = None,
    *,
    folder: str | Path = "notebooks",
    overwrite: bool = False,
) -> Path:
    """Write ``folder/NAME.ipynb`` from the ``kind`` template with ``parameters`` filled in.

    Args:
        kind: A template kind (see :func:`kinds`).
        name: The notebook's name: letters, digits, ``-``, ``_`` and ``.``, no folders.
        parameters: ``{name: value text}``; each name must be a parameter of the
            template; each value is read as a Python literal (``0.05``, ``"holm"``,
            ``{"new": 0.04}``) or, failing that, as a string.
        folder: Where to write the notebook.
        overwrite: Replace an existing notebook of that name.

    Returns:
        The path of the new notebook.
    """
    source = template_path(kind)
    if not isinstance(name, str) or not _NAME.match(name) or name.endswith(".ipynb"):
        raise ValidationError(
            f"NAME == {name!r}, must be letters, digits, '-', '_' or '.' (no folders, no "
            "extension)."
        )
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    index = next(
        (i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    if index is None:  # pragma: no cover - every shipped template has one (tested)
        raise ValidationError(f"template {kind!r} has no cell tagged 'parameters'.")
    known = _parameter_names("".join(cells[index]["source"]))
    lines = []
    for key, text in (parameters or {}).items():
        if key not in known:
            raise ValidationError(
                f"-p {key}=...: {kind!r} has no parameter {key!r}; it has {', '.join(known)}."
            )
        lines.append(f"{key} = {_literal(key, text)!r}")
    if lines:
        cells.insert(
            index + 1,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "injected-parameters",
                "metadata": {"tags": ["injected-parameters"]},
                "outputs": [],
                "source": "# Parameters\n" + "\n".join(lines),
            },
        )
    out = Path(folder) / f"{name}.ipynb"
    if out.exists() and not overwrite:
        raise ValidationError(f"{out} exists; choose another NAME or pass --force.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
