"""The registry: a folder of human-readable YAML files, one record per file.

Layout (each folder is created when its first record is saved)::

    records/
    ├── .hypokit.lock            (taken by saves; add .hypokit.lock* to .gitignore)
    ├── .hypokit.lock.holder     (who holds it: pid, host, since when)
    ├── objectives/checkout.yaml
    ├── key_results/kr-conversion.yaml
    ├── hypotheses/express-pay.yaml
    ├── experiments/express-pay-test.yaml
    └── learnings/express-pay-2026-11-10.yaml

Files are read with PyYAML's safe loader only, composed by libyaml's C parser where
PyYAML has it, then checked and built in one walk of the document (loading 5,000
records takes under a second; ``benchmarks/bench_registry.py``). A new file is
written with the record's fields in a fixed order, so that a change reads well in a pull
request. A file that already exists keeps what a person wrote in it: its comments (a
header, a line before a key, a note at the end of a line, inside a list), its key
order and the spelling of values that did not change. Only the file being saved is read
again, in ruamel.yaml's round-trip mode (which builds nothing but mappings, lists and
scalars), after the registry's own read of the same bytes passed the limits below; its
values are updated in place (changed ones replaced, removed keys removed, new keys
appended in field order, lists and mappings item by item), and the result is written
only if it reads back as the record, else the file is written afresh. A comment on a
key that is removed goes with it.

One bad file never takes the registry down. A file that cannot be read is named, with
its line and field where known, in ``registry.errors`` (``unreadable_file`` findings of
:meth:`Registry.check`; every record command prints them and exits 2), and the rest of
the registry loads. Besides bad YAML and wrong or unknown fields, that covers: a key
given twice (what a bad merge leaves), an impossible date (``2026-02-30``), a date whose
default expiry would fall after 9999-12-31, text that is not UTF-8, a folder, FIFO or
broken link named like a record, a kind's folder that cannot be read, and files past
the limits, which are checked on libyaml's composed document before any value past
them is built (an alias is built once and shared, never expanded):

* :data:`MAX_FILE_BYTES`: 1 MiB per file (only that much is ever read);
* :data:`MAX_DEPTH`: 32 levels of nesting;
* :data:`MAX_ALIASES`: 100 aliases (``*name``) per file;
* :data:`MAX_VALUES`: 100,000 values per file, each alias counted as a copy of what it
  refers to (a "billion laughs" file is refused after reading it once, in
  milliseconds).

Loading is linear in the size of the files, so no time limit is needed. Settings are
different: a ``pyproject.toml`` whose ``[tool.hypokit.shelf_life]`` cannot be used
(unreadable, not UTF-8, not TOML, a value that is not a whole number of days from 1 to
36,500) makes ``Registry()`` raise :class:`~hypokit.RegistryError` naming the file and
the key, since every default expiry date depends on it (see :func:`read_shelf_life`).

Writes are atomic: a temporary file in the same folder, flushed to disk, then
``os.replace``, then the folder flushed too (where the platform can open a folder); a
crash (even ``kill -9``) leaves the old file or the new one, never half of one. Several
processes may save different records at once: each save holds an exclusive lock of the
registry (``filelock``'s lock on :data:`LOCK_FILE`, ``.hypokit.lock`` in the registry's
folder: ``flock`` on POSIX, ``msvcrt.locking`` on Windows; the holder writes its pid,
host and start time in :data:`HOLDER_FILE` beside it). A save waits at most
``lock_timeout`` seconds (:data:`DEFAULT_LOCK_TIMEOUT`, 10) for the lock, then raises
naming the lock file and its holder. Under the lock, a save refuses with a
:class:`~hypokit.RegistryError`, rather than silently overwriting:

* a record whose file changed on disk since the registry read it (another process, a
  ``git pull``, a hand edit): the registry keeps a SHA-256 of every file it read or
  wrote and compares it;
* an id that a file of another kind now holds (two registries that each read the folder
  before either saved).

Also under the lock, it deletes the temporary files that killed writers left in the
folder it writes to: a writer holds the lock for as long as its temporary file exists,
so no live writer's file is ever touched. A save that the system refuses (a full disk,
a read-only folder) raises :class:`~hypokit.RegistryError` naming the file and the
reason, and changes nothing on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, overload

import pydantic
import yaml

from hypokit._errors import RegistryError, ValidationError
from hypokit._findings import Finding
from hypokit._impact import ImpactMap, impact_map
from hypokit._records import (
    ALL_SEGMENTS,
    DEFAULT_DUE_WITHIN,
    DEFAULT_SHELF_LIFE,
    MAX_SHELF_LIFE,
    RECORD_TYPES,
    TRANSITIONS,
    Experiment,
    Hypothesis,
    KeyResult,
    Learning,
    Objective,
    PlanSegment,
    Record,
    Score,
    _check_id,
    _loc_text,
    check_status_change,
    describe_errors,
    lifecycle_path,
    merged_shelf_life,
    prioritize,
    same_change,
    short_repr,
)
from hypokit._validate import check_int_at_least, check_nonnegative

if TYPE_CHECKING:
    import pandas as pd

    from hypokit._analysis import AnalysisResult
    from hypokit._sizing import SizingPlan
    from hypokit._status import Board

__all__ = ["RecordFileError", "Registry", "RegistryConclusion", "to_yaml"]

R = TypeVar("R", bound=Record)

#: Folders of the registry, by the record class they hold.
FOLDERS = {cls.folder: cls for cls in RECORD_TYPES.values()}


class RecordFileError(RegistryError):
    """A registry file that cannot be read: bad YAML, a wrong or unknown field, ...

    Attributes:
        path: The file.
        line: The line (1-based) of the problem, when known.
        field: The field at fault (``"criteria[0].min_effect"``), when known.
    """

    def __init__(
        self, message: str, *, path: Path, line: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.field = field


def _check_moved(old: Hypothesis, new: Hypothesis) -> None:
    """Refuse a status change the lifecycle does not allow.

    One step at a time, as :data:`~hypokit._records.TRANSITIONS` says; or several at
    once when the new record's history adds every status on the allowed path (what
    :meth:`Hypothesis.move` writes: ``idea`` → ``planned`` → ``running``).
    """
    if new.status == old.status:
        return
    n = len(old.history)
    added = tuple(c.status for c in new.history[n:])
    if new.history[:n] == old.history and added:
        try:
            if added == lifecycle_path(old.status, new.status):
                return
        except ValidationError:
            pass
    check_status_change(new.id, old.status, new.status)


class RegistryConclusion(NamedTuple):
    """What :meth:`Registry.conclude` returns; nothing is saved until you save it.

    Review the drafts (edit them with ``model_copy(update=...)`` and ``_replace``), then
    save them all with :meth:`Registry.save_conclusion`, which also records on each
    learning in ``learning.contradicts`` that this learning contradicts it.
    """

    hypothesis: Hypothesis
    learning: Learning
    experiment: Experiment | None


# ------------------------------------------------------------------------- YAML
class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        """Never write ``&anchors`` and ``*aliases``: a reader sees every value in place."""
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(record: Record) -> str:
    """The YAML text of a record, as a registry writes it.

    Fields come in the model's order (``id`` first); empty optional fields are left out;
    dates are written as plain ``2026-11-10``.

    Examples:
        >>> from hypokit._records import Objective
        >>> from hypokit._registry import to_yaml
        >>> print(to_yaml(Objective(id="checkout", title="Make checkout effortless")), end="")
        id: checkout
        title: Make checkout effortless
        status: active
    """
    return yaml.dump(
        record.to_dict(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=88,
    )


# ---------------------------------------------------------------------- limits
#: The largest record file read, in bytes (1 MiB). Records are a few kilobytes; a
#: learning with pages of notes is tens of kilobytes. A larger file is reported
#: unread, so a stray export or log saved as ``.yaml`` cannot stall the registry.
MAX_FILE_BYTES = 1 << 20
#: How deeply values may nest in a record file. The deepest record field is six levels
#: down (``criteria[0].guardrails[0].margin``); a hand-written file has room to spare.
MAX_DEPTH = 32
#: Aliases (``*name``) allowed in one record file. hypokit never writes aliases; a
#: hand-written file may use a few to repeat a list.
MAX_ALIASES = 100
#: Values (mappings, lists, scalars) in one record file, counting every alias as a copy
#: of what it refers to: this is what stops a "billion laughs" file, whose few aliases
#: expand to billions of values.
MAX_VALUES = 100_000

_MERGE = "tag:yaml.org,2002:merge"
_KINDS_OF_VALUE = {
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:int": "whole number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "true or false",
}


class _BadYamlError(Exception):
    """A problem in a record file's YAML, at a node (which gives its line and field).

    Attributes:
        problem: What is wrong.
        node: Where: a value, or the key of a mapping entry.
        value: The text at fault, when it helps to show it.
        field: The path of the field (``criteria[1].segment``), "" for the document.
    """

    def __init__(
        self, problem: str, node: yaml.Node, value: str | None = None, *, located: bool = True
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.node = node
        self.value = value
        self.located = located  # False: the line is enough (nesting: the path is noise)
        self.field = ""  # filled in by _parse, which has the whole document


class _ReadValues:
    """Turns an exception of a YAML constructor into :class:`_BadYamlError` at its node.

    PyYAML's constructors raise plain ``ValueError`` (``2026-02-30``, an integer of
    thousands of digits), ``KeyError`` (``!!bool maybe``), ``IndexError`` (an empty
    ``!!int``) and others that are not ``YAMLError``; they must not escape the loader.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (yaml.YAMLError, _BadYamlError):
            raise
        except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
            what = _KINDS_OF_VALUE.get(node.tag, node.tag.rsplit(":", 1)[-1])
            why = f" ({exc})" if type(exc) is ValueError else ""
            value = node.value if isinstance(node, yaml.ScalarNode) else None
            raise _BadYamlError(f"not a valid {what}{why}", node, value) from None


class _PyLoader(_ReadValues, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, stopped at :data:`MAX_DEPTH` while composing.

    Used where PyYAML has no libyaml. Its composer recurses once per level, so a file
    of thousands of nested brackets would exhaust Python's recursion limit before the
    composed document could be checked.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, _too_deep(), mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if yaml.__with_libyaml__:

    class _CLoader(_ReadValues, yaml.CSafeLoader):
        """The safe loader on libyaml: composed in C, then checked in Python.

        libyaml itself refuses more than 1,000 levels of nesting. The tag of a plain
        value (``2026-11-10`` a date, ``pivot`` text) is looked up once per distinct value
        and kept: records repeat the same keys and values thousands of times.
        """

        _resolved: dict[tuple[str, tuple[bool, bool]], str] = {}  # noqa: RUF012 - a cache

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not yaml.ScalarNode or len(value) > 64:
                return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            cache = _CLoader._resolved
            key = (value, implicit)
            tag = cache.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(cache) >= 20_000:
                    cache.clear()
                cache[key] = tag
            return tag

    _LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = _CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADER = _PyLoader


def _too_deep() -> str:
    return f"values nested more than {MAX_DEPTH} levels deep (the limit for a record file)"


def _check_document(root: yaml.Node) -> None:
    """Refuse what a record file must not hold, before anything is constructed.

    Walks the composed document once (an alias is a node met again: its size is
    remembered, not walked again) and refuses, at the node at fault: nesting deeper
    than :data:`MAX_DEPTH`, more than :data:`MAX_ALIASES` aliases, more than
    :data:`MAX_VALUES` values once aliases are expanded, an alias inside the value it
    refers to, and a key given twice in one mapping.

    Raises:
        _BadYamlError: The first of these problems.
    """
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (values once expanded, height)
    inside: set[int] = set()
    values = aliases = 0

    def walk(node: yaml.Node, depth: int, site: yaml.Node) -> tuple[int, int]:
        # ``site`` is where the node is written: its key in a mapping, else its list.
        nonlocal values, aliases
        key = id(node)
        if key in done:
            size, height = done[key]
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _BadYamlError(f"more than {MAX_ALIASES} aliases (the limit)", site)
            if depth + height - 1 > MAX_DEPTH:
                raise _BadYamlError(_too_deep() + " once its aliases are expanded", site)
            values += size
            if values > MAX_VALUES:
                raise _BadYamlError(
                    f"more than {MAX_VALUES:,} values once its aliases are expanded (the limit)",
                    site,
                )
            return size, height
        if key in inside:
            raise _BadYamlError("an alias refers to the value that contains it", site)
        if depth > MAX_DEPTH:
            raise _BadYamlError(_too_deep(), node, located=False)
        values += 1
        if values > MAX_VALUES:
            raise _BadYamlError(f"more than {MAX_VALUES:,} values (the limit)", node)
        size, height = 1, 0
        inside.add(key)
        if isinstance(node, yaml.MappingNode):
            keys: dict[tuple[str, str], int] = {}
            for i, (k, v) in enumerate(node.value):
                if isinstance(k, yaml.ScalarNode) and k.tag != _MERGE:
                    first = keys.setdefault((k.tag, k.value), i)
                    if first != i:
                        raise _BadYamlError(
                            f"given twice, on lines {node.value[first][0].start_mark.line + 1} "
                            f"and {k.start_mark.line + 1} (a merge that kept both?): keep one",
                            k,
                        )
                for child in (k, v):
                    n, h = walk(child, depth + 1, k)
                    size, height = size + n, max(height, h)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                n, h = walk(child, depth + 1, node)
                size, height = size + n, max(height, h)
        inside.discard(key)
        done[key] = (size, height + 1)
        return done[key]

    walk(root, 1, root)


def _path_to(root: yaml.Node, target: yaml.Node) -> tuple[int | str, ...]:
    """The path of ``target`` (``("criteria", 1, "segment")``) where it is first written.

    A key stands for its entry: its path is its value's. () for the document itself,
    or when ``target`` is not in it.
    """
    stack: list[tuple[yaml.Node, tuple[int | str, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:  # depth first, in the order of the text: an anchor comes before its aliases
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, tuple[int | str, ...]]] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else "?"
                children += [(k, (*path, name)), (v, (*path, name))]
        elif isinstance(node, yaml.SequenceNode):
            children = [(child, (*path, i)) for i, child in enumerate(node.value)]
        stack += reversed(children)
    return ()


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _UnusualError(Exception):
    """A document :func:`_build` leaves to PyYAML's constructor (merge keys, ``!!set``, ...)."""


def _build(root: yaml.Node, loader: Any) -> Any:
    """Check a composed document (as :func:`_check_document`) and build its data, in one walk.

    Gives what PyYAML's safe constructor gives (an alias is the same object as its
    anchor) for plain mappings, lists and scalars, at a fraction of the time: reading
    5,000 records is a walk of some 100,000 nodes. Scalars of other tags than ``str``
    are built by the loader's own constructors, whose exceptions become
    :class:`_BadYamlError` as in :class:`_ReadValues`.

    Raises:
        _BadYamlError: As :func:`_check_document`, or a value its tag cannot read.
        _UnusualError: The document has merge keys, keys that are not scalars, or mappings and
            lists of other tags: :func:`_parse` checks and builds it the slow way.
        yaml.YAMLError: A tag the safe constructor does not know.
    """
    built: dict[int, Any] = {}  # id(node) -> its value, for every node met
    expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values once expanded, height)
    inside: set[int] = set()
    values = aliases = 0
    constructors = loader.yaml_constructors
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode

    def scalar(node: yaml.ScalarNode) -> Any:
        tag = node.tag
        make = constructors.get(tag)
        if make is None:
            return loader.construct_object(node)  # raises ConstructorError, naming the tag
        try:
            return make(loader, node)
        except (yaml.YAMLError, _BadYamlError):
            raise
        except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
            what = _KINDS_OF_VALUE.get(tag, tag.rsplit(":", 1)[-1])
            why = f" ({exc})" if type(exc) is ValueError else ""
            raise _BadYamlError(f"not a valid {what}{why}", node, node.value) from None

    def size_of(node: yaml.Node) -> tuple[int, int]:
        # Only for the values that aliases refer to: most files have none.
        key = id(node)
        if key not in expanded:
            size, height = 1, 0
            if type(node) is not scalar_node:
                children = node.value if type(node) is sequence_node else sum(node.value, ())
                for child in children:
                    n, h = size_of(child)
                    size, height = size + n, max(height, h)
            expanded[key] = (size, height + 1)
        return expanded[key]

    def alias(node: yaml.Node, depth: int, site: yaml.Node) -> Any:
        nonlocal values, aliases
        if id(node) in inside:
            raise _BadYamlError("an alias refers to the value that contains it", site)
        aliases += 1
        if aliases > MAX_ALIASES:
            raise _BadYamlError(f"more than {MAX_ALIASES} aliases (the limit)", site)
        size, height = size_of(node)
        if depth + height - 1 > MAX_DEPTH:
            raise _BadYamlError(_too_deep() + " once its aliases are expanded", site)
        values += size
        if values > MAX_VALUES:
            raise _BadYamlError(
                f"more than {MAX_VALUES:,} values once its aliases are expanded (the limit)", site
            )
        return built[id(node)]

    def walk(node: yaml.Node, depth: int, site: yaml.Node) -> Any:
        nonlocal values
        key = id(node)
        if key in built:
            return alias(node, depth, site)
        if depth > MAX_DEPTH:
            raise _BadYamlError(_too_deep(), node, located=False)
        values += 1
        if values > MAX_VALUES:
            raise _BadYamlError(f"more than {MAX_VALUES:,} values (the limit)", node)
        cls = type(node)
        if cls is scalar_node:
            value = node.value if node.tag == _STR else scalar(node)  # type: ignore[arg-type]
            built[key] = value
            return value
        if cls is mapping_node:
            if node.tag != _MAP:
                raise _UnusualError
            inside.add(key)
            mapping: dict[Any, Any] = {}
            built[key] = mapping
            keys: dict[tuple[str, str], int] = {}
            for i, (k, v) in enumerate(node.value):
                if type(k) is not scalar_node or k.tag == _MERGE:
                    raise _UnusualError
                first = keys.setdefault((k.tag, k.value), i)
                if first != i:
                    raise _BadYamlError(
                        f"given twice, on lines {node.value[first][0].start_mark.line + 1} "
                        f"and {k.start_mark.line + 1} (a merge that kept both?): keep one",
                        k,
                    )
                name = walk(k, depth + 1, k)
                mapping[name] = walk(v, depth + 1, k)
            inside.discard(key)
            return mapping
        if cls is sequence_node:
            if node.tag != _SEQ:
                raise _UnusualError
            inside.add(key)
            items: list[Any] = []
            built[key] = items
            for child in node.value:
                items.append(walk(child, depth + 1, node))
            inside.discard(key)
            return items
        raise _UnusualError  # pragma: no cover - the composer makes only these three

    return walk(root, 1, root)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed document of a record file and its data, within the limits.

    Raises:
        yaml.YAMLError: Not valid YAML (nesting past libyaml's limit included).
        _BadYamlError: Valid YAML that breaks a limit, has a duplicate key, or a value its
            tag cannot read (``2026-02-30``).
    """
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            try:
                return node, _build(node, loader)
            except _UnusualError:
                _check_document(node)
                return node, loader.construct_document(node)
        except _BadYamlError as exc:
            if exc.located:
                exc.field = _loc_text(_path_to(node, exc.node))
            raise
    finally:
        loader.dispose()


def _line_of(root: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the field at ``loc`` in a composed document (None when unknown)."""
    node = root
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _reason(exc: OSError | ValueError | RuntimeError, path: Path | None = None) -> str:
    """Why a file operation failed, in words (``No space left on device``), on one line.

    Names the file the error is about when it is not ``path``.
    """
    if not isinstance(exc, OSError) or not exc.strerror:
        return " ".join(str(exc).split()) or type(exc).__name__
    text = exc.strerror
    if exc.errno == errno.ELOOP:
        text = f"a symbolic link loop: {text[:1].lower()}{text[1:]}"
    if exc.filename is not None:
        name = Path(os.fsdecode(exc.filename))
        if name != path and not _TEMPORARY.fullmatch(name.name):  # a temporary file: noise
            text += f": {_printable(str(name))}"
    return text


def _printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes escaped, for one-line messages."""
    return text if text.isprintable() else repr(text)[1:-1]


_O_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[str, bytes | None, str]:
    """Read a file that may be hostile: only a regular file, only up to ``limit`` bytes.

    The file is opened without blocking, so that a FIFO named like a record cannot
    hang the reader.

    Returns:
        ``(fingerprint, data, problem)``: the SHA-256 of the bytes, the bytes, and
        ``""``; or, for a file that is not read, a fingerprint made of its size, time
        and inode, None, and why it was not read.

    Raises:
        OSError: It cannot be opened or read (``FileNotFoundError`` when it does not
            exist, a broken link included).
    """
    fd = os.open(path, _O_READ)
    try:
        info = os.fstat(fd)
        seen = f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
        if not stat.S_ISREG(info.st_mode):
            return (
                seen,
                None,
                "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, socket or device",
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        return (
            seen,
            None,
            f"{max(size, info.st_size):,} bytes or more, over the limit of {limit:,} bytes",
        )
    data = b"".join(chunks)
    return _digest(data), data, ""


def _fingerprint(path: Path) -> str | None:
    """What :func:`_read_bounded` gives for ``path`` now; None when there is no file."""
    try:
        return _read_bounded(path)[0]
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------------- writing
#: The lock file, in the registry's folder (add ``.hypokit.lock*`` to ``.gitignore``).
LOCK_FILE = ".hypokit.lock"

#: Seconds a save waits for the registry's lock before it gives up
#: (``Registry(path, lock_timeout=...)``). A save holds the lock for milliseconds.
DEFAULT_LOCK_TIMEOUT = 10.0

#: The temporary files of :func:`_atomic_write`: ``.<record>.yaml.<8 hex digits>.tmp``.
_TEMPORARY = re.compile(r"\.[a-z0-9][a-z0-9._-]*\.yaml\.[0-9a-f]{8}\.tmp")

#: Where the lock's holder writes who it is (pid, host, start time), so that a save
#: that waits too long can say. A file beside the lock file: ``filelock`` owns the lock
#: file's bytes (older releases truncate it when they open it to wait; on a file system
#: without ``flock`` it keeps its own marker there).
HOLDER_FILE = LOCK_FILE + ".holder"


@contextlib.contextmanager
def _locked(root: Path, timeout: float) -> Iterator[None]:
    """Hold the registry's exclusive lock on ``root / LOCK_FILE``, through ``filelock``.

    ``filelock`` takes ``flock`` on POSIX and ``msvcrt.locking`` on Windows: the lock
    ends with the process that holds it (a crash or ``kill -9`` releases it), so a lock
    that is not released is held by a live process, stuck or busy. The holder writes
    its pid, host and start time in :data:`HOLDER_FILE`.

    Raises:
        RegistryError: The lock was not released within ``timeout`` seconds; the
            message names the lock file and its holder, as far as it wrote itself in.
        OSError: The lock file cannot be created or locked.
    """
    import filelock

    lock = root / LOCK_FILE
    held = filelock.FileLock(lock, timeout=timeout)
    try:
        held.acquire(timeout=timeout, poll_interval=0.005)
    except filelock.Timeout:
        raise _timed_out(root, timeout) from None
    except PermissionError:  # another user's lock file, which filelock opens to write
        if sys.platform == "win32":  # pragma: no cover
            raise
        writable = False
    else:
        writable = True
    with contextlib.ExitStack() as stack:
        if writable:
            stack.callback(held.release)
        else:
            stack.enter_context(_locked_read_only(root, timeout))
        _write_note(root)
        yield


def _timed_out(root: Path, timeout: float) -> RegistryError:
    return RegistryError(
        f"{root / LOCK_FILE}: the registry is locked by {_holder(root)}, which did not "
        f"release it within {timeout:g} s; nothing was saved. If that process is stuck, "
        "stop it; else try again, or wait longer (Registry(path, lock_timeout=SECONDS), "
        "--lock-timeout)."
    )


@contextlib.contextmanager
def _locked_read_only(root: Path, timeout: float) -> Iterator[None]:
    """The lock through a read-only descriptor: ``flock`` needs no write access.

    For a lock file that another user created (mode 644), which ``filelock`` refuses;
    POSIX only. The same ``flock`` as ``filelock``'s, on the same file.
    """
    import fcntl

    fd = os.open(root / LOCK_FILE, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _timed_out(root, timeout) from None
                time.sleep(min(pause, left))
                pause = min(2 * pause, 0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_note(root: Path) -> None:
    """Write who holds the lock (pid, host, time) into :data:`HOLDER_FILE`, if it can."""
    note = f"pid {os.getpid()} on {socket.gethostname()}, since "
    note += dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC\n")
    with contextlib.suppress(OSError):  # who holds it is a courtesy (a full disk)
        fd = os.open(root / HOLDER_FILE, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0))
        try:
            os.ftruncate(fd, 0)
            os.write(fd, note.encode())
        finally:
            os.close(fd)


def _holder(root: Path) -> str:
    """Who holds the lock, as its holder wrote it in :data:`HOLDER_FILE`."""
    try:
        with open(root / HOLDER_FILE, "rb") as fh:
            note = fh.read(200).decode("utf-8", "replace")
    except OSError:
        note = ""
    note = " ".join(note.split())
    return _printable(note) if note.startswith("pid ") else "another process (it did not say which)"


def _remove_temporaries(folder: Path) -> None:
    """Delete the temporary files of writers that were killed while saving.

    Call it under the registry's lock only: every writer creates and removes its
    temporary file while it holds the lock, so a temporary file found then belongs to
    a writer that is gone, never to one that is still writing.
    """
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if _TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
            )
            break
        except FileExistsError:  # pragma: no cover - 32 random bits taken
            continue
    else:  # pragma: no cover
        raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (after a rename), where folders can be opened.

    Without it, a power cut soon after a save may lose the rename on some file
    systems. Windows cannot open a folder this way, and some file systems refuse to
    sync one: the rename is done either way, so this never fails a save.
    """
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------ shelf life
def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_shelf_life(pyproject: Path | None) -> dict[str, int]:
    """The shelf life per evidence kind: the defaults, updated from ``pyproject``.

    ``[tool.hypokit.shelf_life]`` maps evidence kinds to days, e.g. ``ab_test = 365``;
    new kinds may be added. Each is a whole number of days from 1 to
    :data:`~hypokit._records.MAX_SHELF_LIFE` (36,500, about 100 years).

    Unusable settings are refused, never replaced by the defaults: every default
    expiry date depends on them, and the defaults would give other dates than the
    team set, without a word.

    Raises:
        RegistryError: The file cannot be read, is larger than
            :data:`MAX_FILE_BYTES`, is not UTF-8 text or not valid TOML, or a value is
            not a number of days in range; the message names the file and the key.
    """
    if pyproject is None:
        return dict(DEFAULT_SHELF_LIFE)
    try:
        _, raw, problem = _read_bounded(pyproject)
    except OSError as exc:
        raise RegistryError(f"{pyproject}: cannot be read ({_reason(exc, pyproject)}).") from None
    if raw is None:
        raise RegistryError(f"{pyproject}: {problem}, not a settings file.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RegistryError(
            f"{pyproject}, line {line}: not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{pyproject}: not valid TOML: {exc}.") from None
    except RecursionError:
        raise RegistryError(f"{pyproject}: not valid TOML: values nested too deeply.") from None
    section: Any = data
    for depth, key in enumerate(("tool", "hypokit", "shelf_life"), start=1):
        section = section.get(key, {})
        if not isinstance(section, Mapping):
            name = ".".join(("tool", "hypokit", "shelf_life")[:depth])
            example = " of 'kind = days' lines" if key == "shelf_life" else ""
            raise RegistryError(f"{pyproject}: [{name}] must be a table{example}.")
    where = f"{pyproject}: [tool.hypokit.shelf_life]"
    out: dict[str, int] = {}
    for kind, days in section.items():
        try:
            _check_id(kind)
        except ValueError as exc:
            raise RegistryError(f"{where}: {exc}.") from None
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SHELF_LIFE:
            raise RegistryError(
                f"{where} {kind} == {short_repr(days)}, must be a whole number of days from 1 "
                f"to {MAX_SHELF_LIFE:,} (about 100 years)."
            )
        out[kind] = days
    return merged_shelf_life(out)


def _as_of(as_of: dt.date | str | None) -> dt.date:
    """``as_of`` as a date; None means today (for interactive use and the CLI only)."""
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of)
        except ValueError:
            pass
    raise ValidationError(f"as_of == {as_of!r}, must be a date (or 'YYYY-MM-DD').")


def _started(exp: Experiment, as_of: dt.date) -> Experiment:
    """A planned experiment started on ``as_of``, its planned duration kept."""
    update: dict[str, Any] = {"status": "running", "start": as_of}
    if exp.start is not None and exp.planned_end is not None:
        update["planned_end"] = as_of + (exp.planned_end - exp.start)
    elif exp.planned_end is not None and exp.planned_end < as_of:
        update["planned_end"] = None  # an end planned before the start: no longer planned
    return exp.model_copy(update=update)


def _plan_segments(plan: Any) -> tuple[PlanSegment, ...]:
    """A sizing plan's per-segment summary (a SizingPlan, or segments as records or dicts)."""
    if hasattr(plan, "rows") and hasattr(plan, "to_records"):
        return Experiment.plan_from(plan)
    if isinstance(plan, str | bytes) or not isinstance(plan, Sequence):
        raise TypeError(f"expected a SizingPlan or a list of segments, got {type(plan).__name__}")
    return tuple(p if isinstance(p, PlanSegment) else PlanSegment.model_validate(p) for p in plan)


def _plan_days(segments: Sequence[PlanSegment]) -> int | None:
    """The days until the slowest segment is complete; None when one has no traffic."""
    days = [p.days for p in segments]
    return None if any(d is None for d in days) else max(d for d in days if d is not None)


# --------------------------------------------------------------------- registry
class Registry:
    """A folder of YAML records: objectives, key results, hypotheses, experiments, learnings.

    The registry reads every file when it is created (and on :meth:`reload`); files
    that cannot be read are listed in :attr:`errors` and reported by :meth:`check`,
    and the rest loads. See the module docstring for the layout and for how writes
    stay safe.

    Args:
        path: The registry's folder (created on the first save).
        lock_timeout: Seconds a save waits for the registry's lock, held by another
            save, before giving up (default :data:`DEFAULT_LOCK_TIMEOUT`, 10).

    Attributes:
        path: The folder.
        errors: The files that could not be read, as :class:`RecordFileError`
            (``.path``, ``.line``, ``.field``).
        pyproject: The ``pyproject.toml`` the shelf life came from, if any: the
            nearest one in the folder or above it.
        shelf_life: Days a learning stays valid, per evidence kind.
        lock_timeout: Seconds a save waits for the lock.

    Raises:
        RegistryError: ``path`` is a file or cannot be used (a symbolic link loop, a
            name too long, ...), or the ``pyproject.toml`` is unusable (see
            :func:`read_shelf_life`: the registry refuses to load rather than use
            other shelf lives than the team set).
        ValidationError: ``lock_timeout`` is not a number of seconds ≥ 0.

    Examples:
        >>> import datetime as dt, tempfile
        >>> from hypokit._records import Hypothesis, Objective
        >>> from hypokit._registry import Registry
        >>> folder = tempfile.TemporaryDirectory()
        >>> registry = Registry(folder.name)
        >>> _ = registry.save(Objective(id="checkout", title="Make checkout effortless"))
        >>> _ = registry.save(Hypothesis(id="express-pay", change="add express pay",
        ...     metric="converted", expected_effect=0.1, time_frame_days=14,
        ...     key_result="kr-conversion"))
        >>> Registry(folder.name).get("checkout").title
        'Make checkout effortless'
        >>> [f.kind for f in registry.check(as_of=dt.date(2026, 11, 10))]
        ['dangling_link']
        >>> folder.cleanup()
    """

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = check_nonnegative("lock_timeout", lock_timeout)
        try:
            if not stat.S_ISDIR(self.path.stat().st_mode):
                raise RegistryError(f"{self.path} is a file; a registry is a folder.")
        except FileNotFoundError:
            pass  # an empty registry, created on the first save
        except (OSError, ValueError) as exc:
            shown = _printable(str(self.path))
            raise RegistryError(
                f"{shown}: cannot be used as a registry ({_reason(exc)})."
            ) from None
        try:
            self.pyproject = find_pyproject(self.path)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
            raise RegistryError(
                f"{_printable(str(self.path))}: cannot look for pyproject.toml above it "
                f"({_reason(exc)})."
            ) from None
        self.shelf_life = read_shelf_life(self.pyproject)
        self.errors: list[RecordFileError] = []
        self._records: dict[str, Record] = {}
        self._files: dict[str, Path] = {}
        self._hashes: dict[Path, str] = {}
        self.reload()

    # ---------------------------------------------------------------- reading
    def reload(self) -> None:
        """Read every record file again (after another process or ``git`` changed them)."""
        self.errors = []
        self._records = {}
        self._files = {}
        self._hashes = {}
        for folder, cls in FOLDERS.items():
            where = self.path / folder
            try:
                with os.scandir(where) as entries:
                    names = sorted(entry.name for entry in entries)
            except FileNotFoundError:
                if os.path.lexists(where):
                    self._error(f"{folder}: a link to a folder that does not exist", where)
                continue
            except OSError as exc:
                what = "is a file" if exc.errno == errno.ENOTDIR else "cannot be read"
                self._error(
                    f"{folder}: {what} ({_reason(exc, where)}); it should be the folder of "
                    f"the {cls.folder}, and none of them were read",
                    where,
                )
                continue
            for name in names:
                file = where / name
                if name.startswith("."):
                    continue
                if name.endswith(".yml"):
                    self._error(f"{self._rel(file)}: rename it to {file.stem}.yaml", file)
                elif name.endswith(".yaml"):
                    self._load(file, cls)

    def _rel(self, file: Path) -> str:
        try:
            rel = file.relative_to(self.path).as_posix()
        except ValueError:  # pragma: no cover - every file is under the registry
            rel = str(file)
        return _printable(rel)

    def _error(
        self, message: str, file: Path, line: int | None = None, field: str | None = None
    ) -> None:
        self.errors.append(RecordFileError(message, path=file, line=line, field=field))

    @property
    def _context(self) -> dict[str, Any]:
        return {"shelf_life": self.shelf_life}

    def _load(self, file: Path, cls: type[Record]) -> None:
        rel = self._rel(file)
        try:
            fingerprint, raw, problem = _read_bounded(file)
        except OSError as exc:
            self._error(f"{rel}: cannot be read ({_reason(exc, file)})", file)
            return
        self._hashes[file] = fingerprint
        if raw is None:
            if problem.startswith("a "):  # a folder, a FIFO, ...
                self._error(f"{rel}: {problem}, not a record file", file)
            else:
                self._error(f"{rel}: {problem} for a record file (records are a few KB)", file)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line: int | None = raw[: exc.start].count(b"\n") + 1
            self._error(
                f"{rel}, line {line}: not UTF-8 text ({exc.reason} at byte {exc.start})", file, line
            )
            return
        try:
            root, data = _parse(text)
        except yaml.YAMLError as exc:
            self._yaml_error(rel, file, text, exc)
            return
        except _BadYamlError as exc:
            line = exc.node.start_mark.line + 1
            field = exc.field
            what = [f"field {field!r}"] if field else []
            if exc.value is not None:
                what.append(short_repr(exc.value))
            about = " == ".join(what) + ": " if what else ""
            self._error(f"{rel}, line {line}: {about}{exc.problem}", file, line, field or None)
            return
        if data is None:
            self._error(f"{rel}: the file is empty; it should hold one {cls.kind}", file)
            return
        if not isinstance(data, dict):
            self._error(
                f"{rel}: should hold one {cls.kind} as 'field: value' lines, "
                f"not a {type(data).__name__}",
                file,
                1,
            )
            return
        try:
            record = cls.model_validate(data, context=self._context)
        except pydantic.ValidationError as exc:
            problems = describe_errors(exc, cls)
            first = problems[0][0]
            line = _line_of(root, first)
            at = f", line {line}" if line else ""
            message = "; ".join(m for _, m in problems)
            self._error(f"{rel}{at}: {message}", file, line, _loc_text(first) or None)
            return
        if record.id != file.stem:
            self._error(
                f"{rel}: id {record.id!r} does not match the file name; name the file "
                f"{record.id}.yaml or change the id to {_printable(file.stem)!r}",
                file,
                _line_of(root, ("id",)),
                "id",
            )
            return
        if record.id in self._records:
            self._error(
                f"{rel}: id {record.id!r} is already used by "
                f"{self._rel(self._files[record.id])}; ids are unique across the registry",
                file,
                _line_of(root, ("id",)),
                "id",
            )
            return
        self._records[record.id] = record
        self._files[record.id] = file

    def _yaml_error(self, rel: str, file: Path, text: str, exc: yaml.YAMLError) -> None:
        """Report a file that is not valid YAML, on one line, with its line when known."""
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = None if mark is None else int(mark.line) + 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        position = getattr(exc, "position", None)  # a ReaderError: a character not allowed
        if line is None and isinstance(position, int):
            line = text[:position].count("\n") + 1
        problem = " ".join(str(problem).split())
        at = f", line {line}" if line else ""
        if "maximum nesting depth" in problem or problem == _too_deep():  # libyaml's, ours
            self._error(f"{rel}{at}: {_too_deep()}", file, line)
        else:
            self._error(f"{rel}{at}: not valid YAML: {_printable(problem)}", file, line)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(sorted(self._records.values(), key=lambda r: (r.kind, r.id)))

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{sum(isinstance(r, cls) for r in self._records.values())} {folder}"
            for folder, cls in FOLDERS.items()
        )
        errors = f", {len(self.errors)} unreadable file(s)" if self.errors else ""
        return f"Registry({str(self.path)!r}: {counts}{errors})"

    @overload
    def get(self, record_id: str) -> Record: ...
    @overload
    def get(self, record_id: str, kind: type[R]) -> R: ...
    def get(self, record_id: str, kind: type[Record] | None = None) -> Record:
        """The record with this id (of this ``kind``, when given).

        Raises:
            RegistryError: No such record (close ids are suggested), its file could
                not be read, or it is of another kind.
        """
        record = self._records.get(record_id)
        if record is None:
            broken = [e for e in self.errors if e.path.stem == record_id]
            if broken:
                raise RegistryError(f"{record_id!r} could not be read: {broken[0]}")
            close = difflib.get_close_matches(record_id, list(self._records), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "."
            raise RegistryError(f"no record {record_id!r} in {self.path}{hint}")
        if kind is not None and not isinstance(record, kind):
            raise RegistryError(f"{record_id!r} is a {record.kind}, not a {kind.kind}.")
        return record

    def records(self, kind: type[R]) -> list[R]:
        """Every record of one kind (``Hypothesis``, ``Learning``, ...), by id."""
        return sorted(
            (r for r in self._records.values() if isinstance(r, kind)), key=lambda r: r.id
        )

    def path_of(self, record_id: str) -> Path:
        """The file of a record."""
        self.get(record_id)
        return self._files[record_id]

    # ---------------------------------------------------------------- writing
    def save(self, record: Record) -> Path:
        """Write a record to its file, atomically; return the file's path.

        The record is validated again (``model_copy`` does not validate). A
        hypothesis's status may only change as :data:`~hypokit._records.TRANSITIONS`
        allows, compared with the stored one.

        Raises:
            RegistryError: The record is invalid (the field is named); its id is used
                by a record of another kind (in this registry, or on disk since it was
                read); the status change is not allowed; its file changed on disk
                since the registry read it (``reload()``, apply the change again, and
                save); the lock was not released within :attr:`lock_timeout`; or the
                file cannot be written (a full disk, a read-only folder: the message
                names the file and the reason). Nothing is changed on disk then.
        """
        return self._write(self._prepare(record))

    def _prepare(self, record: Record) -> tuple[Record, Path, bytes]:
        """Validate a record for saving: the record, its file and the bytes to write."""
        cls = type(record)
        if cls not in FOLDERS.values():
            raise RegistryError(f"cannot save {record!r}: not an hk record.")
        try:
            record = cls.model_validate(record.to_dict(), context=self._context)
        except pydantic.ValidationError as exc:
            problems = "; ".join(m for _, m in describe_errors(exc, cls))
            raise RegistryError(f"{cls.kind} {record.id!r} cannot be saved: {problems}.") from exc
        existing = self._records.get(record.id)
        if existing is not None and type(existing) is not cls:
            raise RegistryError(
                f"id {record.id!r} is already used by the {existing.kind} in "
                f"{self._rel(self._files[record.id])}; ids are unique across the registry."
            )
        if isinstance(record, Hypothesis) and isinstance(existing, Hypothesis):
            try:
                _check_moved(existing, record)
            except ValidationError as exc:
                raise RegistryError(str(exc)) from exc
        path = self.path / cls.folder / f"{record.id}.yaml"
        return record, path, to_yaml(record).encode("utf-8")

    def _write(self, prepared: tuple[Record, Path, bytes]) -> Path:
        record, path, data = prepared
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Edited from the bytes the registry knows (else written afresh), before the
            # lock: the lock is held for no longer than before, and the check under it
            # refuses the save if the file is no longer those bytes.
            data = self._edited(record, path, data)
            with _locked(self.path, self.lock_timeout):
                self._check_unchanged(path)
                self._check_id_free(record, path)
                _remove_temporaries(path.parent)
                _atomic_write(path, data)
        except OSError as exc:
            raise RegistryError(
                f"{_printable(str(path))} could not be saved: {_reason(exc, path)}. Nothing "
                "was changed on disk."
            ) from None
        self._hashes[path] = _digest(data)
        self._records[record.id] = record
        self._files[record.id] = path
        self.errors = [e for e in self.errors if e.path != path]
        return path

    def _edited(self, record: Record, path: Path, fresh: bytes) -> bytes:
        """What to write for ``record``: its file as it is, with the new values, or ``fresh``.

        The file is used only while it holds the bytes the registry read (their SHA-256);
        the save's check under the lock makes sure it still does. A file that the
        registry read as a record and that is not exactly what :func:`to_yaml` would
        write (it has comments, its keys in another order, values spelt another way) is
        updated in place by :func:`hypokit._yaml_edit.edited`, so that comments and the
        user's order survive the save; the result is read back, and used only when it
        reads as the record. Otherwise (a new file, a broken one, an untouched one)
        ``fresh``, the file :func:`to_yaml` writes.
        """
        stored = self._records.get(record.id)
        if stored is None or self._files.get(record.id) != path:
            return fresh
        try:
            fingerprint, raw, _ = _read_bounded(path)
        except OSError:
            return fresh
        if raw is None or fingerprint != self._hashes.get(path) or raw == to_yaml(stored).encode():
            return fresh
        new = record.to_dict()
        try:
            text = raw.decode("utf-8")
            _, old = _parse(text)  # within the limits, no duplicate keys: as it was read
            if not isinstance(old, dict):  # pragma: no cover - it was read as a record
                return fresh
            from hypokit._yaml_edit import edited, same

            data = edited(text, old, new).encode("utf-8")
            _, written = _parse(data.decode("utf-8"))
        except Exception:  # whatever fails here, the fresh file is right
            return fresh
        return data if len(data) <= MAX_FILE_BYTES and same(written, new) else fresh

    def save_conclusion(self, conclusion: RegistryConclusion) -> list[Path]:
        """Save a reviewed conclusion whole, and mark the learnings it contradicts.

        Writes the new learning, the learnings it contradicts, the experiment and the
        hypothesis. Every learning named in ``conclusion.learning.contradicts`` gains the new
        learning's id in its ``contradicted_by`` (its other fields are left as they are
        in the registry). Everything is checked before anything is written, so a bad
        conclusion writes nothing.

        Saving the same conclusion twice is safe and loses nothing: records already
        saved as they are in the conclusion are skipped, an id already in
        ``contradicted_by`` is not added again, and a record that changed since it was
        saved (the learning edited, the hypothesis archived) is never overwritten with
        the older draft: that is refused. The files are written learning first and
        hypothesis last, so that after an interruption the hypothesis is still running
        and the same call completes the rest.

        Args:
            conclusion: What :meth:`conclude` returned, reviewed and edited as needed.

        Returns:
            The files written, in order (empty when everything was saved already).

        Raises:
            RegistryError: A record is invalid; the learning's id is taken by a
                different learning; the hypothesis or experiment stored is already
                concluded differently; ``contradicts`` names an id that is not a
                learning of this registry; or a file changed on disk since it was read.
                Nothing is written then.
        """
        if not isinstance(conclusion, RegistryConclusion):
            raise RegistryError(
                f"conclusion == {conclusion!r}, must be what registry.conclude returned."
            )
        new = conclusion.learning
        todo: list[Record] = []
        if self._stored_differs(new, lambda _: False):
            todo.append(new)
        for old_id in new.contradicts:
            old = self._records.get(old_id)
            if not isinstance(old, Learning):
                what = "does not exist" if old is None else f"is a {old.kind.replace('_', ' ')}"
                raise RegistryError(
                    f"learning {new.id!r} contradicts {old_id!r}, which {what}: name a learning "
                    "of this registry in contradicts. Nothing was saved."
                )
            updated = old.contradicted(new.id)
            if updated is not old:
                todo.append(updated)
        if conclusion.experiment is not None and self._stored_differs(
            conclusion.experiment, lambda e: isinstance(e, Experiment) and e.status != "concluded"
        ):
            todo.append(conclusion.experiment)
        if self._stored_differs(
            conclusion.hypothesis, lambda h: isinstance(h, Hypothesis) and h.status == "running"
        ):
            todo.append(conclusion.hypothesis)
        prepared = [self._prepare(record) for record in todo]
        for _, path, _ in prepared:
            self._check_unchanged(path)
        return [self._write(p) for p in prepared]

    def _stored_differs(self, record: Record, replaceable: Callable[[Record], bool]) -> bool:
        """Whether ``record`` must be written: new, or replacing what it concludes.

        False when the registry holds it as it is. Raises when the stored copy differs
        and is not one the conclusion may replace (``replaceable``): it changed since.
        """
        stored = self._records.get(record.id)
        if stored is None or replaceable(stored):
            return True
        if stored == record:
            return False
        state = f" ({stored.status})" if isinstance(stored, Hypothesis | Experiment) else ""
        raise RegistryError(
            f"{stored.kind.replace('_', ' ')} {record.id!r}{state} in "
            f"{self._rel(self._files[record.id])} differs from this conclusion's: it was "
            "saved before and changed since, or the id is taken. Not overwriting it; "
            "nothing was saved. Conclude again, or give the draft another id."
        )

    def _check_id_free(self, record: Record, path: Path) -> None:
        """Refuse an id that a file of another kind holds on disk now (under the lock).

        Two registries read before either saved would each let their record take the
        id, leaving two files with one id.
        """
        for folder in FOLDERS:
            other = self.path / folder / f"{record.id}.yaml"
            if other != path and os.path.lexists(other):
                raise RegistryError(
                    f"id {record.id!r} is already used by {self._rel(other)}, saved since this "
                    "registry read the folder; ids are unique across the registry. Nothing "
                    f"was saved: call registry.reload(), then save the {record.kind} under "
                    "another id."
                )

    def _check_unchanged(self, path: Path) -> None:
        current, known = _fingerprint(path), self._hashes.get(path)
        if current == known:
            return
        rel = self._rel(path)
        if known is None:
            what = "was created on disk after this registry read the folder"
        elif current is None:
            what = "was deleted on disk since this registry read it"
        else:
            what = "changed on disk since this registry read it"
        raise RegistryError(
            f"{rel} {what} (by another process, a git command or an edit); saving would "
            "overwrite that. Call registry.reload(), apply your change again, then save."
        )

    def delete(self, record_id: str) -> None:
        """Delete a record's file. Learnings are never deleted: retire them instead.

        Records that link to it are not changed; :meth:`check` reports the links.

        Raises:
            RegistryError: It is a learning, does not exist, changed on disk, or cannot
                be deleted (the lock is not released in time, a read-only folder).
        """
        record = self.get(record_id)
        if isinstance(record, Learning):
            raise RegistryError(
                f"learning {record_id!r} cannot be deleted: learnings are kept, even expired "
                "ones. Retire it (registry.retire(id, as_of=...)) or let it expire."
            )
        path = self._files[record_id]
        try:
            with _locked(self.path, self.lock_timeout):
                self._check_unchanged(path)
                path.unlink()
                _sync_folder(path.parent)
        except OSError as exc:
            raise RegistryError(
                f"{_printable(str(path))} could not be deleted: {_reason(exc, path)}."
            ) from None
        del self._records[record_id], self._files[record_id], self._hashes[path]

    # ---------------------------------------------------------------- lifecycle
    def move(
        self,
        hypothesis_id: str,
        status: str,
        *,
        as_of: dt.date,
        experiment: str | None = None,
    ) -> Hypothesis:
        """Move a hypothesis through its lifecycle to ``status``, dated, and save it.

        The move passes through every status on the way (``idea`` → ``running`` records
        ``planned`` too), each dated ``as_of``; a move the lifecycle does not allow is
        refused naming the moves that are. Starting (``running``) also starts its
        experiment: the one named, or its only planned experiment (status ``running``,
        ``start`` = ``as_of``; a planned end, as :meth:`record_plan` writes it, keeps
        the planned duration from the actual start); archiving leaves experiments as
        they are. Concluding is :meth:`conclude`'s job.

        Returns:
            The hypothesis as saved.

        Raises:
            RegistryError: No such hypothesis, a move the lifecycle refuses, or a save
                that fails.

        Examples:
            >>> import datetime as dt, tempfile
            >>> import hypokit as hk
            >>> reg = hk.Registry(tempfile.mkdtemp())
            >>> _ = reg.save(hk.Hypothesis(id="x", change="c", metric="m",
            ...              expected_effect=0.1, time_frame_days=7))
            >>> reg.move("x", "running", as_of=dt.date(2026, 11, 2)).status
            'running'
        """
        h = self.get(hypothesis_id, Hypothesis)
        try:
            moved = h.move(status, as_of=as_of)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise RegistryError(str(exc)) from exc
        exp: Experiment | None = None
        if moved.status == "running" and h.status != "running":
            if experiment is not None:
                exp = self.get(experiment, Experiment)
            else:
                planned = [
                    e
                    for e in self.records(Experiment)
                    if e.hypothesis == h.id and e.status == "planned"
                ]
                exp = planned[0] if len(planned) == 1 else None
            exp = _started(exp, as_of) if exp is not None and exp.status == "planned" else None
        self.save(moved)
        if exp is not None:
            self.save(exp)
        return moved

    def record_plan(
        self,
        hypothesis_id: str,
        plan: SizingPlan | Sequence[PlanSegment | Mapping[str, Any]],
        *,
        experiment_id: str | None = None,
        as_of: dt.date | str,
        start: dt.date | str | None = None,
        data_source: str = "",
    ) -> Experiment:
        """Record a sizing plan on a hypothesis: its experiment, planned; the hypothesis planned.

        The experiment holds the plan's summary per segment (segment, units per arm and
        in total, days, MDE, power: :meth:`Experiment.plan_from`), status ``planned``.
        Given a ``start``, its ``start`` is that date and its ``planned_end`` the start
        plus the plan's days (the slowest segment's; none without traffic). The
        experiment is the one named, else the hypothesis's only planned experiment,
        else a new one, ``<hypothesis id>-test`` (``-test-2``, ... when taken). An
        experiment still planned is updated: its plan replaced, its start and end
        replanned when a ``start`` is given (else kept, the end following the new
        days), its data source replaced when one is given. A hypothesis that is an
        ``idea`` moves to ``planned``, dated ``as_of`` in its history; a planned one
        stays. Starting it (:meth:`move` to ``running``, the hypothesis form's Move,
        ``hypokit hypotheses start ID``) then starts this experiment.

        Both records are checked before either is written; the experiment is written
        first, so an interrupted call leaves the hypothesis unplanned and the same call
        completes it.

        Args:
            hypothesis_id: The hypothesis the plan tests.
            plan: A :class:`~hypokit.SizingPlan` (``hk.size(...)``, ``panel.plan``) or
                its per-segment summary.
            experiment_id: The experiment to create or update (see above).
            as_of: The date of the hypothesis's move to ``planned``.
            start: The planned first day of the experiment.
            data_source: Where the experiment's data will come from (a table, a query,
                a file).

        Returns:
            The experiment as saved (``registry.path_of(experiment.id)`` is its file).

        Raises:
            RegistryError: No such hypothesis; the hypothesis is running, concluded or
                archived (a plan is recorded before the experiment starts: move it back
                to planned first); the experiment named is running, concluded or
                stopped, tests another hypothesis, or is not an experiment; several
                planned experiments and none named; an empty plan; or a save that fails.
                Nothing is written then.

        Examples:
            >>> import datetime as dt, tempfile
            >>> import hypokit as hk
            >>> reg = hk.Registry(tempfile.mkdtemp())
            >>> _ = reg.save(hk.Hypothesis(id="express-pay", change="add express pay",
            ...     metric="converted", expected_effect=0.1, time_frame_days=14))
            >>> plan = hk.size(hk.Proportion(baseline={"new": 0.04, "returning": 0.11}),
            ...     mde=0.15, relative=True, traffic={"new": 1500, "returning": 900})
            >>> exp = reg.record_plan("express-pay", plan, as_of=dt.date(2026, 11, 22),
            ...                       start=dt.date(2026, 12, 1))
            >>> exp.id, exp.status, exp.units
            ('express-pay-test', 'planned', 47908)
            >>> exp.start, exp.planned_end  # the slowest segment needs 24 days
            (datetime.date(2026, 12, 1), datetime.date(2026, 12, 25))
            >>> reg.get("express-pay").status
            'planned'
            >>> reg.move("express-pay", "running", as_of=dt.date(2026, 12, 3)).status
            'running'
            >>> started = reg.get("express-pay-test")
            >>> started.status, started.start, started.planned_end
            ('running', datetime.date(2026, 12, 3), datetime.date(2026, 12, 27))
        """
        day = _as_of(as_of)
        first = None if start is None else _as_of(start)
        h = self.get(hypothesis_id, Hypothesis)
        if h.status not in ("idea", "planned"):
            back = (
                f"move it back to planned first (registry.move({h.id!r}, 'planned', as_of=...), "
                "or Move in the hypothesis form), then record the plan"
                if "planned" in TRANSITIONS.get(h.status, ())
                else "write a new hypothesis to test it again"
            )
            raise RegistryError(
                f"hypothesis {h.id!r} is {h.status}: a plan is recorded before its experiment "
                f"starts; {back}. Nothing was saved."
            )
        try:
            segments = _plan_segments(plan)
        except (pydantic.ValidationError, ValidationError, TypeError, ValueError) as exc:
            raise RegistryError(
                f"plan == {short_repr(plan)}: not a sizing plan ({exc}); pass what hk.size "
                "returned. Nothing was saved."
            ) from None
        if not segments:
            raise RegistryError("the plan has no segments. Nothing was saved.")
        exp = self._plan_experiment(h, experiment_id)
        days = _plan_days(segments)
        update: dict[str, Any] = {"plan": segments, "status": "planned"}
        if data_source:
            update["data_source"] = data_source
        begin = first if first is not None else (exp.start if exp is not None else None)
        if begin is not None:
            update["start"] = begin
            if days is not None:
                update["planned_end"] = begin + dt.timedelta(days=days)
        if exp is None:
            data = {"id": experiment_id or self._new_experiment_id(h.id), "hypothesis": h.id}
        else:
            data = exp.to_dict()
        try:
            exp = Experiment.model_validate({**data, **update}, context=self._context)
        except pydantic.ValidationError as exc:
            problems = "; ".join(m for _, m in describe_errors(exc, Experiment))
            raise RegistryError(
                f"experiment {data['id']!r} cannot be saved: {problems}. Nothing was saved."
            ) from None
        todo: list[Record] = [exp]
        if h.status == "idea":
            todo.append(h.move("planned", as_of=day))
        prepared = [self._prepare(record) for record in todo]
        for _, path, _ in prepared:
            self._check_unchanged(path)
        for p in prepared:
            self._write(p)
        return exp

    def _plan_experiment(self, h: Hypothesis, experiment_id: str | None) -> Experiment | None:
        """The experiment a plan updates: named, or the only planned one; None: a new one."""
        if experiment_id is not None:
            found = self._records.get(experiment_id)
            if found is None:
                return None
            if not isinstance(found, Experiment):
                raise RegistryError(
                    f"id {experiment_id!r} is already used by the {found.kind.replace('_', ' ')} "
                    f"in {self._rel(self._files[experiment_id])}; name the experiment otherwise. "
                    "Nothing was saved."
                )
            if found.hypothesis != h.id:
                raise RegistryError(
                    f"experiment {found.id!r} tests hypothesis {found.hypothesis!r}, not "
                    f"{h.id!r}; name another experiment. Nothing was saved."
                )
            if found.status != "planned":
                since = f" since {found.start}" if found.start and found.status == "running" else ""
                raise RegistryError(
                    f"experiment {found.id!r} ({self._rel(self._files[found.id])}) is "
                    f"{found.status}{since}: its plan is what it was run with and is not "
                    "changed. Record the new plan on another experiment id. Nothing was saved."
                )
            return found
        planned = [
            e for e in self.records(Experiment) if e.hypothesis == h.id and e.status == "planned"
        ]
        if len(planned) > 1:
            names = ", ".join(repr(e.id) for e in planned)
            raise RegistryError(
                f"hypothesis {h.id!r} has {len(planned)} planned experiments ({names}): name the "
                "one to record the plan on (experiment_id=...). Nothing was saved."
            )
        return planned[0] if planned else None

    def _new_experiment_id(self, hypothesis_id: str) -> str:
        base = f"{hypothesis_id}-test"
        candidate, n = base, 1
        while candidate in self._records or self._on_disk(candidate):
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _on_disk(self, record_id: str) -> bool:
        return any(os.path.lexists(self.path / f / f"{record_id}.yaml") for f in FOLDERS)

    # ---------------------------------------------------------------- the loop
    def status(self, as_of: dt.date | str | None = None) -> Board:
        """The board of the loop: every hypothesis by stage under its key result, and what next.

        Stages are idea, planned, running, concluded and archived; the next action is
        to size, plan, start, monitor or analyse it, or to record or review its
        learning (see :func:`hypokit._status.board`). ``hypokit status`` prints it and
        ``hypokit.widgets.Board`` shows it with a button per action.

        Args:
            as_of: The day to judge on (None: today): it decides overdue experiments
                and learnings due for review.
        """
        from hypokit._status import board

        return board(self, as_of=_as_of(as_of))

    # ---------------------------------------------------------------- learnings
    def renew(self, learning_id: str, until: dt.date, *, as_of: dt.date) -> Learning:
        """Renew a learning until ``until`` (checked again on ``as_of``) and save it."""
        learning = self.get(learning_id, Learning)
        try:
            renewed = learning.renew(until, as_of=as_of)
        except ValidationError as exc:
            raise RegistryError(str(exc)) from exc
        self.save(renewed)
        return renewed

    def retire(self, learning_id: str, *, as_of: dt.date) -> Learning:
        """Retire a learning on ``as_of`` and save it (it stays in the registry)."""
        learning = self.get(learning_id, Learning)
        try:
            retired = learning.retire(as_of=as_of)
        except ValidationError as exc:
            raise RegistryError(str(exc)) from exc
        self.save(retired)
        return retired

    def _contradicted(self, as_of: dt.date) -> dict[str, list[str]]:
        """Learning id → ids of the learnings that contradict it on ``as_of``.

        Either side counts: a learning's ``contradicts``, or the ``contradicted_by`` of
        the learning contradicted. A contradicting learning counts once recorded (on or
        before ``as_of``) and until retired; one that is not in the registry (a
        dangling link, reported as such) counts too, since its date is unknown.
        """
        learnings = {x.id: x for x in self.records(Learning)}

        def counts(learning_id: str) -> bool:
            x = learnings.get(learning_id)
            return x is None or (x.recorded <= as_of and x.status(as_of) != "retired")

        out: dict[str, list[str]] = {}
        for learning in learnings.values():
            pairs = [(other, learning.id) for other in learning.contradicts]
            pairs += [(learning.id, by) for by in learning.contradicted_by]
            for contradicted, by in pairs:
                if counts(by) and by not in out.setdefault(contradicted, []):
                    out[contradicted].append(by)
        return {k: sorted(v) for k, v in out.items() if v}

    def learnings(
        self,
        expired: bool | None = None,
        as_of: dt.date | None = None,
        due_within: int | None = None,
        segment: str | None = None,
    ) -> pd.DataFrame:
        """The learnings as a table, with their status on ``as_of``.

        Args:
            expired: True keeps only expired learnings; False leaves them out.
            as_of: The date to judge on. None means today: pass a date in notebooks,
                tests and CI for reproducible output.
            due_within: The review window in days (default 30). When given, keeps only
                learnings due for review within it; with ``expired=True``, keeps both
                (the learnings that need attention).
            segment: Keeps only learnings about this segment.

        Returns:
            One row per learning, soonest expiry first, with the columns ``id, title,
            status, recorded, expires, days_left, decision, segments, evidence,
            objective, hypothesis, learned, contradicted_by, file``.
            ``contradicted_by`` names the learnings that contradict it on ``as_of``
            (see :meth:`conclude`). ``status`` is :meth:`Learning.status
            <hypokit.Learning.status>`, except that a learning still in force (active,
            due for review, revalidated) shows ``"contradicted"`` when it is
            contradicted; an expired, superseded or retired one keeps that status. The
            filters read the learning's own status (a contradicted learning due for
            review is kept by ``due_within``).
        """
        import pandas as pd

        day = _as_of(as_of)
        window = (
            DEFAULT_DUE_WITHIN
            if due_within is None
            else check_int_at_least("due_within", due_within, 0)
        )
        contradicted = self._contradicted(day)
        rows = []
        for item in sorted(self.records(Learning), key=lambda x: (x.expires, x.id)):
            status = item.status(day, due_within=window)
            if segment is not None and segment not in item.segments:
                continue
            if expired is False and status == "expired":
                continue
            if expired is True or due_within is not None:
                wanted = (expired is True and status == "expired") or (
                    due_within is not None and status == "due for review"
                )
                if not wanted:
                    continue
            shown: str = status
            if item.id in contradicted and status in ("active", "due for review", "revalidated"):
                shown = "contradicted"
            rows.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "status": shown,
                    "recorded": item.recorded,
                    "expires": item.expires,
                    "days_left": item.days_left(day),
                    "decision": item.decision,
                    "segments": ", ".join(item.segments),
                    "evidence": ", ".join(dict.fromkeys(e.kind for e in item.evidence)),
                    "objective": item.context.objective,
                    "hypothesis": item.hypothesis,
                    "learned": item.learned,
                    "contradicted_by": ", ".join(contradicted.get(item.id, [])),
                    "file": self._rel(self._files[item.id]),
                }
            )
        columns = [
            "id", "title", "status", "recorded", "expires", "days_left", "decision",
            "segments", "evidence", "objective", "hypothesis", "learned", "contradicted_by",
            "file",
        ]  # fmt: skip
        return pd.DataFrame.from_records(rows, columns=columns)

    # ---------------------------------------------------------------- hypotheses
    def hypotheses(self, status: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The hypotheses as a table (optionally only those in ``status``).

        Returns:
            One row per hypothesis, by id, with the columns ``id, title, status,
            metric, key_result, segments, expected_effect, time_frame_days, ice, rice,
            evi, learnings, statement, file``.
        """
        import pandas as pd

        wanted = {status} if isinstance(status, str) else None if status is None else set(status)
        rows = []
        for h in self.records(Hypothesis):
            if wanted is not None and h.status not in wanted:
                continue
            rows.append(
                {
                    "id": h.id,
                    "title": h.title,
                    "status": h.status,
                    "metric": h.metric,
                    "key_result": h.key_result,
                    "segments": ", ".join(c.segment for c in h.ordered_criteria),
                    "expected_effect": f"{'+' if h.direction == 'increase' else '-'}"
                    f"{h.effect_text}",
                    "time_frame_days": h.time_frame_days,
                    "ice": h.ice_score,
                    "rice": h.rice_score,
                    "evi": h.evi_score,
                    "learnings": ", ".join(h.learnings),
                    "statement": h.statement,
                    "file": self._rel(self._files[h.id]),
                }
            )
        columns = [
            "id", "title", "status", "metric", "key_result", "segments", "expected_effect",
            "time_frame_days", "ice", "rice", "evi", "learnings", "statement", "file",
        ]  # fmt: skip
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for col in ("ice", "rice", "evi"):
            frame[col] = frame[col].astype("float64")
        return frame

    def prioritize(
        self, by: Score = "ice", *, status: Sequence[str] = ("idea", "planned")
    ) -> pd.DataFrame:
        """Rank the hypotheses still to test (see :func:`hypokit._records.prioritize`)."""
        return prioritize([h for h in self.records(Hypothesis) if h.status in status], by=by)

    def conclude(
        self,
        hypothesis_id: str,
        result: AnalysisResult,
        *,
        as_of: dt.date,
        experiment: str | None = None,
        variant: str | None = None,
    ) -> RegistryConclusion:
        """Conclude a hypothesis on an analysis; return drafts to review, then save.

        Like :meth:`Hypothesis.conclude`, with the registry's shelf life, the
        objective of the hypothesis's key result as the learning's context, and the
        experiment (the one named, or else the hypothesis's only running experiment)
        concluded with the same verdicts and cited in the learning's evidence.

        The draft learning's ``contradicts`` lists the earlier learnings its evidence
        contradicts (:func:`~hypokit._records.contradicted_learnings`), among the
        learnings about the same change: those the hypothesis cites, and those that
        conclude a hypothesis whose ``change`` is the same text, ignoring case, runs of
        whitespace and a trailing full stop (:func:`~hypokit._records.same_change`).
        An earlier learning is contradicted when it has evidence on the same metric in
        the same segment whose effect the new interval puts entirely on the other side
        of zero, significant after the analysis's correction (see
        :func:`~hypokit._records.evidence_contradicts`).

        Save the reviewed drafts with :meth:`save_conclusion` (one call, safe to
        repeat), which also records the contradiction on the earlier learnings
        (``contradicted_by``).

        Examples:
            >>> import datetime as dt, tempfile
            >>> import pandas as pd
            >>> import hypokit as hk
            >>> folder = tempfile.TemporaryDirectory()
            >>> registry = hk.Registry(folder.name)
            >>> _ = registry.save(hk.Learning(
            ...     id="reorder-works", believed="one-click reorder helps",
            ...     observed="+9% reorders", learned="returning customers reorder more",
            ...     decision="persevere", recorded=dt.date(2026, 5, 4),
            ...     evidence=[hk.Evidence(metric="converted", segment="returning",
            ...                           effect=0.09, ci_low=0.02, ci_high=0.16)]))
            >>> _ = registry.save(hk.Hypothesis(
            ...     id="reorder-again", change="offer one-click reorder", metric="converted",
            ...     expected_effect=0.05, time_frame_days=14, status="running",
            ...     learnings=["reorder-works"],
            ...     criteria=[hk.SegmentCriteria(segment="returning")]))
            >>> data = pd.DataFrame({"variant": ["control"] * 3000 + ["variant"] * 3000,
            ...     "segment": "returning",
            ...     "converted": [1] * 600 + [0] * 2400 + [1] * 512 + [0] * 2488})
            >>> result = hk.analyze(data, variant="variant", control="control",
            ...     segments="segment", metrics=[hk.Proportion("converted")])
            >>> drafts = registry.conclude("reorder-again", result, as_of=dt.date(2026, 11, 10))
            >>> drafts.learning.contradicts
            ('reorder-works',)
            >>> [p.name for p in registry.save_conclusion(drafts)]
            ['reorder-again-2026-11-10.yaml', 'reorder-works.yaml', 'reorder-again.yaml']
            >>> registry.get("reorder-works").contradicted_by
            ('reorder-again-2026-11-10',)
            >>> registry.save_conclusion(drafts)  # saved already: nothing to write
            []
            >>> folder.cleanup()
        """
        h = self.get(hypothesis_id, Hypothesis)
        exp: Experiment | None = None
        if experiment is not None:
            exp = self.get(experiment, Experiment)
        else:
            running = [
                e
                for e in self.records(Experiment)
                if e.hypothesis == h.id and e.status == "running"
            ]
            exp = running[0] if len(running) == 1 else None
        objective = None
        if h.key_result and h.key_result in self._records:
            kr = self._records[h.key_result]
            objective = kr.objective if isinstance(kr, KeyResult) else None
        same = {x.id for x in self.records(Hypothesis) if same_change(x.change, h.change)}
        earlier = [x for x in self.records(Learning) if x.id in h.learnings or x.hypothesis in same]
        concluded, learning = h.conclude(
            result,
            as_of=as_of,
            variant=variant,
            experiment=None if exp is None else exp.id,
            objective=objective,
            shelf_life=self.shelf_life,
            earlier=earlier,
        )
        if exp is not None:
            exp = exp.conclude(concluded.verdicts, as_of=as_of)
        return RegistryConclusion(concluded, learning, exp)

    # ---------------------------------------------------------------- OKRs
    def record_progress(
        self,
        key_result: str,
        value: float | AnalysisResult,
        *,
        as_of: dt.date | str,
        segment: str | None = None,
        variant: str | None = None,
        source: str | None = None,
    ) -> KeyResult:
        """Record a key result's current value and save it; return the key result.

        By hand, ``value`` is the metric's measured value (``source`` says where it
        was read: a dashboard, a query). From an analysis, the current value is
        :meth:`KeyResult.value_from <hypokit.KeyResult.value_from>`: the baseline
        moved by the effect of shipping the tested variant, weighted by the segment's
        share of the key result's population (see :meth:`KeyResult.progress_from
        <hypokit.KeyResult.progress_from>`). That is an estimate of where the metric
        stands once the variant ships, not a reading of the live metric; ``source``
        (default: a note naming the variant, segment and share) says so in the file.

        Args:
            key_result: The key result's id.
            value: A number, or an :class:`~hypokit.AnalysisResult`.
            as_of: The date of the measurement (a date or ``"YYYY-MM-DD"``).
            segment: From an analysis: the segment's row (default: the key result's
                segment, or ``"(all)"``).
            variant: From an analysis: the variant (needed when it has several).
            source: Where the value comes from: an experiment or hypothesis id, or a
                note.

        Raises:
            RegistryError: No such key result, or it cannot be saved.
            ValidationError: ``as_of`` is not a date; ``segment`` or ``variant`` given
                with a number; or the analysis cannot give this key result's value (see
                :meth:`KeyResult.progress_from <hypokit.KeyResult.progress_from>`).

        Examples:
            >>> import datetime as dt, tempfile
            >>> import hypokit as hk
            >>> folder = tempfile.TemporaryDirectory()
            >>> registry = hk.Registry(folder.name)
            >>> _ = registry.save(hk.Objective(id="checkout", title="Effortless checkout"))
            >>> _ = registry.save(hk.KeyResult(id="kr-conversion", objective="checkout",
            ...     metric="converted", baseline=0.075, target=0.085,
            ...     deadline=dt.date(2026, 12, 31)))
            >>> kr = registry.record_progress("kr-conversion", 0.0785,
            ...     as_of=dt.date(2026, 11, 10), source="finance dashboard")
            >>> round(kr.current_progress, 2)
            0.35
            >>> registry.okr()[["key_result", "current", "measured", "progress"]]
                  key_result  current    measured  progress
            0  kr-conversion   0.0785  2026-11-10      0.35
            >>> folder.cleanup()
        """
        if as_of is None:
            raise ValidationError("as_of == None, must be the date of the measurement.")
        day = _as_of(as_of)
        kr = self.get(key_result, KeyResult)
        if not hasattr(value, "variants"):  # a number, checked by KeyResult.measure
            if segment is not None or variant is not None:
                raise ValidationError(
                    "segment and variant choose an analysis's row; value is a number "
                    f"({value!r}): leave them out."
                )
            updated = kr.measure(value, as_of=day, source=source or "")
        else:
            from hypokit._analysis import AnalysisResult  # loaded already if value is one

            if not isinstance(value, AnalysisResult):
                raise ValidationError(
                    f"value == {value!r}, must be a number or an AnalysisResult (hk.analyze)."
                )
            effect, share = kr.shipped(value, segment=segment, variant=variant)
            if source is None:
                seg = segment or kr.segment or ALL_SEGMENTS
                var = variant or value.variants[0]
                weight = "" if share == 1 else f", {share:.1%} of the units"
                source = (
                    f"analysis: {var!r} against {value.control!r} shipped to {seg}{weight}, "
                    f"effect {effect:+.4g}"
                )
            updated = kr.measure(kr.baseline + share * effect, as_of=day, source=source)
        self.save(updated)
        return updated

    def okr(self) -> pd.DataFrame:
        """Objectives and their key results, with the hypotheses that serve each.

        Returns:
            One row per key result (an objective without key results gets one row),
            with the columns ``objective, objective_title, objective_status,
            key_result, title, metric, baseline, target, deadline, current, measured,
            progress, source, hypotheses, running``. ``current``, ``measured`` and
            ``source`` are the key result's last recorded value
            (:meth:`record_progress`); ``progress`` is the share of the way from
            baseline to target it covers (:meth:`KeyResult.progress
            <hypokit.KeyResult.progress>`: 0 at the baseline, 1 at the target); they
            are empty (NaN, None) until a value is recorded.
        """
        import pandas as pd

        hypotheses = self.records(Hypothesis)
        krs = self.records(KeyResult)
        rows = []
        for o in self.records(Objective):
            mine: list[KeyResult | None] = [k for k in krs if k.objective == o.id]
            mine = mine or [None]
            for k in mine:
                serving = [h for h in hypotheses if k is not None and h.key_result == k.id]
                rows.append(
                    {
                        "objective": o.id,
                        "objective_title": o.title,
                        "objective_status": o.status,
                        "key_result": None if k is None else k.id,
                        "title": None if k is None else k.title,
                        "metric": None if k is None else k.metric,
                        "baseline": None if k is None else k.baseline,
                        "target": None if k is None else k.target,
                        "deadline": None if k is None else k.deadline,
                        "current": None if k is None else k.current,
                        "measured": None if k is None else k.measured,
                        "progress": None if k is None else k.current_progress,
                        "source": None if k is None else k.source or None,
                        "hypotheses": len(serving),
                        "running": sum(h.status == "running" for h in serving),
                    }
                )
        columns = [
            "objective", "objective_title", "objective_status", "key_result", "title",
            "metric", "baseline", "target", "deadline", "current", "measured", "progress",
            "source", "hypotheses", "running",
        ]  # fmt: skip
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for col in ("current", "progress"):
            frame[col] = frame[col].astype("float64")
        return frame

    def impact_map(
        self, objective: str | None = None, *, include_closed: bool = False
    ) -> ImpactMap:
        """The impact map of one objective, or of all (see :func:`hypokit._impact.impact_map`).

        Without ``objective``, every objective is shown (hypotheses without a key
        result under ``"(no objective)"``).
        """
        objectives = (
            [self.get(objective, Objective)] if objective is not None else self.records(Objective)
        )
        hypotheses = self.records(Hypothesis)
        if objective is not None:
            krs = {k.id for k in self.records(KeyResult) if k.objective == objective}
            hypotheses = [h for h in hypotheses if h.key_result in krs]
        return impact_map(
            objectives, self.records(KeyResult), hypotheses, include_closed=include_closed
        )

    # ---------------------------------------------------------------- checks
    def _where(self, record: Record) -> str:
        return (
            f"{record.kind.replace('_', ' ')} {record.id!r} ({self._rel(self._files[record.id])})"
        )

    def check(self, as_of: dt.date | None = None) -> list[Finding]:
        """Find problems in the registry on ``as_of``.

        Findings (``Finding.kind``), each a warning naming the records and files:

        * ``unreadable_file``: a file that could not be read (see :attr:`errors`).
        * ``dangling_link``: a link to an id that does not exist, or to a record of
          the wrong kind.
        * ``expired_learning``: an open hypothesis (idea, planned, running) cites an
          expired learning.
        * ``contradicted_learning``: an open hypothesis cites a learning that a later
          learning contradicts (its ``contradicts``, or the cited learning's
          ``contradicted_by``), or that was superseded or retired; reported even when
          the learning has also expired.
        * ``inactive_objective``: a learning still in force whose objective is no
          longer active (not ``active``, or past its end).
        * ``overdue_experiment``: a running experiment past its planned end.
        * ``missing_learning``: a concluded experiment that no learning cites (in its
          evidence, or as a learning of its hypothesis recorded after it started).
        * ``uniform_criteria``: a hypothesis expecting the same outcome in several
          segments with one set of criteria: identical criteria in every segment, or
          criteria for everyone only while its experiment is sized per segment.

        Args:
            as_of: The date to judge on. None means today (pass a date in tests and CI).

        Returns:
            The findings, empty when all is well.
        """
        day = _as_of(as_of)
        out: list[Finding] = [
            Finding("unreadable_file", str(e), severity="warning") for e in self.errors
        ]
        out += self._check_links()
        learnings = {x.id: x for x in self.records(Learning)}
        contradicted = self._contradicted(day)
        for h in self.records(Hypothesis):
            if not h.is_open:
                continue
            for lid in h.learnings:
                learning = learnings.get(lid)
                if learning is None:
                    continue
                status = learning.status(day)
                if status == "expired":
                    out.append(
                        Finding(
                            "expired_learning",
                            f"{self._where(h)} is {h.status} and cites learning {lid!r}, "
                            f"which expired on {learning.expires}: check it again "
                            f"(registry.renew) or stop relying on it.",
                            severity="warning",
                        )
                    )
                if lid in contradicted or status in ("superseded", "retired"):
                    if lid in contradicted:
                        why = f"is contradicted by {', '.join(map(repr, contradicted[lid]))}"
                    elif status == "superseded":
                        why = f"was superseded by {learning.superseded_by!r}"
                    else:
                        why = f"was retired on {learning.retired}"
                    out.append(
                        Finding(
                            "contradicted_learning",
                            f"{self._where(h)} is {h.status} and cites learning {lid!r}, "
                            f"which {why}: revisit the reasoning.",
                            severity="warning",
                        )
                    )
        objectives = {o.id: o for o in self.records(Objective)}
        for learning in learnings.values():
            obj = objectives.get(learning.context.objective or "")
            in_force = learning.status(day) in ("active", "due for review", "revalidated")
            if obj is not None and in_force and not obj.is_active(day):
                state = obj.status if obj.status != "active" else f"ended on {obj.end}"
                out.append(
                    Finding(
                        "inactive_objective",
                        f"{self._where(learning)} is about objective {obj.id!r}, which is "
                        f"{state}: check that the learning still holds, or retire it.",
                        severity="warning",
                    )
                )
        experiments = self.records(Experiment)
        for e in experiments:
            if e.is_overdue(day):
                days = (day - e.planned_end).days if e.planned_end else 0
                out.append(
                    Finding(
                        "overdue_experiment",
                        f"{self._where(e)} is still running {days} day(s) after its planned "
                        f"end ({e.planned_end}): analyse it and conclude, or extend the plan.",
                        severity="warning",
                    )
                )
        for e in experiments:
            if e.status != "concluded":
                continue
            cited = any(
                e.id in ev.experiments for x in learnings.values() for ev in x.evidence
            ) or any(
                x.hypothesis == e.hypothesis and (e.start is None or x.recorded >= e.start)
                for x in learnings.values()
            )
            if not cited:
                out.append(
                    Finding(
                        "missing_learning",
                        f"{self._where(e)} is concluded but no learning records what it "
                        "taught: write one (registry.conclude drafts it).",
                        severity="warning",
                    )
                )
        out += self._check_criteria(experiments)
        return out

    def _check_links(self) -> list[Finding]:
        out = []
        for record in self:
            for field, target, kind in record.links():
                found = self._records.get(target)
                if found is None:
                    problem = "does not exist"
                elif found.kind != kind:
                    problem = f"is a {found.kind.replace('_', ' ')}, not a {kind.replace('_', ' ')}"
                else:
                    continue
                out.append(
                    Finding(
                        "dangling_link",
                        f"{self._where(record)}: {field} {target!r} {problem}.",
                        severity="warning",
                    )
                )
        return out

    def _check_criteria(self, experiments: list[Experiment]) -> list[Finding]:
        out = []
        for h in self.records(Hypothesis):
            if h.status == "archived":
                continue
            criteria = h.ordered_criteria
            segments = [c.segment for c in criteria]
            if len(criteria) >= 2 and all(c.same_as(criteria[0]) for c in criteria[1:]):
                out.append(
                    Finding(
                        "uniform_criteria",
                        f"{self._where(h)} expects the same outcome in {', '.join(segments)} "
                        "with one set of criteria. Segments differ in baseline, traffic and "
                        "effect: give each its own minimum effect and guardrails, or say "
                        "why they are the same.",
                        metric=h.metric,
                        severity="warning",
                    )
                )
                continue
            if set(segments) <= {ALL_SEGMENTS}:
                sized = sorted(
                    {
                        p.segment
                        for e in experiments
                        if e.hypothesis == h.id
                        for p in e.plan
                        if p.segment != ALL_SEGMENTS
                    }
                )
                if len(sized) >= 2:
                    out.append(
                        Finding(
                            "uniform_criteria",
                            f"{self._where(h)} is tested in segments {', '.join(sized)} but "
                            "has one set of criteria for everyone: the average can hide a "
                            "segment that loses. Give each segment its own criteria.",
                            metric=h.metric,
                            severity="warning",
                        )
                    )
        return out
