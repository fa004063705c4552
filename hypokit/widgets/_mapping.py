"""Form values to records and back: the pure part of :mod:`hypokit.widgets`.

A form holds plain values (strings, numbers, dates, lists of row dicts); this module
turns them into a validated record, or into one message per form field, and turns a
record back into values. Nothing here imports ipywidgets, so it is tested on its own.

Keys of the form values:

* Hypothesis: ``id, title, objective, key_result, change, metric, outcome, direction,
  expected_effect, relative, unit, time_frame_days, audience, because, learnings,
  segments``; each segment row has ``segment, min_effect`` (None: guardrail only),
  ``priority, guardrail_metric, guardrail_margin, guardrail_direction`` and ``extra``
  (the fields of the criteria the form does not show, kept as they were loaded).
* Learning: ``id, title, believed, observed, learned, decision, evidence, segments,
  audience, objective, hypothesis, recorded, expires`` (None: the shelf life's
  default); each evidence row has ``kind, sample_size, segment, metric, method,
  experiments, strength`` and ``extra``.

Errors are keyed by form field: ``"change"``, ``"segments[1].guardrail_margin"``,
``"evidence[0].sample_size"``; ``""`` holds the problems no field owns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, get_args

import pydantic

from hypokit._records import (
    DEFAULT_SHELF_LIFE,
    Decision,
    Evidence,
    Hypothesis,
    Learning,
    Record,
    SegmentCriteria,
    merged_shelf_life,
)

__all__ = [
    "DECISIONS",
    "HYPOTHESIS_FIELDS",
    "LEARNING_FIELDS",
    "Mapped",
    "default_expiry",
    "empty_evidence",
    "empty_hypothesis",
    "empty_learning",
    "empty_segment",
    "field_label",
    "hypothesis_from_values",
    "hypothesis_values",
    "learning_from_values",
    "learning_label",
    "learning_values",
    "number_problem",
    "parse_number",
    "retest_values",
    "split_list",
]

R = TypeVar("R", bound=Record)

#: The hypothesis fields a form shows, in order.
HYPOTHESIS_FIELDS = (
    "id", "title", "objective", "key_result", "change", "metric", "outcome", "direction",
    "expected_effect", "relative", "unit", "time_frame_days", "audience", "because",
    "learnings", "segments",
)  # fmt: skip
#: The fields of one segment row of a hypothesis form.
SEGMENT_FIELDS = (
    "segment", "min_effect", "priority", "guardrail_metric", "guardrail_margin",
    "guardrail_direction",
)  # fmt: skip
#: The learning fields a form shows, in order.
LEARNING_FIELDS = (
    "id", "title", "believed", "observed", "learned", "decision", "evidence", "segments",
    "audience", "objective", "hypothesis", "recorded", "expires",
)  # fmt: skip
#: The fields of one evidence row of a learning form.
EVIDENCE_FIELDS = (
    "kind", "sample_size", "segment", "metric", "method", "experiments", "strength",
)  # fmt: skip
#: The decisions a learning may record.
DECISIONS: tuple[str, ...] = get_args(Decision)

_LABELS = {
    "id": "id",
    "key_result": "key result",
    "expected_effect": "expected effect",
    "time_frame_days": "time frame",
    "min_effect": "minimum effect",
    "guardrail_metric": "guardrail metric",
    "guardrail_margin": "guardrail margin",
    "guardrail_direction": "guardrail direction",
    "sample_size": "sample size",
}


@dataclass(frozen=True)
class Mapped(Generic[R]):
    """The outcome of mapping form values: a record, or messages per form field.

    Attributes:
        record: The validated record (None when a field is wrong).
        errors: Form field → message (``""``: not about one field).
    """

    record: R | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the values make a valid record."""
        return self.record is not None and not self.errors


def field_label(key: str) -> str:
    """A form field's key in words, for messages (``"segments[1].min_effect"``).

    Examples:
        >>> field_label("segments[1].guardrail_margin")
        'segment 2: guardrail margin'
        >>> field_label("time_frame_days")
        'time frame'
    """
    if "." in key and key.endswith(tuple(SEGMENT_FIELDS + EVIDENCE_FIELDS)):
        head, name = key.split(".", 1)
        kind, _, index = head.partition("[")
        number = int(index.rstrip("]")) + 1
        row = "segment" if kind == "segments" else "evidence"
        return f"{row} {number}: {_LABELS.get(name, name.replace('_', ' '))}"
    return _LABELS.get(key, key.replace("_", " ")) if key else "record"


# ------------------------------------------------------------------ small pieces
def parse_number(text: str, *, whole: bool = False) -> int | float | str | None:
    """What is typed in a number box: the number, None when empty, else the text itself.

    A whole-number box gives an int for ``"3"`` and ``"3.0"``; anything else that reads
    as a number stays a float (:func:`number_problem` then says it is not whole). Text
    that is not a number comes back unchanged, so that the form can say what is wrong
    with it instead of replacing it.

    Examples:
        >>> parse_number(" 0.10 "), parse_number("3", whole=True), parse_number("")
        (0.1, 3, None)
        >>> parse_number("ten percent")
        'ten percent'
    """
    raw = text.strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        return text
    if whole and number.is_integer():
        return int(number)
    return number


def number_problem(value: Any, *, whole: bool = False, required: bool = True) -> str | None:
    """Why a number box's value is not a number (None when it is one, or empty and allowed).

    Examples:
        >>> number_problem("10%")
        "'10%' is not a number: type 0.1 for 10%"
        >>> number_problem(2.5, whole=True), number_problem(None, required=False)
        ('2.5 is not a whole number', None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "required: type a number" if required else None
    if isinstance(value, str):
        raw = value.strip()
        hint = ""
        if raw.endswith("%"):
            try:
                hint = f": type {float(raw[:-1].strip()) / 100:g} for {raw}"
            except ValueError:
                hint = ""
        elif re.fullmatch(r"[-+]?\d*,\d+", raw):
            hint = f": use a point for decimals, {raw.replace(',', '.')}"
        return f"{value!r} is not a number{hint}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number"
    if whole and not float(value).is_integer():
        return f"{value:g} is not a whole number"
    return None


def split_list(text: str | Sequence[str] | None) -> list[str]:
    """Comma- or line-separated text as a list of stripped, non-empty items.

    Examples:
        >>> split_list("new, returning,,business ")
        ['new', 'returning', 'business']
    """
    if text is None:
        return []
    items = text.replace("\n", ",").split(",") if isinstance(text, str) else list(text)
    return [s.strip() for s in items if str(s).strip()]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _or_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _message(err: Mapping[str, Any]) -> str:
    """A short message for one pydantic error, to show next to its field."""
    kind = err["type"]
    ctx = {k: _num(v) for k, v in (err.get("ctx") or {}).items()}
    if kind in ("missing", "string_too_short", "too_short"):
        return "required" if kind != "too_short" else "add at least one"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "extra_forbidden":
        return f"unknown field {err['loc'][-1]!r}"
    return str(err["msg"]).removeprefix("Value error, ")


def _add(errors: dict[str, str], key: str, message: str) -> None:
    errors[key] = f"{errors[key]}; {message}" if key in errors else message


def _check_numbers(
    checks: Sequence[tuple[str, Any, bool, bool]], errors: dict[str, str]
) -> set[str]:
    """Add a message for each value that is not a number; return the keys that got one.

    Each check is ``(key, value, whole, required)``; the record's own checks (ranges)
    follow for the values that are numbers.
    """
    flagged = set()
    for key, value, whole, required in checks:
        problem = number_problem(value, whole=whole, required=required)
        if problem is not None:
            _add(errors, key, problem)
            flagged.add(key)
    return flagged


def _id_error(value: Any) -> str | None:
    return "required" if not _text(value) else None


# -------------------------------------------------------------------- hypotheses
def empty_segment() -> dict[str, Any]:
    """The values of a new segment row."""
    return {
        "segment": "",
        "min_effect": 0.0,
        "priority": 1,
        "guardrail_metric": "",
        "guardrail_margin": 0.0,
        "guardrail_direction": "increase",
        "extra": {},
    }


def empty_hypothesis() -> dict[str, Any]:
    """The values of an empty hypothesis form (the model's defaults)."""
    return {
        "id": "",
        "title": "",
        "objective": None,
        "key_result": None,
        "change": "",
        "metric": "",
        "outcome": "",
        "direction": "increase",
        "expected_effect": 0.0,
        "relative": True,
        "unit": "",
        "time_frame_days": 14,
        "audience": "customers",
        "because": "",
        "learnings": [],
        "segments": [],
    }


def _segment_values(c: SegmentCriteria) -> dict[str, Any]:
    first = c.guardrails[0] if c.guardrails else None
    extra: dict[str, Any] = {}
    if c.direction is not None:
        extra["direction"] = c.direction
    if c.relative is not None:
        extra["relative"] = c.relative
    if first is not None and not first.relative:
        extra["guardrail_relative"] = False
    if len(c.guardrails) > 1:
        extra["guardrails"] = [g.to_dict() for g in c.guardrails[1:]]
    return {
        "segment": c.segment,
        "min_effect": c.min_effect,
        "priority": c.priority,
        "guardrail_metric": first.metric if first else "",
        "guardrail_margin": first.margin if first else 0.0,
        "guardrail_direction": first.direction if first else "increase",
        "extra": extra,
    }


def hypothesis_values(h: Hypothesis, *, objective: str | None = None) -> dict[str, Any]:
    """The form values of a hypothesis (``objective``: its key result's objective).

    Examples:
        >>> from hypokit._records import Hypothesis, SegmentCriteria
        >>> h = Hypothesis(id="express-pay", change="add express pay", metric="converted",
        ...                expected_effect=0.1, time_frame_days=14,
        ...                criteria=[SegmentCriteria(segment="new", min_effect=0.05)])
        >>> values = hypothesis_values(h)
        >>> values["change"], values["segments"][0]["min_effect"]
        ('add express pay', 0.05)
        >>> hypothesis_from_values(values, base=h).record == h
        True
    """
    return {
        "id": h.id,
        "title": h.title,
        "objective": objective,
        "key_result": h.key_result,
        "change": h.change,
        "metric": h.metric,
        "outcome": h.outcome,
        "direction": h.direction,
        "expected_effect": h.expected_effect,
        "relative": h.relative,
        "unit": h.unit,
        "time_frame_days": h.time_frame_days,
        "audience": h.audience,
        "because": h.because,
        "learnings": list(h.learnings),
        "segments": [_segment_values(c) for c in h.criteria],
    }


def _criteria_data(row: Mapping[str, Any], errors: dict[str, str], key: str) -> dict[str, Any]:
    extra = dict(row.get("extra") or {})
    data: dict[str, Any] = {
        "segment": _text(row.get("segment")),
        "min_effect": row.get("min_effect"),
        "priority": row.get("priority", 1),
    }
    for name in ("direction", "relative"):
        if extra.get(name) is not None:
            data[name] = extra[name]
    guardrails = []
    metric = _text(row.get("guardrail_metric"))
    margin = row.get("guardrail_margin")
    if metric or (margin is not None and margin != 0):
        if not metric:
            _add(errors, f"{key}.guardrail_metric", "required for a guardrail margin")
        guardrails.append(
            {
                "metric": metric or "?",
                "margin": 0.0 if margin is None else margin,  # an empty box: no margin
                "direction": row.get("guardrail_direction") or "increase",
                "relative": extra.get("guardrail_relative", True),
            }
        )
    guardrails += list(extra.get("guardrails") or [])
    data["guardrails"] = guardrails
    return data


def _hypothesis_key(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    head = loc[0]
    if head == "criteria":
        if len(loc) == 1 or not isinstance(loc[1], int):
            return "segments"
        row = f"segments[{loc[1]}]"
        rest = loc[2:]
        if not rest:
            return f"{row}.min_effect"  # neither a minimum effect nor a guardrail
        if rest[0] in ("segment", "min_effect", "priority"):
            return f"{row}.{rest[0]}"
        if rest[0] == "guardrails" and len(rest) >= 3 and rest[1] == 0:
            name = str(rest[2])
            if name in ("metric", "margin", "direction"):
                return f"{row}.guardrail_{name}"
        return f"{row}.segment"
    if head == "learnings":
        return "learnings"
    name = str(head)
    return name if name in HYPOTHESIS_FIELDS else ""


def hypothesis_from_values(
    values: Mapping[str, Any], *, base: Hypothesis | None = None
) -> Mapped[Hypothesis]:
    """A hypothesis from form values, or a message per field at fault.

    Args:
        values: The form values (see the module docstring); missing keys take the
            empty form's values.
        base: The record the form was loaded from: the fields the form does not show
            (status, scores, verdicts, ...) are kept from it.

    Returns:
        A :class:`Mapped` with the hypothesis, or with the errors per form field.

    Examples:
        >>> values = {**empty_hypothesis(), "id": "express-pay", "change": "",
        ...           "metric": "converted", "expected_effect": 0.1}
        >>> hypothesis_from_values(values).errors
        {'change': 'required'}
    """
    v = {**empty_hypothesis(), **values}
    errors: dict[str, str] = {}
    checks: list[tuple[str, Any, bool, bool]] = [
        ("expected_effect", v["expected_effect"], False, True),
        ("time_frame_days", v["time_frame_days"], True, True),
    ]
    for i, row in enumerate(v["segments"] or []):
        if row.get("min_effect") is not None:  # None: a guardrail-only segment
            checks.append((f"segments[{i}].min_effect", row["min_effect"], False, True))
        checks.append((f"segments[{i}].priority", row.get("priority", 1), True, True))
        checks.append(
            (f"segments[{i}].guardrail_margin", row.get("guardrail_margin"), False, False)
        )
    typed = _check_numbers(checks, errors)
    data: dict[str, Any] = base.to_dict() if base is not None else {}
    for name in ("id", "title", "change", "metric", "outcome", "unit", "audience", "because"):
        data[name] = _text(v[name])
    data["key_result"] = _or_none(v["key_result"])
    data["direction"] = v["direction"]
    data["expected_effect"] = v["expected_effect"]
    data["relative"] = bool(v["relative"])
    data["time_frame_days"] = v["time_frame_days"]
    data["learnings"] = list(v["learnings"] or [])
    rows = list(v["segments"] or [])
    data["criteria"] = [_criteria_data(r, errors, f"segments[{i}]") for i, r in enumerate(rows)]
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        name = _text(row.get("segment"))
        if name and name in seen:
            _add(errors, f"segments[{i}].segment", f"{name!r} is already segment {seen[name] + 1}")
        seen.setdefault(name, i)
    duplicated = len(seen) < len(rows)
    if _id_error(data["id"]):
        errors["id"] = "required"
    record = None
    try:
        record = Hypothesis.model_validate(data)
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = _hypothesis_key(loc)
            if (key == "id" and "id" in errors) or key in typed:
                continue  # already said
            if key == "segments" and duplicated:
                continue  # the duplicate is already shown on its row
            _add(errors, key, _message(err))
    return Mapped(None if errors else record, errors)


# --------------------------------------------------------------------- learnings
def empty_evidence() -> dict[str, Any]:
    """The values of a new evidence row."""
    return {
        "kind": "ab_test",
        "sample_size": None,
        "segment": "",
        "metric": "",
        "method": "",
        "experiments": [],
        "strength": None,
        "extra": {},
    }


def empty_learning(as_of: dt.date | None = None) -> dict[str, Any]:
    """The values of an empty learning form, recorded on ``as_of``."""
    return {
        "id": "",
        "title": "",
        "believed": "",
        "observed": "",
        "learned": "",
        "decision": None,
        "evidence": [empty_evidence()],
        "segments": [],
        "audience": "",
        "objective": None,
        "hypothesis": None,
        "recorded": as_of,
        "expires": None,
    }


_EVIDENCE_SHOWN = ("kind", "sample_size", "segment", "metric", "method", "experiments", "strength")


def _evidence_values(e: Evidence) -> dict[str, Any]:
    defaults = {k: f.default for k, f in Evidence.model_fields.items()}
    plain = {k: v for k, v in e.to_dict().items() if v != defaults.get(k)}
    return {
        "kind": e.kind,
        "sample_size": e.sample_size,
        "segment": e.segment or "",
        "metric": e.metric or "",
        "method": e.method,
        "experiments": list(e.experiments),
        "strength": e.strength,
        "extra": {k: v for k, v in plain.items() if k not in _EVIDENCE_SHOWN},
    }


def learning_values(learning: Learning) -> dict[str, Any]:
    """The form values of a learning.

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import Evidence, Learning
        >>> x = Learning(id="pros-wait", believed="b", observed="o", learned="l",
        ...              decision="pivot", evidence=[Evidence(kind="survey", effect=0.1)],
        ...              recorded=dt.date(2026, 10, 1))
        >>> values = learning_values(x)
        >>> values["evidence"][0]["kind"], values["expires"]
        ('survey', datetime.date(2026, 12, 30))
        >>> learning_from_values(values, base=x).record == x
        True
    """
    return {
        "id": learning.id,
        "title": learning.title,
        "believed": learning.believed,
        "observed": learning.observed,
        "learned": learning.learned,
        "decision": learning.decision,
        "evidence": [_evidence_values(e) for e in learning.evidence],
        "segments": list(learning.segments),
        "audience": learning.context.audience,
        "objective": learning.context.objective,
        "hypothesis": learning.hypothesis,
        "recorded": learning.recorded,
        "expires": learning.expires,
    }


def default_expiry(
    recorded: dt.date | None,
    kinds: Sequence[str],
    shelf_life: Mapping[str, int] | None = None,
) -> dt.date | None:
    """The expiry a learning gets without ``expires``: the shortest shelf life of its kinds.

    Returns None when ``recorded`` is missing or no kind has a shelf life.

    Examples:
        >>> import datetime as dt
        >>> default_expiry(dt.date(2026, 9, 1), ["ab_test", "analytics"])
        datetime.date(2026, 12, 30)
        >>> default_expiry(dt.date(2026, 9, 1), ["ab_test"], {"ab_test": 365})
        datetime.date(2027, 9, 1)
    """
    shelf = merged_shelf_life(shelf_life)
    days = [shelf[k] for k in kinds if k in shelf]
    if recorded is None or not days:
        return None
    return recorded + dt.timedelta(days=min(days))


def _learning_key(loc: tuple[int | str, ...], message: str) -> str:
    if not loc:
        if message.startswith("expires"):
            return "expires"
        return "evidence" if "shelf life" in message else ""
    head = loc[0]
    if head == "evidence":
        if len(loc) == 1 or not isinstance(loc[1], int):
            return "evidence"
        name = str(loc[2]) if len(loc) > 2 else "kind"
        return f"evidence[{loc[1]}].{name if name in EVIDENCE_FIELDS else 'kind'}"
    if head == "context":
        name = str(loc[1]) if len(loc) > 1 else ""
        return name if name in ("audience", "objective") else ""
    name = str(head)
    return name if name in LEARNING_FIELDS else ""


def learning_from_values(
    values: Mapping[str, Any],
    *,
    shelf_life: Mapping[str, int] | None = None,
    base: Learning | None = None,
) -> Mapped[Learning]:
    """A learning from form values, or a message per field at fault.

    Args:
        values: The form values (see the module docstring).
        shelf_life: Days per evidence kind (``registry.shelf_life``), for the default
            expiry when ``expires`` is None.
        base: The record the form was loaded from: the fields the form does not show
            (revalidated, retired, superseded_by, contradicts, context.method) are kept.

    Returns:
        A :class:`Mapped` with the learning, or with the errors per form field.
    """
    v = {**empty_learning(), **values}
    errors: dict[str, str] = {}
    rows = list(v["evidence"] or [])
    typed = _check_numbers(
        [
            (f"evidence[{i}].sample_size", r.get("sample_size"), True, False)
            for i, r in enumerate(rows)
        ],
        errors,
    )
    data: dict[str, Any] = base.to_dict() if base is not None else {}
    for name in ("id", "title", "believed", "observed", "learned"):
        data[name] = _text(v[name])
    data["decision"] = v["decision"]
    evidence = []
    for row in rows:
        item = dict(row.get("extra") or {})
        item["kind"] = _text(row.get("kind"))
        for name in ("sample_size", "strength"):
            if _or_none(row.get(name)) is not None:
                item[name] = row[name]
        for name in ("segment", "metric"):
            if _text(row.get(name)):
                item[name] = _text(row.get(name))
        item["method"] = _text(row.get("method"))
        item["experiments"] = split_list(row.get("experiments"))
        evidence.append(item)
    data["evidence"] = evidence
    data["segments"] = split_list(v["segments"])
    context = dict(data.get("context") or {})
    context["audience"] = _text(v["audience"])
    context["objective"] = _or_none(v["objective"])
    data["context"] = context
    data["hypothesis"] = _or_none(v["hypothesis"])
    data["recorded"] = v["recorded"]
    if v["expires"] is None:
        data.pop("expires", None)
    else:
        data["expires"] = v["expires"]
    if _id_error(data["id"]):
        errors["id"] = "required"
    record = None
    try:
        record = Learning.model_validate(data, context={"shelf_life": dict(shelf_life or {})})
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            message = _message(err)
            key = _learning_key(tuple(err["loc"]), message)
            if (key == "id" and "id" in errors) or key in typed:
                continue  # already said
            if key == "evidence" and err["type"] == "too_short" and rows:
                continue  # pydantic's echo of a bad row, which is named on its field
            _add(errors, key, message)
    return Mapped(None if errors else record, errors)


def learning_label(learning: Learning, as_of: dt.date) -> str:
    """How a learning is listed in a picker: its id, marked when not in force on ``as_of``.

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import Evidence, Learning
        >>> x = Learning(id="pros-wait-for-hd", believed="b", observed="o", learned="l",
        ...              decision="pivot", evidence=[Evidence(kind="analytics")],
        ...              recorded=dt.date(2026, 6, 3))
        >>> learning_label(x, dt.date(2026, 11, 22))
        'pros-wait-for-hd (expired 2026-10-01)'
    """
    status = learning.status(as_of)
    if status == "expired":
        return f"{learning.id} (expired {learning.expires.isoformat()})"
    if status == "retired" and learning.retired is not None:
        return f"{learning.id} (retired {learning.retired.isoformat()})"
    if status == "superseded":
        return f"{learning.id} (superseded by {learning.superseded_by})"
    return learning.id


def retest_values(learning: Learning) -> dict[str, Any]:
    """Hypothesis form values that cite ``learning``, to test it again.

    The segments, the metric, the audience and the objective come from the learning;
    the change and the expected effect are left to fill in.

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import Evidence, Learning
        >>> x = Learning(id="pros-wait", believed="b", observed="o", learned="pros wait",
        ...              decision="pivot", segments=["professional"],
        ...              evidence=[Evidence(kind="analytics", metric="published")],
        ...              recorded=dt.date(2026, 6, 3))
        >>> v = retest_values(x)
        >>> v["learnings"], v["metric"], [s["segment"] for s in v["segments"]]
        (['pros-wait'], 'published', ['professional'])
    """
    metric = next((e.metric for e in learning.evidence if e.metric), "")
    values = empty_hypothesis()
    values.update(
        {
            "title": f"Re-test: {learning.label}",
            "metric": metric,
            "because": learning.learned,
            "learnings": [learning.id],
            "objective": learning.context.objective,
            "segments": [{**empty_segment(), "segment": s} for s in learning.segments],
        }
    )
    if learning.context.audience:
        values["audience"] = learning.context.audience
    return values


#: The evidence kinds a form offers when no registry says otherwise.
DEFAULT_KINDS: tuple[str, ...] = tuple(DEFAULT_SHELF_LIFE)
