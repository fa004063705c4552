"""Update a record file's text in place, keeping its comments and its key order.

The registry reads files with PyYAML (fast, on libyaml); only the file being saved is
read again here, with ruamel.yaml's round-trip mode, which keeps comments, key order,
quoting and the layout of values. Its values are then changed to the record's new data:

* a key whose value is unchanged (as PyYAML reads it) keeps its text and comments;
* a changed value is replaced; mappings and lists are updated item by item, so that
  the comments on the items that did not change stay where they are;
* a key the record no longer has is removed; a new key is appended, in the record's
  field order.

Round-trip mode constructs no objects of the file's choosing (mappings, lists and
scalars only: an unknown tag stays a tagged value), and the registry passes only text
it has already read through its own limits (size, depth, aliases, values, duplicate
keys). The registry also reads the result back and writes a fresh file instead when it
does not read as the record: a comment is never kept at the price of a value.
"""

from __future__ import annotations

import difflib
import io
import math
import warnings
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

__all__ = ["edited", "same"]

_PYYAML_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


class _New(str):
    """Text of the record's new data: written as :func:`hypokit._registry.to_yaml` would."""

    __slots__ = ()


class _NewFloat(float):
    """A number of the record's new data, written as PyYAML writes it (``1.0e-05``)."""

    __slots__ = ()


def _represent_new(representer: RoundTripRepresenter, value: _New) -> Any:
    text = str(value)
    if "\n" in text:
        style: str | None = "|"
    elif _PYYAML_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR:  # type: ignore[no-untyped-call]
        style = "'"  # PyYAML (YAML 1.1) would read it plain as another type: yes, 1_000, ...
    else:
        style = None
    return representer.represent_scalar(_STR, text, style=style)


def _represent_float(representer: RoundTripRepresenter, value: _NewFloat) -> Any:
    number = float(value)
    if math.isnan(number):
        text = ".nan"
    elif math.isinf(number):
        text = ".inf" if number > 0 else "-.inf"
    else:
        text = repr(number).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


class _Representer(RoundTripRepresenter):
    pass


_Representer.add_representer(_New, _represent_new)
_Representer.add_representer(_NewFloat, _represent_float)


def same(a: Any, b: Any) -> bool:
    """Whether two plain values are equal and of the same types (``1`` is not ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _fresh(value: Any) -> Any:
    """A new value, in the types that make ruamel.yaml write it as the registry does."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _fresh(v)
        return mapping
    if isinstance(value, list):
        return CommentedSeq(_fresh(v) for v in value)
    if isinstance(value, str):
        return _New(value)
    if isinstance(value, float):
        return _NewFloat(value)
    return value


def _key(value: Any) -> str:
    """A comparable key for a list item: equal keys for values that are :func:`same`."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_key(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_key, value)) + "]"
    return f"{type(value).__name__}:{value!r}"


def _merge(node: Any, old: Any, new: Any) -> Any:
    """``node`` (the round-trip value that PyYAML read as ``old``) changed to ``new``."""
    if same(old, new):
        return node
    if isinstance(node, CommentedMap) and isinstance(old, dict) and isinstance(new, dict):
        if set(node) != set(old):  # keys read differently by the two readers: start afresh
            return _fresh(new)
        for k in [k for k in node if k not in new]:
            del node[k]
        for k, v in new.items():
            node[k] = _merge(node[k], old[k], v) if k in node else _fresh(v)
        return node
    if isinstance(node, CommentedSeq) and isinstance(old, list) and isinstance(new, list):
        if len(node) != len(old):  # pragma: no cover - both read the same text
            return _fresh(new)
        matcher = difflib.SequenceMatcher(None, [_key(v) for v in old], [_key(v) for v in new])
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal":
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for k in range(paired):
                node[i1 + k] = _merge(node[i1 + k], old[i1 + k], new[j1 + k])
            for i in reversed(range(i1 + paired, i2)):
                del node[i]
            for k, j in enumerate(range(j1 + paired, j2)):
                node.insert(i1 + paired + k, _fresh(new[j]))
        return node
    return _fresh(new)


def _yaml(text: str) -> YAML:
    """A round-trip reader and writer, indenting lists as ``text`` does."""
    rt = YAML(typ="rt", pure=True)
    rt.Representer = _Representer
    rt.width = 88
    rt.allow_unicode = True
    rt.preserve_quotes = True
    offset = 2  # to_yaml's layout: "key:\n  - item"
    for line, following in zip(text.splitlines(), text.splitlines()[1:], strict=False):
        stripped = following.lstrip(" ")
        if line.rstrip().endswith(":") and stripped.startswith("- "):
            offset = len(following) - len(stripped) - (len(line) - len(line.lstrip(" ")))
            break
    offset = offset if offset in (0, 2, 4) else 2
    rt.indent(mapping=2, sequence=offset + 2, offset=offset)
    return rt


def edited(text: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """``text``, whose data PyYAML reads as ``old``, with its values changed to ``new``.

    Args:
        text: The file as it is, already read through the registry's limits.
        old: Its data as the registry reads it (PyYAML's safe loader).
        new: The record's data in field order (``Record.to_dict()``).

    Raises:
        Exception: Whatever ruamel.yaml raises on text it cannot keep; the caller then
            writes a fresh file.
    """
    rt = _yaml(text)
    with warnings.catch_warnings():  # a reused anchor, ...: the text was read already
        warnings.simplefilter("ignore")
        document = rt.load(text)
        if not isinstance(document, CommentedMap):
            raise ValueError("not a mapping")
        result = _merge(document, old, new)
        out = io.StringIO()
        rt.dump(result, out)
    return out.getvalue()
