"""Arm labels: the values of the variant column, kept as the data holds them.

A variant column holds text, integers or booleans (or floats: pandas stores integers
with a missing value as floats). hypokit keeps every label as the Python value the data
holds, the same on every engine: ``0`` stays an ``int``, ``True`` a ``bool``,
``"control"`` a ``str``. (SQLite has no boolean type: a column declared ``BOOLEAN``
comes back as 0/1 and is read as False/True; an ``INTEGER`` column stays integers.)

The rules:

* A column holds labels of one type. A column that mixes types (a pandas object column
  with ``1`` and ``"1"``, or ``True`` and ``1``) is refused, naming the labels: such
  labels print or compare alike, and no analysis should guess which arm is which.
* Labels are sorted within their type: text in code-point order, numbers by value
  (``2`` before ``10``), ``False`` before ``True``.
* A label given by the user (``control=``, ``variant=`` of ``result.row`` and
  ``result.verdict``, the keys of ``allocation``) must be of the column's type: text
  for text, a number for numbers (``1`` finds ``1.0``), ``True``/``False`` for
  booleans. Another type is refused with a message naming the column, its type and its
  labels: text is never compared with numbers, nor booleans with 0 and 1.
* The command line has only text (:class:`LabelText`): it is matched against the
  labels' printed forms (``"0"`` finds ``0``, ``"True"`` or ``"true"`` finds ``True``)
  and refused when it matches several.

Segment labels are text: a segment is the tuple of its columns' values as text (as SQL's
``CAST(... AS VARCHAR)`` writes them; ``None`` for a missing value), shown as one label
(:func:`segment_label`) that can be read back (:func:`segment_values`):

* the values are joined by ``" / "``: ``("DE", "ios")`` is ``DE / ios``;
* a missing value is ``(missing)``, unquoted; the whole population is ``(all)``;
* a value is put in double quotes (a double quote in it doubled) when it could be
  mistaken for something else: when it is empty, is ``(missing)`` or ``(all)``,
  contains a double quote or a slash next to a space, or begins or ends with a space.
  ``("x / y", "z")`` is ``"x / y" / z`` and ``("x", "y / z")`` is ``x / "y / z"``; a
  value ``(all)`` is ``"(all)"``, never the whole population.

Every other value is its own label, so ``segments="country"`` gives ``DE``, ``FR``.
A segment column whose values print alike as text (a pandas object column with ``1``
and ``"1"``, or ``True`` and ``"true"``) is refused, naming them (:func:`check_segment`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np

from hypokit._errors import DataError, ValidationError

__all__ = [
    "ALL",
    "MISSING",
    "SEPARATOR",
    "Label",
    "LabelText",
    "check_label",
    "check_one_type",
    "check_segment",
    "find_keys",
    "find_label",
    "find_segment",
    "kind",
    "label_of",
    "listing",
    "needs_quotes",
    "segment_label",
    "segment_values",
    "sort_labels",
    "sql_text",
]

#: The label of the whole population.
ALL = "(all)"
#: How a missing segment value is shown.
MISSING = "(missing)"
#: What joins the values of several segment columns into one label.
SEPARATOR = " / "

#: An arm label as the data holds it: ``str``, ``int`` or ``bool`` (``float`` from pandas
#: integers with missing values). Typed ``Any`` for the type checker, because labels pass
#: through code that annotates them as ``str``; narrow it once that code says ``Label``.
Label: TypeAlias = Any

_ARTICLE = {"text": "a string", "integer": "an integer", "float": "a float", "boolean": "a boolean"}
_PLURAL = {"text": "strings", "integer": "integers", "float": "floats", "boolean": "booleans"}

#: At most this many labels are listed in a message.
_SHOWN = 10


class LabelText(str):
    """A label typed as text (on the command line), matched by its printed form.

    ``hk.analyze(..., control=LabelText("0"))`` finds the label ``0`` in an integer
    column and ``"0"`` in a text column, but not ``False`` in a boolean one: ``"False"``
    or ``"false"`` (SQL's spelling) does. A str, so that it passes where a label goes.
    """

    __slots__ = ()


def kind(label: Label) -> str:
    """``"boolean"``, ``"integer"``, ``"float"`` or ``"text"``."""
    if isinstance(label, bool):
        return "boolean"
    if isinstance(label, int):
        return "integer"
    if isinstance(label, float):
        return "float"
    return "text"


def sql_text(value: Any) -> str:
    """A value as text, as SQL's CAST(... AS VARCHAR) writes it."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value.item() if isinstance(value, np.generic) else value)


def label_of(value: Any, *, boolean: bool = False) -> Label | None:
    """A value of the variant column as a label; None for a missing value.

    NumPy scalars become Python values; ``boolean`` (the column is declared boolean)
    reads 0 and 1 as False and True. Values of other types (dates, decimals) become
    text, as SQL writes them.
    """
    if value is None or value is np.ma.masked or type(value).__name__ == "NAType":
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        number = int(value)
        return bool(number) if boolean and number in (0, 1) else number
    if isinstance(value, float | np.floating):
        real = float(value)
        return None if math.isnan(real) else real
    if isinstance(value, str):
        return str(value)
    return sql_text(value)


def listing(labels: Sequence[Label]) -> str:
    """Labels for a message: their reprs, at most ten of them."""
    shown = ", ".join(map(repr, labels[:_SHOWN]))
    more = len(labels) - _SHOWN
    return shown + (f", ... ({len(labels)} in all)" if more > 0 else "")


def _keys(label: Label) -> set[tuple[str, Any]]:
    """What a label looks like: its printed forms and, for numbers and booleans, its value."""
    keys: set[tuple[str, Any]] = {("text", str(label)), ("text", sql_text(label))}
    if not isinstance(label, str):
        keys.add(("value", float(label)))
    return keys


def check_one_type(labels: Iterable[Label], column: str) -> None:
    """Refuse a column whose labels are of several types, naming them.

    Raises:
        DataError: The labels mix types; the message names those that print or compare
            alike (``1`` and ``"1"``, ``True`` and ``1``), or else a few of each type.
    """
    by_kind: dict[str, set[Label]] = {}
    for label in labels:
        by_kind.setdefault(kind(label), set()).add(label)
    if len(by_kind) < 2:
        return
    looks: dict[tuple[str, Any], dict[str, Label]] = {}
    for k in sorted(by_kind):
        for label in sort_labels(by_kind[k]):
            for key in _keys(label):
                looks.setdefault(key, {}).setdefault(k, label)
    alike = list(dict.fromkeys(tuple(v.values()) for v in looks.values() if len(v) > 1))
    if alike:
        named = "; ".join(
            " and ".join(f"{x!r} ({kind(x)})" for x in group) for group in alike[:_SHOWN]
        )
        problem = f"labels that look alike: {named}"
    else:
        named = "; ".join(f"{k} {listing(sort_labels(v))}" for k, v in sorted(by_kind.items()))
        problem = f"labels of several types: {named}"
    raise DataError(
        f"variant == {column!r}: the column holds {problem}. hypokit does not guess which "
        "arm is which: give every arm a distinct label of one type (all text, all "
        "integers or all booleans)."
    )


def sort_labels(labels: Iterable[Label]) -> tuple[Label, ...]:
    """Distinct labels of one type, sorted: text by code point, numbers by value."""
    return tuple(sorted(set(labels)))


def check_label(name: str, value: Any) -> Label:
    """A label given as an argument, NumPy scalars as Python values; refuse the rest."""
    if isinstance(value, LabelText):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise ValidationError(
        f"{name} == {value!r}, must be a variant label as the variant column holds it: "
        "a string, an integer or a boolean."
    )


def _comparable(a: Label, b: Label) -> bool:
    """Whether labels of these types may be compared: same type, or both numbers."""
    numbers = {"integer", "float"}
    return kind(a) == kind(b) or {kind(a), kind(b)} <= numbers


def _forms(label: Label) -> set[str]:
    """The printed forms a label is found by on the command line."""
    return {str(label), sql_text(label)}


def find_label(name: str, given: Label, labels: Sequence[Label], where: str) -> Label | None:
    """The label in ``labels`` that ``given`` names; None when no label does.

    ``given`` finds a label of its own type that equals it (numbers find numbers by
    value); a :class:`LabelText` finds the label whose printed form it is.

    Args:
        name: The argument, for messages (``"control"``).
        given: The label as given.
        labels: The column's labels (one type), sorted.
        where: Whose labels they are, for messages (``"the labels of variant column
            'arm'"``).

    Raises:
        ValidationError: ``given`` is of a type the labels cannot be compared with (a
            string for integer labels, 1 for boolean labels, True for integer labels),
            or a :class:`LabelText` matches several labels.
    """
    if not labels:
        return None
    if isinstance(given, LabelText):
        found = [x for x in labels if given in _forms(x)]
        if len(found) > 1:
            raise ValidationError(
                f"{name} == {str(given)!r} names several labels of {where}: "
                f"{listing(found)}; the labels differ only in type, which text cannot tell."
            )
        return found[0] if found else None
    found = [x for x in labels if _comparable(given, x) and x == given]
    if found:
        return found[0]
    if any(_comparable(given, x) for x in labels):
        return None
    same = [x for x in labels if _forms(x) & _forms(given)]
    hint = f"; pass {same[0]!r}, the label as the data holds it" if len(same) == 1 else ""
    raise ValidationError(
        f"{name} == {given!r} is {_ARTICLE[kind(given)]}, but {where} are "
        f"{_PLURAL[kind(labels[0])]}: {listing(labels)}{hint}. Labels are compared as the "
        "data holds them: text, numbers and booleans are never taken for one another."
    )


def find_keys(name: str, mapping: Any, labels: Sequence[Label], where: str) -> Any:
    """A mapping keyed by labels (``allocation``) with each key replaced by its label.

    A key of a type the labels cannot be compared with is refused as in
    :func:`find_label`; a key that names no label is kept (as text when it came from
    the command line), for the caller to report. Anything but a mapping is returned
    as it is, for the caller to refuse.
    """
    if not isinstance(mapping, Mapping):
        return mapping
    out: dict[Any, Any] = {}
    for key, value in mapping.items():
        try:
            given = check_label(f"{name} key", key)
        except ValidationError:
            out[key] = value
            continue
        found = find_label(f"{name} key", given, labels, where)
        if found is None:
            found = str(key) if isinstance(key, LabelText) else key
        out[found] = value
    return out


# ------------------------------------------------------------------------ segment labels
def needs_quotes(value: str) -> bool:
    """Whether a segment value is shown in double quotes (see the module docstring)."""
    return (
        value in ("", ALL, MISSING)
        or '"' in value
        or " /" in value
        or "/ " in value
        or value[0] == " "
        or value[-1] == " "
    )


def _part(value: str | None) -> str:
    if value is None:
        return MISSING
    if needs_quotes(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def segment_label(values: Sequence[str | None]) -> str:
    """The label of a segment: its values as text (None: missing), quoted where needed.

    ``()`` is the whole population, ``"(all)"``.

    Examples:
        >>> segment_label(("DE", "ios")), segment_label(("x / y", "z")), segment_label((None,))
        ('DE / ios', '"x / y" / z', '(missing)')
        >>> segment_label(("(missing)",)), segment_label(('a "b" c',))
        ('"(missing)"', '"a ""b"" c"')
    """
    if not values:
        return ALL
    return SEPARATOR.join(_part(v) for v in values)


def segment_values(label: str) -> tuple[str | None, ...] | None:
    """The values a label was made of (``()`` for ``"(all)"``); None if it is no label.

    The inverse of :func:`segment_label`: ``segment_values(segment_label(v)) == v``.
    A text that :func:`segment_label` would not have written (``'a / b / '``, an
    unclosed quote, a value that should have been quoted) gives None.
    """
    if label == ALL:
        return ()
    parts: list[str | None] = []
    i = 0
    while True:
        if label.startswith('"', i):
            chunks = []
            j = i + 1
            while True:
                k = label.find('"', j)
                if k < 0:
                    return None
                chunks.append(label[j:k])
                if label.startswith('""', k):
                    chunks.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            value = "".join(chunks)
            if not needs_quotes(value):
                return None
            parts.append(value)
        else:
            k = label.find(SEPARATOR, i)
            text = label[i:] if k < 0 else label[i:k]
            i = len(label) if k < 0 else k
            if text == MISSING:
                parts.append(None)
            elif not text or needs_quotes(text):
                return None
            else:
                parts.append(text)
        if i == len(label):
            return tuple(parts)
        if not label.startswith(SEPARATOR, i):
            return None
        i += len(SEPARATOR)


def _as_text(value: Any) -> str | None:
    """A segment value given by the user as text: numbers and booleans as SQL writes them."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | np.bool_ | int | np.integer | float | np.floating):
        return sql_text(value)
    raise ValidationError(
        f"segment value {value!r}, must be text (a number or boolean is read as SQL writes "
        "it) or None for missing."
    )


def find_segment(given: Any, labels: Sequence[str], name: str = "segment") -> str | None:
    """The label in ``labels`` that ``given`` names; None when none does.

    ``given`` is a label (``"DE / ios"``, ``"(all)"``, ``"(missing)"``) or the tuple of
    the segment's values (``("DE", "ios")``, ``("x / y", "z")``, ``(None,)`` for missing).
    A text that is no label but the value of a one-column segment finds that segment
    (``"a / b"`` finds ``'"a / b"'``), except ``"(all)"`` and ``"(missing)"``, which
    always mean the whole population and the missing values.

    Raises:
        ValidationError: ``given`` is neither text nor a tuple of values.
    """
    if isinstance(given, tuple):
        label = segment_label(tuple(_as_text(v) for v in given))
        return label if label in labels else None
    if not isinstance(given, str):
        raise ValidationError(
            f"{name} == {given!r}, must be a segment label (text) or the tuple of its values."
        )
    text = str(given)
    if text in labels:
        return text
    if text in (ALL, MISSING) or not needs_quotes(text):
        return None
    quoted = segment_label((text,))
    return quoted if quoted in labels else None


def check_segment(values: Iterable[Any], column: str) -> None:
    """Refuse a segment column whose values print or compare alike (``1`` and ``"1"``).

    Raises:
        DataError: Two distinct values of the column would be one segment; the message
            names them.
    """
    looks: dict[tuple[str, Any], Label] = {}
    for value in values:
        label = label_of(value)
        if label is None:
            continue
        for key in _keys(label):
            other = looks.setdefault(key, label)
            if kind(other) != kind(label) or (other != label and key[0] == "text"):
                a, b = sorted((other, label), key=lambda x: (kind(x), repr(x)))
                raise DataError(
                    f"segments == {column!r}: the column holds values that print alike: "
                    f"{a!r} ({kind(a)}) and {b!r} ({kind(b)}) would be one segment. Give "
                    "each segment a distinct value of one type."
                )
