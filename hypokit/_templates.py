"""Notebooks from templates: ``hypokit new KIND NAME [-p key=value ...]``.

Templates ship inside the package (``hypokit/templates``; in a source checkout the
top-level ``templates/`` folder). Each has one cell tagged ``parameters`` whose defaults
run as they are; ``new`` copies the template and, as papermill does, adds a cell tagged
``injected-parameters`` after it. Values are parsed as Python literals and written back
with ``repr``, so a parameter can never inject code.

A notebook runs in its own folder, not where ``new`` ran. For a template that takes
paths (``data_path``, ``registry_path``), ``new`` therefore adds one more cell: it
records the folder ``new`` ran in, relative to the notebook (``'..'``; never an
absolute path), and makes it the working folder (:func:`hypokit._paths.work_in`), so
that ``-p data_path=data/test.csv`` means in the notebook what it meant on the command
line.

Every parameter of every template is declared in :data:`SCHEMAS` with the values it
accepts (a rate in (0, 1), one of a few choices, a date, text, ...). A value outside
them is refused when the notebook is written, naming the parameter and what was
expected, instead of failing later inside the notebook. So is a number that is not
finite (``1e999`` would be written as ``inf``, which is not Python), a dict that names
a key twice (one value would be dropped), and text with control characters.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hypokit._errors import ValidationError

__all__ = ["SCHEMAS", "check_name", "kinds", "new_notebook", "parse_value", "template_path"]

_NAME_MAX = 100
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]")
#: Names Windows keeps for devices, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
#: Integers beyond this are refused: no parameter needs them, and Python cannot print
#: integers of more than 4300 digits.
_INT_LIMIT = 10**15


# ------------------------------------------------------------------------------ rules
@dataclass(frozen=True)
class Rule:
    """The values one parameter (or one part of it) accepts.

    ``expected`` says it in words (``"a number in (0, 1)"``); ``test`` is the check of a
    plain value; ``parts`` checks what a container holds and returns the first part
    that breaks its rule, as ``(where, value, expected)``. ``text_only``: the rule
    accepts text and nothing else (so ``-p change=1`` can only mean the text ``"1"``).
    """

    expected: str
    test: Callable[[Any], bool]
    parts: Callable[[Any, str], tuple[str, Any, str] | None] | None = field(default=None)
    text_only: bool = False

    def problem(self, value: Any, where: str) -> tuple[str, Any, str] | None:
        """The first part of ``value`` that breaks the rule, or None."""
        if not self.test(value):
            return (where, value, self.expected)
        return self.parts(value, where) if self.parts is not None else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = True,
    high_open: bool = True,
    nonzero: bool = False,
) -> Rule:
    """A finite number (an int or a float, not a bool) within the bounds."""
    if low is not None and high is not None:
        words = (
            f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        )
    elif low is not None:
        words = f"a number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        words = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        words = "a number"
    if nonzero:
        words += ", not 0"

    def test(x: Any) -> bool:
        if not _is_number(x) or not math.isfinite(x):
            return False
        if low is not None and (x <= low if low_open else x < low):
            return False
        if high is not None and (x >= high if high_open else x > high):
            return False
        return not (nonzero and x == 0)

    return Rule(words, test)


def whole(low: int, high: int | None = None, *, words: str | None = None) -> Rule:
    """A whole number (an int, not a bool or 2.0) from ``low`` to ``high``."""
    if words is None:
        words = (
            f"a whole number from {low} to {high}"
            if high is not None
            else f"a whole number >= {low}"
        )

    def test(x: Any) -> bool:
        return (
            isinstance(x, int)
            and not isinstance(x, bool)
            and low <= x
            and (high is None or x <= high)
        )

    return Rule(words, test)


def text(words: str = "text", pattern: str | None = None) -> Rule:
    """Non-empty text, matching ``pattern`` when given."""
    regex = re.compile(pattern) if pattern is not None else None
    return Rule(
        words,
        lambda x: (
            isinstance(x, str) and bool(x.strip()) and (regex is None or bool(regex.fullmatch(x)))
        ),
        text_only=True,
    )


#: A record id, as the registry spells it (``hypokit._records``).
RECORD_ID = text(
    "a record id (lowercase letters, digits, '-', '_', '.'; at most 100)",
    r"(?!.*\.\.)[a-z0-9][a-z0-9._-]{0,99}",
)
SEGMENT = Rule(
    "a segment name (text, not '(all)')", lambda x: isinstance(x, str) and x not in ("", "(all)")
)
BOOL = Rule("True or False", lambda x: isinstance(x, bool))
NONE = Rule("None", lambda x: x is None)


def _is_date(x: Any) -> bool:
    if isinstance(x, dt.date):  # the templates' defaults; injected values are text
        return True
    if not isinstance(x, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", x):
        return False
    try:
        dt.date.fromisoformat(x)
    except ValueError:
        return False
    return True


DATE = Rule("a date as 'YYYY-MM-DD'", _is_date, text_only=True)


def choice(*options: Any) -> Rule:
    """One of ``options`` (compared by type too: ``True`` is not ``1``)."""
    words = "one of " + ", ".join(map(repr, options))
    return Rule(words, lambda x: any(type(x) is type(o) and x == o for o in options))


def either(*rules: Rule) -> Rule:
    """Any of ``rules``; a value that breaks all is told about the one of its shape."""

    def parts(value: Any, where: str) -> tuple[str, Any, str] | None:
        found = [r.problem(value, where) for r in rules]
        if any(f is None for f in found):
            return None
        # a container that holds a bad part: name the part
        deeper = [f for f in found if f is not None and f[0] != where]
        return deeper[0] if deeper else (where, value, words)

    words = ", or ".join(r.expected for r in rules)
    return Rule(words, lambda x: True, parts)


def optional(rule: Rule) -> Rule:
    """``rule``, or None."""
    return either(rule, NONE)


def mapping(key: Rule, value: Rule, *, words: str | None = None, nonempty: bool = False) -> Rule:
    """A dict (with at least one item when ``nonempty``): keys follow ``key``, values ``value``."""

    def parts(x: dict[Any, Any], where: str) -> tuple[str, Any, str] | None:
        for k, v in x.items():
            if (bad := key.problem(k, f"a key of {where}")) is not None:
                return bad
            if (bad := value.problem(v, f"{where}[{k!r}]")) is not None:
                return bad
        return None

    return Rule(
        words or f"{{{key.expected}: {value.expected}}}",
        lambda x: isinstance(x, dict) and (bool(x) or not nonempty),
        parts,
    )


def sequence(item: Rule, *, size: int | None = None, nonempty: bool = False) -> Rule:
    """A list (or tuple) of items that follow ``item``; ``size`` items when given."""
    if size is not None:
        words = f"a list of {size}: {item.expected}"
    else:
        words = f"a {'non-empty ' if nonempty else ''}list of {item.expected}"

    def test(x: Any) -> bool:
        if not isinstance(x, list | tuple):
            return False
        return (size is None or len(x) == size) and (not nonempty or len(x) > 0)

    def parts(x: list[Any], where: str) -> tuple[str, Any, str] | None:
        for i, v in enumerate(x):
            if (bad := item.problem(v, f"{where}[{i}]")) is not None:
                return bad
        return None

    return Rule(words, test, parts)


def record(fields: Mapping[str, Rule], required: tuple[str, ...]) -> Rule:
    """A dict with the keys of ``fields`` (``required`` ones present), each following its rule."""
    words = "{" + ", ".join(f"{k!r}: {r.expected}" for k, r in fields.items()) + "}"

    def parts(x: dict[Any, Any], where: str) -> tuple[str, Any, str] | None:
        for k in x:
            if k not in fields:
                return (f"a key of {where}", k, "one of " + ", ".join(map(repr, fields)))
        for k in required:
            if k not in x:
                return (where, x, f"a dict with the key {k!r}")
        for k, v in x.items():
            if (bad := fields[k].problem(v, f"{where}[{k!r}]")) is not None:
                return bad
        return None

    return Rule(words, lambda x: isinstance(x, dict), parts)


def per_segment(rule: Rule) -> Rule:
    """One value for every segment, or ``{segment: value}``."""
    return either(
        rule, mapping(SEGMENT, rule, words=f"{{segment: {rule.expected}}}", nonempty=True)
    )


RATE = number(0, 1)
PATH = text("a path (text)")

#: The parameters of each template and the values they accept. Every parameter of a
#: template's ``parameters`` cell is declared here (tests/test_cli_new.py checks it).
SCHEMAS: dict[str, dict[str, Rule]] = {
    "sizing": {
        "metric_kind": choice("proportion", "mean"),
        "baseline": per_segment(RATE),
        "mean": per_segment(number()),
        "sd": per_segment(number(0)),
        "correlation": optional(per_segment(number(-1, 1))),
        "traffic": optional(per_segment(number(0))),
        "mde": per_segment(number(nonzero=True)),
        "relative": BOOL,
        "alpha": RATE,
        "power": RATE,
        "alternative": choice("two-sided", "greater", "less"),
        "arms": whole(2, 100),
        "correction": choice("holm", "bonferroni", None),
        "whole_weeks": BOOL,
        "registry_path": optional(PATH),
        "hypothesis_id": optional(RECORD_ID),
        "as_of": DATE,
        "start": optional(DATE),
        "record": BOOL,
    },
    "analysis": {
        "data_path": optional(PATH),
        "variant_column": text("a column name"),
        "control": either(
            text("a label (text)"), whole(-_INT_LIMIT, _INT_LIMIT, words="a whole number"), BOOL
        ),
        "segments": optional(
            either(text("a column name"), sequence(text("column names"), nonempty=True))
        ),
        "proportion_metrics": sequence(text("column names")),
        "mean_metrics": mapping(text("column"), optional(text("covariate"))),
        "ratio_metrics": sequence(sequence(text("column names"), size=2)),
        "alpha": RATE,
        "correction": choice("holm", "bonferroni", "bh", None),
        "registry_path": optional(PATH),
        "hypothesis_id": RECORD_ID,
        "criteria": mapping(
            SEGMENT,
            record(
                {
                    "metric": text("a metric name"),
                    "min_effect": optional(number(0, low_open=False)),
                    "margin": optional(number(0)),
                },
                required=("metric",),
            ),
            words="{segment: {'metric': ..., 'min_effect': ..., 'margin': ...}}",
        ),
        "change": text(),
        "outcome": text(),
        "expected_effect": number(nonzero=True),
        "time_frame_days": whole(1, 3650),
        "as_of": DATE,
    },
    "monitor": {
        "data_path": optional(PATH),
        "registry_path": optional(PATH),
        "experiment_id": RECORD_ID,
        "variant_column": text("a column name"),
        "control": either(
            text("a label (text)"), whole(-_INT_LIMIT, _INT_LIMIT, words="a whole number"), BOOL
        ),
        "segments": optional(
            either(text("a column name"), sequence(text("column names"), nonempty=True))
        ),
        "date_column": optional(text("a column name")),
        "alpha": RATE,
        "as_of": DATE,
    },
    "hypothesis": {
        "registry_path": optional(PATH),
        "as_of": DATE,
        "rank_by": choice("ice", "rice", "evi"),
        "save": BOOL,
    },
    "status": {
        "registry_path": optional(PATH),
        "as_of": DATE,
        "due_within": whole(0, 36500),
    },
    "learning-review": {
        "registry_path": optional(PATH),
        "as_of": DATE,
        "due_within": whole(0, 36500),
        "renew": mapping(RECORD_ID, DATE),
        "retire": sequence(RECORD_ID),
    },
    "okr-review": {
        "registry_path": optional(PATH),
        "as_of": DATE,
        "objective": optional(RECORD_ID),
        "current": mapping(RECORD_ID, number()),
        "source": text(),
        "include_closed": BOOL,
    },
}


def _segments(value: Any) -> tuple[str, ...] | None:
    return tuple(sorted(value)) if isinstance(value, dict) else None


def _sizing_agrees(values: Mapping[str, Any], given: Mapping[str, str]) -> str | None:
    """The per-segment parameters the sizing cell reads name the same segments."""
    used = ["baseline"] if values["metric_kind"] == "proportion" else ["mean", "sd", "correlation"]
    keyed = {k: _segments(values[k]) for k in [*used, "traffic", "mde"]}
    keyed = {k: v for k, v in keyed.items() if v is not None}
    first = next(iter(sorted(keyed, key=lambda k: k not in given)), None)
    for name, segs in keyed.items():
        if first is not None and segs != keyed[first]:
            a, b = (name, first) if name in given or first not in given else (first, name)
            return (
                f"{a} names the segments {', '.join(map(repr, keyed[a] or ()))} but {b} names "
                f"{', '.join(map(repr, keyed[b] or ()))}; give the same segments to every "
                "per-segment parameter, or one value for all"
            )
    return None


def _analysis_agrees(values: Mapping[str, Any], given: Mapping[str, str]) -> str | None:
    """At least one metric, no two of one name, and criteria that name analysed metrics.

    On your own data (``data_path``) with the metric parameters left as they are, the
    notebook picks the metrics from the data's columns: it checks the criteria then.
    With a registry (``registry_path``), the criteria are the hypothesis's, as recorded,
    and the ``criteria`` parameter is not used.
    """
    metric_parameters = ("proportion_metrics", "mean_metrics", "ratio_metrics")
    if values.get("data_path") is not None and not set(given) & set(metric_parameters):
        return None
    labels = [
        *values["proportion_metrics"],
        *values["mean_metrics"],
        *(f"{num}/{den}" for num, den in values["ratio_metrics"]),
    ]
    if not labels:
        return "proportion_metrics, mean_metrics and ratio_metrics are all empty; give a metric"
    twice = sorted({x for x in labels if labels.count(x) > 1})
    if twice:
        return f"the metric {twice[0]!r} is given twice (in proportion_metrics, mean_metrics)"
    for segment, criterion in values["criteria"].items():
        if values.get("registry_path") is not None:
            break
        if criterion["metric"] not in labels:
            return (
                f"criteria[{segment!r}] judges the metric {criterion['metric']!r}, which is "
                f"not analysed; the metrics are {', '.join(map(repr, labels))}"
            )
    return None


#: Checks across parameters, on the values the notebook will run with.
_AGREEMENT: dict[str, Callable[[Mapping[str, Any], Mapping[str, str]], str | None]] = {
    "sizing": _sizing_agrees,
    "analysis": _analysis_agrees,
}


# ------------------------------------------------------------------------- templates
def _folder() -> Path:
    packaged = Path(str(resources.files("hypokit"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"  # a source checkout


def kinds() -> list[str]:
    """The template kinds, sorted."""
    return sorted(p.stem for p in _folder().glob("*.ipynb"))


def template_path(kind: str) -> Path:
    """The template notebook of ``kind``: one of :func:`kinds`, never another path."""
    known = kinds()
    if not isinstance(kind, str) or kind not in known:
        raise ValidationError(f"KIND == {kind!r}, must be one of {', '.join(known)}.")
    return _folder() / f"{kind}.ipynb"


def _parameter_names(source: str) -> list[str]:
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def _defaults(source: str) -> dict[str, Any]:
    """The parameters cell's values that are plain literals (not ``datetime.date(...)``)."""
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def _character(ch: str) -> str:
    r"""A character for a message: ``'\n' (a control character)``."""
    shown = repr(ch)
    category = unicodedata.category(ch)
    if category == "Cc":
        return f"{shown} (a control character)"
    if category in ("Cs", "Co", "Cn", "Cf", "Zl", "Zp"):
        return f"{shown} (an invisible or invalid character)"
    if ch in "/\\":
        return f"{shown} (a path separator)"
    if ch.isspace():
        return f"{shown} (a space)"
    return shown


def check_name(name: Any) -> str:
    """``name`` as a notebook name, or a ValidationError saying which character is wrong.

    A name is 1 to 100 ASCII letters, digits, ``-``, ``_`` and ``.``, starting with a
    letter or digit, without the ``.ipynb`` extension, and not a name Windows keeps for
    a device (``con``, ``nul``, ``com1``, ...), so that it is a valid file name on every
    system and never a path.
    """
    rule = (
        "use ASCII letters, digits, '-', '_' and '.', starting with a letter or digit "
        "(no folders, no extension)"
    )
    if not isinstance(name, str) or not name:
        raise ValidationError(f"NAME == {name!r} is empty; {rule}.")
    for ch in name:
        if not _NAME_CHARS.fullmatch(ch):
            raise ValidationError(
                f"NAME == {name!r} contains the character {_character(ch)}; {rule}."
            )
    if not name[0].isalnum():
        raise ValidationError(f"NAME == {name!r} starts with {name[0]!r}; {rule}.")
    if len(name) > _NAME_MAX:
        raise ValidationError(f"NAME has {len(name)} characters; at most {_NAME_MAX}.")
    if name.lower().endswith(".ipynb"):
        raise ValidationError(f"NAME == {name!r} ends in .ipynb; give it without the extension.")
    if name.split(".")[0].lower() in _RESERVED:
        raise ValidationError(
            f"NAME == {name!r} is a device name on Windows (CON, NUL, COM1, ...); choose another."
        )
    return name


# ------------------------------------------------------------------------ parameters
def _duplicate_key(node: ast.AST) -> Any:
    """A key that one of the dict displays in ``node`` names twice, else ``_NO_DUPLICATE``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            seen: list[Any] = []
            for key in sub.keys:
                if key is None:  # ``**spread``: not a literal anyway
                    continue
                try:
                    value = ast.literal_eval(key)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
                if any(value == s and type(value) is type(s) for s in seen) or value in seen:
                    return value
                seen.append(value)
    return _NO_DUPLICATE


_NO_DUPLICATE = object()


def _first_non_finite(value: Any) -> float | None:
    """An infinity or NaN anywhere in ``value`` (lists, tuples, dict keys and values)."""
    if isinstance(value, float):
        return value if not math.isfinite(value) else None
    if isinstance(value, list | tuple):
        items: list[Any] = list(value)
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    else:
        return None
    for item in items:
        found = _first_non_finite(item)
        if found is not None:
            return found
    return None


def _first_huge_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) > _INT_LIMIT else None
    items: list[Any] = []
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    for item in items:
        found = _first_huge_int(item)
        if found is not None:
            return found
    return None


def _bad_text(value: Any) -> tuple[str, str] | None:
    """Text in ``value`` with a control or invalid character: (the text, the character)."""
    if isinstance(value, str):
        for ch in value:
            if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
                return value, ch
        return None
    items: list[Any] = []
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    for item in items:
        found = _bad_text(item)
        if found is not None:
            return found
    return None


_LITERALS = (str, int, float, bool, type(None), list, tuple, dict)


def _literal(text_value: str) -> tuple[Any, str | None]:
    """``text_value`` read as a Python literal: (value, None), or (None, why it is not one)."""
    try:
        tree = ast.parse(text_value.lstrip(" \t"), mode="eval")
        duplicate = _duplicate_key(tree)
        if duplicate is not _NO_DUPLICATE:
            return None, f"the dict names the key {duplicate!r} twice"
        value = ast.literal_eval(tree)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, "not a Python literal"
    if not _contains_only_literals(value):
        return None, "not a Python literal of a supported type"
    bad = _first_non_finite(value)
    if bad is not None:
        return None, f"{bad!r} is not a finite number"
    huge = _first_huge_int(value)
    if huge is not None:
        return None, f"a whole number beyond {_INT_LIMIT:.0e} is out of range"
    return value, None


def _contains_only_literals(value: Any) -> bool:
    if not isinstance(value, _LITERALS):
        return False
    if isinstance(value, list | tuple):
        return all(_contains_only_literals(v) for v in value)
    if isinstance(value, dict):
        return all(
            _contains_only_literals(k) and _contains_only_literals(v) for k, v in value.items()
        )
    return True


def _shown(value_text: str) -> str:
    return repr(value_text if len(value_text) <= 60 else value_text[:57] + "...")


def parse_value(kind: str, key: str, value_text: str) -> Any:
    """The value of ``-p KEY=VALUE`` for template ``kind``, checked against its rule.

    ``value_text`` is read as a Python literal (``0.05``, ``"holm"``, ``{"new": 0.04}``).
    It is taken as text when it is not a literal at all (``-p change=add express pay``,
    ``-p data_path=events/*.parquet``), or when the parameter takes only text
    (``-p hypothesis_id=2024`` is the id ``"2024"``); a literal the parameter does not
    accept is refused, never reread as text (``-p control=None`` is not the label
    ``"None"``).

    Raises:
        ValidationError: The template has no such parameter, or the value is not one it
            accepts: the message names the parameter and what was expected.
    """
    known = _parameter_names(_parameters_cell(kind)[1]["source_text"])
    if key not in known:
        raise ValidationError(
            f"-p {key}=...: {kind!r} has no parameter {key!r}; it has {', '.join(known)}."
        )
    rule = SCHEMAS[kind][key]
    shown = f"-p {key}={_shown(value_text)}"
    value, why_not = _literal(value_text)
    if why_not is None and rule.problem(value, key) is None:
        chosen = value
    elif (why_not == "not a Python literal" or rule.text_only) and rule.problem(
        value_text, key
    ) is None:
        chosen = value_text  # text, written as a quoted string
    elif why_not is not None and why_not != "not a Python literal":
        raise ValidationError(f"{shown}: {why_not}; expected {rule.expected}.")
    else:
        bad_value = value if why_not is None else value_text
        where, bad, expected = rule.problem(bad_value, key) or (key, bad_value, rule.expected)
        got = f"{bad!r:.60}"
        if where == key:
            raise ValidationError(f"{shown}: expected {expected}; got {got}.")
        raise ValidationError(f"{shown}: {where} is {got}; expected {expected}.")
    found = _bad_text(chosen)
    if found is not None:
        bad_text, ch = found
        raise ValidationError(
            f"{shown}: the text {bad_text!r:.60} contains {_character(ch)}; "
            f"expected {rule.expected}."
        )
    return chosen


# ------------------------------------------------------------------------- notebooks
def _parameters_cell(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template notebook of ``kind`` and its ``parameters`` cell (with ``source_text``)."""
    notebook = json.loads(template_path(kind).read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"]
            return notebook, {
                "index": index,
                "source_text": "".join(source) if isinstance(source, list) else source,
            }
    raise ValidationError(f"template {kind!r} has no cell tagged 'parameters'.")  # pragma: no cover


def _project_folder(notebook_folder: Path) -> str | None:
    """The working folder relative to ``notebook_folder`` (``'..'``), or None if there is none.

    Never an absolute path: on Windows, a folder on another drive has no relative path,
    and then nothing is recorded.
    """
    try:
        return Path(os.path.relpath(Path.cwd(), notebook_folder.resolve())).as_posix()
    except (OSError, ValueError):
        return None


def _project_cell(project: str, paths: list[str]) -> dict[str, Any]:
    """The cell after the parameters that makes relative paths mean what they meant to ``new``."""
    names = " and ".join(paths)
    source = (
        f"# Written by hypokit new, which ran in {project!r} (relative to this notebook): the\n"
        f"# relative paths in the parameters ({names}) are read from there.\n"
        "from hypokit._paths import work_in\n"
        "\n"
        f"work_in({project!r})"
    )
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "project-folder",
        "metadata": {"tags": ["project-folder"]},
        "outputs": [],
        "source": source,
    }


def new_notebook(
    kind: str,
    name: str,
    parameters: Mapping[str, str] | None = None,
    *,
    folder: str | Path = "notebooks",
    overwrite: bool = False,
    folder_argument: str = "--folder",
) -> Path:
    """Write ``folder/NAME.ipynb`` from the ``kind`` template with ``parameters`` filled in.

    Args:
        kind: A template kind (see :func:`kinds`).
        name: The notebook's name (see :func:`check_name`).
        parameters: ``{name: value text}``; each name must be a parameter of the
            template, each value one it accepts (see :func:`parse_value`).
        folder: Where to write the notebook; created when missing.
        overwrite: Replace an existing notebook of that name (never a symbolic link
            or a folder at that path).
        folder_argument: How messages name ``folder`` (``--folder``, ``--output-dir``).

    For a template with path parameters, a cell after the parameters records the
    folder ``new`` ran in, relative to the notebook, and makes it the notebook's working
    folder (see :mod:`hypokit._paths`).

    Returns:
        The path of the new notebook.

    Raises:
        ValidationError: A bad kind, name, parameter, or folder; the notebook exists
            (without ``overwrite``); a symbolic link or a folder is at its path; it
            cannot be written. Nothing is written then.
    """
    from hypokit._files import _kind, ensure_folder, write_text

    template_path(kind)
    check_name(name)
    given = dict(parameters or {})
    values = {key: parse_value(kind, key, text) for key, text in given.items()}
    notebook, cell = _parameters_cell(kind)
    agree = _AGREEMENT.get(kind)
    if agree is not None and given:
        problem = agree({**_defaults(cell["source_text"]), **values}, given)
        if problem is not None:
            named = [k for k in given if re.search(rf"\b{k}\b", problem)] or list(given)
            raise ValidationError(f"{' '.join(f'-p {k}=...' for k in named)}: {problem}.")
    lines = [f"{key} = {value!r}" for key, value in values.items()]
    if lines:
        notebook["cells"].insert(
            cell["index"] + 1,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "injected-parameters",
                "metadata": {"tags": ["injected-parameters"]},
                "outputs": [],
                "source": "# Parameters\n" + "\n".join(lines),
            },
        )
    out = ensure_folder(folder, folder_argument) / f"{name}.ipynb"
    paths = [k for k in SCHEMAS[kind] if k.endswith("_path")]
    project = _project_folder(out.parent) if paths else None
    if project is not None:
        notebook["cells"].insert(
            cell["index"] + (2 if lines else 1),
            _project_cell(project, paths),
        )
    there = _kind(str(out)) if out.is_symlink() or out.exists() else None
    if out.is_symlink():
        raise ValidationError(
            f"{out} is a symbolic link; hypokit never writes a notebook through one. Remove "
            "it or choose another NAME."
        )
    if there == "folder":
        raise ValidationError(f"{out} is a folder; choose another NAME.")
    if there is not None and not overwrite:
        raise ValidationError(f"{out} exists; choose another NAME or pass --force.")
    text_out = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    return write_text(out, text_out, "the notebook", overwrite=overwrite)
