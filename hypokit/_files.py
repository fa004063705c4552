"""The files and folders the command line reads and writes, with one-line errors.

Every error names the argument (``what``: ``--output``, ``NOTEBOOK``, ...), the path and
what was expected, and is a :class:`~hypokit.HypokitError` (exit status 2 on the
command line). Writes never leave half a file: the text goes to a temporary file in
the same folder, which then takes the place of the target in one step; a full disk or
an interruption leaves the target as it was, and a symbolic link at the target is
replaced, never written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from hypokit._errors import DataError, ValidationError

__all__ = [
    "check_output_file",
    "check_path_text",
    "ensure_folder",
    "input_kind",
    "read_bytes",
    "reason",
    "write_text",
]


def reason(exc: OSError) -> str:
    """The operating system's words for ``exc`` (``Permission denied``, ...)."""
    return exc.strerror or str(exc) or type(exc).__name__


def check_path_text(path: str | os.PathLike[str], what: str) -> str:
    """``path`` as text, refusing an empty path and one with a NUL character."""
    text = os.fspath(path)
    if not text:
        raise ValidationError(f"{what} is empty; expected a path.")
    if "\0" in text:
        raise ValidationError(f"{what} {text!r} contains a NUL character; expected a path.")
    return text


def _kind(path: str) -> str | None:
    """What is at ``path`` without following a final link: 'folder', 'file', 'link', ...

    None when nothing is there. A link is reported as what it points to, or as
    'broken link' when that does not exist.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP):  # a file or a loop on the way
            return None
        raise
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            return "broken link"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "special file"


def _blocking_ancestor(path: str) -> str | None:
    """The nearest existing ancestor of ``path`` that is not a folder, if any."""
    for parent in Path(path).parents:
        kind = _kind(str(parent))
        if kind is None:
            continue
        return None if kind == "folder" else str(parent)
    return None


def ensure_folder(path: str | os.PathLike[str], what: str) -> Path:
    """The folder ``path``, created with its parents when missing.

    Raises:
        ValidationError: ``path`` (or one of its parents) is a file, or the folder
            cannot be created.
    """
    text = check_path_text(path, what)
    try:
        kind = _kind(text)
        if kind == "folder":
            return Path(text)
        if kind is not None:
            raise ValidationError(f"{what} {text!r} is a {kind}; expected a folder.")
        blocking = _blocking_ancestor(text)
        if blocking is not None:
            raise ValidationError(f"{what} {text!r}: {blocking!r} is a file; expected a folder.")
        os.makedirs(text, exist_ok=True)
    except OSError as exc:
        raise ValidationError(
            f"{what} {text!r}: cannot create the folder ({reason(exc)})."
        ) from None
    return Path(text)


def check_output_file(path: str | os.PathLike[str], what: str, *, create: bool) -> Path:
    """``path`` as a place to write a file: not a folder, in a folder that exists.

    ``create``: create the missing folders above it (else refuse them).
    """
    text = check_path_text(path, what)
    try:
        kind = _kind(text)
    except OSError as exc:
        raise ValidationError(f"{what} {text!r}: cannot use it ({reason(exc)}).") from None
    if kind == "folder":
        raise ValidationError(f"{what} {text!r} is a folder; expected a file name.")
    if kind == "special file":
        raise ValidationError(f"{what} {text!r} is a special file; expected a file name.")
    folder = os.path.dirname(text) or "."
    try:
        folder_kind = _kind(folder)
        blocking = None if folder_kind == "folder" else _blocking_ancestor(text)
    except OSError as exc:
        raise ValidationError(f"{what} {text!r}: cannot use it ({reason(exc)}).") from None
    if blocking is not None:
        raise ValidationError(f"{what} {text!r}: {blocking!r} is a file; expected a folder.")
    if folder_kind != "folder":
        if not create:
            raise ValidationError(f"{what} {text!r}: no such folder {folder!r}.")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise ValidationError(
                f"{what} {text!r}: cannot create the folder {folder!r} ({reason(exc)})."
            ) from None
    return Path(text)


def _new_file_mode() -> int:
    """The mode a new file gets here (0o666 less the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_text(
    path: str | os.PathLike[str], text: str, what: str, *, overwrite: bool = True
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` in one step; never half a file, never via a link.

    Args:
        path: The file; its folder must exist.
        text: What to write.
        what: The argument that named ``path``, for messages.
        overwrite: Replace an existing file; False refuses anything already at ``path``
            (checked atomically, so a file or link planted meanwhile is never replaced).

    Raises:
        ValidationError: ``path`` is a folder, exists when ``overwrite`` is False, or
            cannot be written (permissions, a full disk, ...).
    """
    target = check_output_file(path, what, create=False)
    name = os.fspath(target)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ValidationError(
            f"{what} {name!r}: the text holds {bad!r}, which is not valid Unicode; "
            "nothing was written."
        ) from None
    folder = os.path.dirname(os.path.abspath(name))
    try:
        existing = os.lstat(name)
    except OSError:
        existing = None
    if existing is not None and not overwrite:
        raise ValidationError(f"{what} {name!r} exists; nothing was written.")
    if existing is not None and stat.S_ISREG(existing.st_mode):
        mode = stat.S_IMODE(existing.st_mode)
    else:
        mode = _new_file_mode()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(name)}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, name)
            tmp = None
        else:
            try:
                os.link(tmp, name)  # fails if anything is at name, even a dangling link
            except FileExistsError:
                raise ValidationError(f"{what} {name!r} exists; nothing was written.") from None
            except OSError:  # a file system without hard links
                if os.path.lexists(name):
                    raise ValidationError(f"{what} {name!r} exists; nothing was written.") from None
                os.replace(tmp, name)
                tmp = None
    except OSError as exc:
        raise ValidationError(
            f"{what} {name!r}: cannot write it ({reason(exc)}); nothing was written."
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def input_kind(path: str | os.PathLike[str], what: str) -> str:
    """What ``path`` is, for reading: ``"file"`` or ``"special file"`` (a pipe, a device).

    Raises:
        DataError: No such file, a folder, a broken link, or it cannot be looked at.
    """
    text = check_path_text(path, what)
    try:
        kind = _kind(text)
    except OSError as exc:
        raise DataError(f"{what} {text!r}: cannot read it ({reason(exc)}).") from None
    if kind is None:
        raise DataError(f"{what} {text!r}: no such file.")
    if kind == "broken link":
        raise DataError(f"{what} {text!r} is a link to a file that does not exist.")
    if kind == "folder":
        raise DataError(f"{what} {text!r} is a folder; expected a file.")
    return kind


def read_bytes(path: str | os.PathLike[str], what: str, size: int = -1) -> bytes:
    """The first ``size`` bytes of ``path`` (all with -1), with one-line errors."""
    text = check_path_text(path, what)
    try:
        with open(text, "rb") as f:
            return f.read(size)
    except OSError as exc:
        raise DataError(f"{what} {text!r}: cannot read it ({reason(exc)}).") from None
