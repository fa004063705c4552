"""What relative paths mean in a notebook: the folder ``hypokit new`` ran in, or the project root.

A notebook runs in its own folder, so ``data/checkout.csv``, right where ``hypokit new``
ran (the project's root), is wrong from ``notebooks/``; and ``records`` there would be
a second, empty registry. ``hypokit new`` therefore writes, after the parameters, a
cell that records the folder it ran in *relative to the notebook* (``'..'``, never an
absolute path) and calls :func:`work_in`, which makes that folder the working folder:
relative paths in the parameters then mean what they meant on the command line.

:func:`locate` finds a data file (or glob) or a registry folder given as a relative
path: in the working folder, then the notebook's own folder, then the folders above the
notebook up to the project root (the nearest folder holding ``pyproject.toml`` or
``.git``, at most three levels up). When nothing is found, the error names every folder
searched, each relative to the notebook. A notebook that did not come from ``hypokit
new`` (a copy, a worked example) is thus still pointed at the project's registry.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hypokit._errors import ValidationError

__all__ = ["Folder", "Located", "locate", "project_note", "search_folders", "work_in"]

#: Files or folders that mark a project's root.
MARKERS = ("pyproject.toml", ".git")
#: How many folders above the notebook's are searched, at most.
MAX_UP = 3

#: The notebook's folder (the working folder when the kernel started) and the folder
#: ``hypokit new`` ran in, relative to it, once :func:`work_in` has run in this kernel.
_STATE: dict[str, Path | str | None] = {"notebook": None, "project": None, "missing": None}


@dataclass(frozen=True)
class Folder:
    """A folder a relative path is looked up in.

    Attributes:
        path: The folder.
        shown: The folder relative to the notebook (``'..'``), for messages.
        why: What the folder is (``"where hypokit new ran"``).
    """

    path: Path
    shown: str
    why: str

    def __str__(self) -> str:
        return f"{self.shown!r}, {self.why}"


@dataclass(frozen=True)
class Located:
    """A path found by :func:`locate`.

    Attributes:
        path: The path to open from the working folder (relative when given relative).
        given: The path as the parameter gave it.
        folder: The folder it was found in (None for an absolute path).
        exists: False for a registry that is not there yet (``create=True``).
    """

    path: str
    given: str
    folder: Folder | None
    exists: bool = True

    def __str__(self) -> str:
        if self.folder is None:
            return self.given
        return f"{self.given} (in {self.folder})"


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return path.as_posix()


def work_in(project_folder: str) -> None:
    """Make the folder ``hypokit new`` ran in the working folder; safe to run again.

    ``project_folder`` is that folder relative to the notebook (``'..'``). The first
    call in a kernel takes the working folder as the notebook's folder (Jupyter starts
    kernels there), so running the cell again, or after another ``work_in``, moves to
    the same folder. When the folder is not there (the notebook was moved), the
    working folder stays the notebook's and one line says so.
    """
    notebook = _STATE["notebook"]
    if not isinstance(notebook, Path):
        notebook = Path.cwd()
        _STATE["notebook"] = notebook
    target = notebook / project_folder
    if not target.is_dir():
        os.chdir(notebook)
        _STATE["project"] = None
        _STATE["missing"] = project_folder
        print(
            f"hypokit new ran in {project_folder!r} from this notebook's folder, which is not "
            "there now (was the notebook moved?): relative paths are read from this "
            "notebook's folder and the folders above it."
        )
        return
    os.chdir(target)
    _STATE["project"] = project_folder
    _STATE["missing"] = None


def project_note() -> str:
    """Where relative paths are read from, in one line (for a notebook's first cell)."""
    project = _STATE["project"]
    if isinstance(project, str):
        return (
            f"Relative paths are read from {project!r} (where hypokit new ran, relative to "
            "this notebook)."
        )
    return "Relative paths are read from this notebook's folder and the folders above it."


def search_folders(*, cwd: Path | None = None, notebook: Path | None = None) -> list[Folder]:
    """The folders a relative path is looked up in, in order.

    The working folder (where ``hypokit new`` ran, after :func:`work_in`), the
    notebook's folder, then the folders above the notebook's up to the project root:
    the nearest holding ``pyproject.toml`` or ``.git``, at most :data:`MAX_UP` levels
    up, and never above the folder ``hypokit new`` ran in.

    Args:
        cwd: The working folder (default: the current one).
        notebook: The notebook's folder (default: the one :func:`work_in` recorded, or
            the working folder).
    """
    cwd = Path.cwd() if cwd is None else cwd
    if notebook is None:
        recorded = _STATE["notebook"]
        notebook = recorded if isinstance(recorded, Path) else cwd
    entered = isinstance(_STATE["project"], str) and cwd.resolve() != notebook.resolve()
    folders = [Folder(cwd, _relative(cwd, notebook), "where hypokit new ran")] if entered else []
    folders.append(Folder(notebook, ".", "this notebook's folder"))
    top = cwd.resolve()
    if not any((notebook / m).exists() for m in MARKERS):
        for level, parent in enumerate(notebook.resolve().parents, start=1):
            if level > MAX_UP or (entered and top.is_relative_to(parent)):
                break  # never above the folder hypokit new ran in
            folders.append(Folder(parent, _relative(parent, notebook), "above this notebook"))
            if any((parent / m).exists() for m in MARKERS):
                break
    out: list[Folder] = []
    for f in folders:
        if all(f.path.resolve() != o.path.resolve() for o in out):
            out.append(f)
    return out


def _places(folders: list[Folder]) -> str:
    shown = [f"{f.shown!r} ({f.why})" for f in folders]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} or {shown[-1]}"


def locate(
    path: str | os.PathLike[str],
    parameter: str,
    *,
    what: Literal["data", "registry"],
    create: bool = False,
    cwd: Path | None = None,
    notebook: Path | None = None,
) -> Located:
    """Find a data file (or glob) or a registry folder given as ``parameter``.

    An absolute path is used as it is. A relative one is looked up in each of
    :func:`search_folders` in turn; the first folder that has it wins.

    Args:
        path: The path the parameter gives.
        parameter: The parameter's name, for messages (``"data_path"``).
        what: ``"data"`` (a file, or a glob that matches files) or ``"registry"`` (a
            folder).
        create: For a registry: when no folder has it, it will be created in the first
            folder searched (``exists`` is then False) instead of refused.
        cwd: The working folder (default: the current one).
        notebook: The notebook's folder (see :func:`search_folders`).

    Raises:
        ValidationError: Nothing is found (the message names every folder searched), or
            what is found is of the wrong kind (a folder for data, a file for a
            registry).
    """
    given = os.fspath(path)
    cwd = Path.cwd() if cwd is None else cwd
    noun = "folder" if what == "registry" else "file"
    pattern = any(ch in given for ch in "*?[")
    if Path(given).is_absolute():
        folders: list[Folder] = []
        candidates: list[tuple[Path, Folder | None]] = [(Path(given), None)]
    else:
        folders = search_folders(cwd=cwd, notebook=notebook)
        candidates = [(f.path / given, f) for f in folders]
    for candidate, folder in candidates:
        if what == "data" and pattern:
            if not glob.glob(str(candidate)):
                continue
        elif not candidate.exists():
            continue
        elif what == "data" and candidate.is_dir():
            raise ValidationError(
                f"{parameter} = {given!r}: {_shown(given, folder)} is a folder; give a file, "
                f"or a glob of files ({given.rstrip('/')}/*.parquet)."
            )
        elif what == "registry" and not candidate.is_dir():
            raise ValidationError(
                f"{parameter} = {given!r}: {_shown(given, folder)} is a file; a registry is "
                "a folder (one YAML file per record)."
            )
        found = given if folder is None else _relative(candidate, cwd)
        return Located(found, given, folder)
    if what == "registry" and create:
        first = folders[0] if folders else None
        found = given if first is None else _relative(first.path / given, cwd)
        return Located(found, given, first, exists=False)
    where = f"in {_places(folders)}" if folders else "there"
    matches = "nothing matches the glob" if what == "data" and pattern else f"no such {noun}"
    hint = ""
    if folders:
        hint = (
            "; give the path from the folder you ran hypokit new in"
            if any(f.why == "where hypokit new ran" for f in folders)
            else "; give the path from one of these folders"
        ) + ", or an absolute path"
    raise ValidationError(f"{parameter} = {given!r}: {matches} {where}{hint}.")


def _shown(given: str, folder: Folder | None) -> str:
    return "it" if folder is None else f"it (in {folder})"
