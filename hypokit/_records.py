"""Records: objectives, key results, hypotheses, experiments and learnings.

The records are validated, frozen pydantic models. Unknown fields are refused (a typo
in a hand-edited file is an error, not a silently ignored key); a record is changed by
``record.model_copy(update={...})`` or by the methods that return a changed copy
(:meth:`Hypothesis.transition`, :meth:`Hypothesis.conclude`, :meth:`Learning.renew`,
...). :class:`~hypokit.Registry` keeps them as YAML files, one per record.

How they link (each arrow is a field holding an id)::

    KeyResult.objective                        → Objective
    Hypothesis.key_result                      → KeyResult
    Hypothesis.learnings                       → Learning   (what it rests on)
    Experiment.hypothesis                      → Hypothesis
    Learning.evidence[].experiments            → Experiment
    Learning.hypothesis                        → Hypothesis
    Learning.context.objective                 → Objective
    Learning.superseded_by, Learning.contradicts → Learning
    Learning.contradicted_by                   → Learning   (the other side of contradicts)

Every function that depends on a date takes it as ``as_of``: nothing here reads the
clock, so the same records give the same answers in a notebook, a test and CI.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import reprlib
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, NamedTuple, get_args

import pydantic
import pydantic_core
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hypokit._errors import ValidationError
from hypokit._results import format_number
from hypokit._validate import check_choice, check_finite

if TYPE_CHECKING:
    import pandas as pd

    from hypokit._analysis import AnalysisResult, Criterion

__all__ = [
    "DEFAULT_DUE_WITHIN",
    "DEFAULT_SHELF_LIFE",
    "EVI",
    "ICE",
    "MAX_SHELF_LIFE",
    "RICE",
    "STATUS_MEANING",
    "TRANSITIONS",
    "Context",
    "Evidence",
    "Experiment",
    "Guardrail",
    "Hypothesis",
    "KeyResult",
    "Learning",
    "Objective",
    "PlanSegment",
    "Record",
    "SegmentCriteria",
    "StatusChange",
    "contradicted_learnings",
    "describe_errors",
    "evidence_contradicts",
    "lifecycle_path",
    "prioritize",
    "same_change",
    "short_repr",
]

Direction = Literal["increase", "decrease"]
Verdict = Literal["met", "not met", "inconclusive"]
ObjectiveStatus = Literal["active", "achieved", "missed", "abandoned"]
HypothesisStatus = Literal[
    "idea", "planned", "running", "validated", "invalidated", "inconclusive", "archived"
]
ExperimentStatus = Literal["planned", "running", "concluded", "stopped"]
LearningStatus = Literal[
    "active", "due for review", "expired", "revalidated", "superseded", "retired"
]
Decision = Literal["retire", "pivot", "persevere", "keep testing"]
Strength = Literal["weak", "moderate", "strong"]
Score = Literal["ice", "rice", "evi"]

#: Hypothesis statuses that are still open (not concluded, not archived).
OPEN_STATUSES: tuple[HypothesisStatus, ...] = ("idea", "planned", "running")
#: The statuses of a concluded hypothesis.
CONCLUDED_STATUSES: tuple[HypothesisStatus, ...] = ("validated", "invalidated", "inconclusive")

#: The status changes a hypothesis may make: idea → planned → running → concluded
#: (validated, invalidated, inconclusive) → archived, with a few steps back (a plan put
#: back to an idea, a stopped test re-planned, an inconclusive test run again).
TRANSITIONS: dict[HypothesisStatus, tuple[HypothesisStatus, ...]] = {
    "idea": ("planned", "archived"),
    "planned": ("running", "idea", "archived"),
    "running": ("validated", "invalidated", "inconclusive", "planned", "archived"),
    "validated": ("archived",),
    "invalidated": ("archived",),
    "inconclusive": ("running", "planned", "archived"),
    "archived": (),
}

#: Days a learning stays valid, per kind of evidence, when ``expires`` is not given.
#: A registry reads overrides (and new kinds) from ``[tool.hypokit.shelf_life]`` in the
#: nearest ``pyproject.toml``.
DEFAULT_SHELF_LIFE: dict[str, int] = {
    "ab_test": 180,
    "quasi_experiment": 150,
    "analytics": 120,
    "survey": 90,
    "qualitative": 90,
    "other": 90,
}

#: The longest shelf life a registry accepts, in days (about 100 years): a larger one
#: is a typo, and would put expiry dates past the last date there is (9999-12-31).
MAX_SHELF_LIFE = 36_500

#: Days before its expiry when a learning becomes "due for review".
DEFAULT_DUE_WITHIN = 30

ALL_SEGMENTS = "(all)"

_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_ID_MAX = 100
# Placeholder for Learning.expires before the shelf life fills it in; never kept.
_NO_DATE = dt.date.min
_DATE = pydantic.TypeAdapter(dt.date)


def _check_id(value: str) -> str:
    if len(value) > _ID_MAX or ".." in value or not _ID.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '-', '_' and '.', "
            f"starting with a letter or digit, at most {_ID_MAX} characters, without a "
            "path separator or '..'"
        )
    return value


#: A record id: a slug that is safe as a file name (``express-pay``, ``kr-2026q4.1``).
RecordId = Annotated[str, AfterValidator(_check_id)]


def _check_kind(value: str) -> str:
    if not _ID.fullmatch(value) or ".." in value:
        raise ValueError(f"{value!r} is not a valid evidence kind: use a slug such as 'ab_test'")
    return value


EvidenceKind = Annotated[str, AfterValidator(_check_kind)]


# ------------------------------------------------------------------------- errors
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6


def short_repr(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut to at most ``limit`` characters, for messages about bad input.

    A value in an error message is there to be recognised, not copied: a record file
    can hold a megabyte of text, or a few aliases that expand to millions of items.

    Examples:
        >>> from hypokit._records import short_repr
        >>> short_repr("a week")
        "'a week'"
        >>> short_repr(list(range(100)))
        '[0, 1, 2, 3, 4, 5, ...]'
    """
    try:
        text = _SHORT.repr(value)
    except ValueError:  # an int too long to convert to text
        return f"<{type(value).__name__} too long to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _loc_text(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``X``, ``X | None``, ``tuple[X, ...]``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names of the (nested) model that ``loc`` points into."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    return list(current.model_fields) if current is not None else []


def describe_errors(
    exc: pydantic.ValidationError, model: type[BaseModel]
) -> list[tuple[tuple[int | str, ...], str]]:
    """Plain messages for a pydantic validation error, one per problem.

    Args:
        exc: The error pydantic raised.
        model: The model that was validated (to suggest the right name for an unknown
            field).

    Returns:
        ``(location, message)`` pairs; the location is the path of the field
        (``("criteria", 0, "min_effect")``) and the message names it, e.g.
        ``field 'time_frame_days' == 0: Input should be greater than or equal to 1``.

    Examples:
        >>> import pydantic
        >>> from hypokit._records import ICE, describe_errors
        >>> try:
        ...     ICE.model_validate({"impact": 11, "confidence": 5, "ease": 5, "cost": 1})
        ... except pydantic.ValidationError as exc:
        ...     for _, message in describe_errors(exc, ICE):
        ...         print(message)
        field 'impact' == 11: Input should be less than or equal to 10
        unknown field 'cost' (the fields are impact, confidence, ease)
    """
    out: list[tuple[tuple[int | str, ...], str]] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        about = (err.get("ctx") or {}).get("field")
        if not loc and isinstance(about, str):  # a check of the whole record about one field
            out.append(((about,), f"field {about!r}: {msg}"))
            continue
        name = _loc_text(loc)
        if kind == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the fields are {', '.join(known)}"
            text = f"unknown field {name!r} ({hint})"
        elif kind == "missing":
            text = f"field {name!r} is missing"
        elif not loc:
            text = msg
        else:
            text = f"field {name!r} == {short_repr(err.get('input'))}: {msg}"
        out.append((loc, text))
    return out


# -------------------------------------------------------------------------- bases
class _Model(BaseModel):
    """Frozen, strict about unknown fields; a bad value raises hk.ValidationError."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        coerce_numbers_to_str=True,
        allow_inf_nan=False,
        str_strip_whitespace=True,
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            problems = "; ".join(m for _, m in describe_errors(exc, type(self)))
            raise ValidationError(f"{type(self).__name__}: {problems}.") from exc

    # Validation (model_validate, nested records) keeps pydantic's own errors: only a
    # direct call turns them into hk.ValidationError. (The same marker as pydantic's.)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data in field order, leaving out empty optional fields.

        This is what a registry file holds: dates stay dates, tuples become lists, and
        fields that equal an empty default (None, "", an empty list) are left out.
        """
        return _plain_model(self)


def _is_empty_default(field: Any, value: Any) -> bool:
    if field.is_required():
        return False
    default = field.get_default(call_default_factory=True)
    empty = default is None or (isinstance(default, str | tuple | list | dict) and not default)
    return bool((empty or isinstance(default, BaseModel)) and value == default)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain_model(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _plain_model(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if _is_empty_default(field, value):
            continue
        out[name] = _plain(value)
    return out


class Record(_Model):
    """The base of every record kept in a registry: an id and links to other records.

    Attributes:
        id: A slug that is safe as a file name: lowercase letters, digits, ``-``,
            ``_`` and ``.``, starting with a letter or digit (no ``/``, no ``..``).
    """

    kind: ClassVar[str] = "record"
    folder: ClassVar[str] = "records"

    id: RecordId

    def links(self) -> list[tuple[str, str, str]]:
        """The ids this record refers to: ``(field, id, kind of record expected)``."""
        return []

    @property
    def label(self) -> str:
        """A short name for lists and diagrams: the title, or else the id."""
        title = getattr(self, "title", "")
        return str(title) if title else self.id


# --------------------------------------------------------------------------- OKRs
class Objective(Record):
    """An objective: the qualitative goal that key results measure.

    Attributes:
        id: The objective's id.
        title: The goal in a few words.
        description: Why it matters.
        owner: Who answers for it.
        status: ``active``, ``achieved``, ``missed`` or ``abandoned``.
        start, end: The period it covers (optional).

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import Objective
        >>> goal = Objective(id="checkout", title="Make checkout effortless",
        ...                  end=dt.date(2026, 12, 31))
        >>> goal.is_active(as_of=dt.date(2026, 11, 1)), goal.is_active(dt.date(2027, 1, 1))
        (True, False)
    """

    kind: ClassVar[str] = "objective"
    folder: ClassVar[str] = "objectives"

    title: str = Field(min_length=1)
    description: str = ""
    owner: str = ""
    status: ObjectiveStatus = "active"
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _period(self) -> Objective:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end == {self.end}, must not be before start ({self.start})")
        return self

    def is_active(self, as_of: dt.date) -> bool:
        """Whether the objective is still pursued on ``as_of``: active and not past its end."""
        return self.status == "active" and (self.end is None or as_of <= self.end)


class KeyResult(Record):
    """A key result: a metric to move from a baseline to a target by a deadline.

    Attributes:
        id: The key result's id.
        objective: The id of the objective it measures.
        title: The key result in words.
        metric: The metric's name, as in the analysis (``"converted"``).
        baseline, target: Where the metric starts and where it should be; a target
            below the baseline means the metric should go down.
        deadline: When the target is due.
        unit: The metric's unit, for display (``"%"``, ``"EUR"``).
        segment: The segment it is about, if only one (``None`` for everyone).
        current: The metric's latest value, when measured (:meth:`measure`).
        measured: The date ``current`` was measured or estimated.
        source: Where ``current`` came from: an experiment or hypothesis id, a
            dashboard, or a note (free text).

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import KeyResult
        >>> kr = KeyResult(id="kr-conversion", objective="checkout", metric="converted",
        ...                baseline=0.075, target=0.085, deadline=dt.date(2026, 12, 31))
        >>> round(kr.progress(0.08), 3)
        0.5
        >>> now = kr.measure(0.0785, as_of=dt.date(2026, 11, 10), source="finance dashboard")
        >>> now.current, now.measured, round(now.current_progress, 2)
        (0.0785, datetime.date(2026, 11, 10), 0.35)
    """

    kind: ClassVar[str] = "key_result"
    folder: ClassVar[str] = "key_results"

    objective: RecordId
    title: str = ""
    metric: str = Field(min_length=1)
    baseline: float
    target: float
    deadline: dt.date
    unit: str = ""
    segment: str | None = None
    current: float | None = None
    measured: dt.date | None = None
    source: str = ""

    @model_validator(mode="after")
    def _target_moves(self) -> KeyResult:
        if self.target == self.baseline:
            raise ValueError(f"target == {self.target!r}, must differ from the baseline")
        if (self.current is None) != (self.measured is None):
            given, missing = (
                ("current", "measured") if self.measured is None else ("measured", "current")
            )
            raise ValueError(f"{given} is set but {missing} is not: give both, or neither")
        if self.source and self.current is None:
            raise ValueError("source is set without a current value: give current and measured")
        return self

    def links(self) -> list[tuple[str, str, str]]:
        """The objective this key result measures."""
        return [("objective", self.objective, "objective")]

    def progress(self, value: float) -> float:
        """The share of the way from baseline to target that ``value`` covers.

        0 at the baseline, 1 at the target, above 1 beyond it, negative when the metric
        moved the wrong way. Works for targets below the baseline too.
        """
        return (float(value) - self.baseline) / (self.target - self.baseline)

    @property
    def current_progress(self) -> float | None:
        """:meth:`progress` of the ``current`` value, or None when not measured."""
        return None if self.current is None else self.progress(self.current)

    def measure(self, value: float, *, as_of: dt.date, source: str = "") -> KeyResult:
        """A copy whose current value is ``value``, measured on ``as_of``.

        Args:
            value: The metric's value (in its units, like ``baseline`` and ``target``).
            as_of: The date of the measurement.
            source: Where the value comes from: an experiment or hypothesis id, a
                dashboard, a note.

        Raises:
            ValidationError: ``value`` is not a finite number or ``as_of`` not a date.
        """
        number = check_finite("value", value)
        if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
            raise ValidationError(f"as_of == {as_of!r}, must be a date.")
        data = {**self.model_dump(), "current": _sig(number), "measured": as_of}
        return KeyResult(**{**data, "source": source})

    def shipped(
        self,
        result: AnalysisResult | Mapping[str, Any],
        *,
        segment: str | None = None,
        variant: str | None = None,
    ) -> tuple[float, float]:
        """The effect of shipping the tested variant, and the share it applies to.

        Returns ``(effect, share)``: how much the key result's metric moves, in its
        units, when the variant ships to the segment of the row used, and that
        segment's share of the key result's population. See :meth:`progress_from`.

        Raises:
            ValidationError: As :meth:`progress_from`.
        """
        seg = segment or self.segment or ALL_SEGMENTS
        if isinstance(result, Mapping):
            row: Mapping[str, Any] = result
            seg = str(row.get("segment") or ALL_SEGMENTS)
        else:
            row = self._row(result, seg, variant)
        metric = row.get("metric")
        if metric is not None and metric != self.metric:
            raise ValidationError(
                f"the row is about metric {metric!r}; key result {self.id!r} measures "
                f"{self.metric!r}."
            )
        effect = float(row["effect"])
        if seg in (ALL_SEGMENTS, self.segment):
            return effect, 1.0
        if self.segment is not None:
            raise ValidationError(
                f"segment == {seg!r}; key result {self.id!r} is about segment "
                f"{self.segment!r}: use that segment's row."
            )
        if isinstance(result, Mapping):
            raise ValidationError(
                f"the row is about segment {seg!r} and key result {self.id!r} about "
                "everyone: pass the AnalysisResult, whose '(all)' row gives the segment's "
                "share of the units."
            )
        if row.get("kind") == "ratio":
            raise ValidationError(
                f"metric {self.metric!r} is a ratio: a segment moves the population's ratio "
                "by its share of the denominator, not of the units. Use the '(all)' row "
                "(segment=None), or a key result about the segment."
            )
        whole = self._row(result, ALL_SEGMENTS, variant)
        units = float(row["n_control"] + row["n_variant"])
        total = float(whole["n_control"] + whole["n_variant"])
        return effect, units / total

    def _row(self, result: AnalysisResult, segment: str, variant: str | None) -> dict[str, Any]:
        try:
            return result.row(self.metric, segment, variant)
        except KeyError as exc:
            raise ValidationError(
                f"key result {self.id!r}: the analysis has no row for metric {self.metric!r} "
                f"in segment {segment!r} ({exc.args[0] if exc.args else 'not found'})."
            ) from None

    def value_from(
        self,
        result: AnalysisResult | Mapping[str, Any],
        *,
        segment: str | None = None,
        variant: str | None = None,
    ) -> float:
        """The value the metric would reach if the tested variant shipped.

        ``baseline + share × effect``; see :meth:`progress_from`.
        """
        effect, share = self.shipped(result, segment=segment, variant=variant)
        return self.baseline + share * effect

    def progress_from(
        self,
        result: AnalysisResult | Mapping[str, Any],
        *,
        segment: str | None = None,
        variant: str | None = None,
    ) -> float:
        """The progress the key result would make if the tested variant shipped.

        ``progress(baseline + share × effect)``, in the metric's units: ``effect`` is
        the analysis's absolute effect (variant minus control). The relative ``lift``
        is not used: the analysis defines it as ``effect / |control_mean|``, relative
        to the tested segment's control mean, which is not the key result's baseline.

        ``share`` is 1 when the row is about the key result's own population: the
        ``"(all)"`` row, or the segment the key result is about. When the key result
        is about everyone and the row about one segment, shipping the change to that
        segment moves the population's metric by the segment's share of the units
        times the segment's effect (for a per-unit mean or a proportion, the
        population's value is the units-weighted average of the segments'), so
        ``share`` is the segment's units (``n_control + n_variant`` of its row) over the
        ``"(all)"`` row's, as in the analysis. That needs the
        :class:`~hypokit.AnalysisResult`, not a row alone; a ratio metric is refused
        there (its weight is the segment's share of the denominator). An ``"(all)"``
        row used for a key result about one segment is read as that segment's effect,
        unweighted (prefer the segment's own row).

        Args:
            result: An :class:`~hypokit.AnalysisResult` (its row for this key result's
                metric is used) or one row of ``result.to_pandas()`` / ``result.row()``.
            segment: The segment's row to use (default: the key result's segment, or
                ``"(all)"``).
            variant: The variant (needed when the result has several).

        Raises:
            ValidationError: The row is about another metric; about another segment
                than the key result's; or about a segment of a key result about
                everyone while only a row was given, or for a ratio metric.

        Examples:
            >>> import datetime as dt
            >>> from hypokit._records import KeyResult
            >>> kr = KeyResult(id="kr", objective="o", metric="converted", baseline=0.04,
            ...                target=0.05, deadline=dt.date(2026, 12, 31))
            >>> round(kr.progress_from({"metric": "converted", "effect": 0.0067}), 2)
            0.67

            A segment with a quarter of the units, lifted by 0.0067, moves everyone's
            conversion by 0.25 × 0.0067:

            >>> import hypokit as hk, pandas as pd
            >>> n = {"new": 1000, "returning": 3000}  # units per arm
            >>> rows = [(seg, arm, int(i < k)) for seg, ks in
            ...         {"new": {"control": 40, "variant": 47}, "returning": {"control":
            ...          120, "variant": 120}}.items() for arm, k in ks.items()
            ...         for i in range(n[seg])]
            >>> data = pd.DataFrame(rows, columns=["segment", "variant", "converted"])
            >>> result = hk.analyze(data, variant="variant", control="control",
            ...                     segments="segment", metrics=[hk.Proportion("converted")])
            >>> effect, share = kr.shipped(result, segment="new")
            >>> round(effect, 6), share  # 47/1000 - 40/1000; 2000 of 8000 units
            (0.007, 0.25)
            >>> round(kr.progress_from(result, segment="new"), 3)  # 0.25 × 0.007 / 0.01
            0.175
        """
        return self.progress(self.value_from(result, segment=segment, variant=variant))


# ------------------------------------------------------------------ prioritisation
class ICE(_Model):
    """ICE scoring: impact, confidence and ease, each from 1 to 10.

    The score is their product (1 to 1,000), as Itamar Gilad and GrowthHackers use it;
    a product punishes a weak component more than an average would.

    Examples:
        >>> from hypokit._records import ICE
        >>> ICE(impact=8, confidence=5, ease=6).score
        240.0
    """

    impact: float = Field(ge=1, le=10)
    confidence: float = Field(ge=1, le=10)
    ease: float = Field(ge=1, le=10)

    @property
    def score(self) -> float:
        """``impact × confidence × ease``."""
        return float(self.impact * self.confidence * self.ease)


class RICE(_Model):
    """RICE scoring (Intercom): reach × impact × confidence / effort.

    Attributes:
        reach: Units (users, orders) affected per period, e.g. per quarter.
        impact: Per unit, on Intercom's scale: 3 massive, 2 high, 1 medium, 0.5 low,
            0.25 minimal (any positive number is accepted).
        confidence: A fraction in (0, 1]: 1 high, 0.8 medium, 0.5 low.
        effort: Person-months (or any unit of work, used the same way everywhere).

    Examples:
        >>> from hypokit._records import RICE
        >>> RICE(reach=2000, impact=2, confidence=0.8, effort=4).score
        800.0
    """

    reach: float = Field(gt=0)
    impact: float = Field(gt=0)
    confidence: float = Field(gt=0, le=1)
    effort: float = Field(gt=0)

    @property
    def score(self) -> float:
        """``reach × impact × confidence / effort``."""
        return float(self.reach * self.impact * self.confidence / self.effort)


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


class EVI(_Model):
    """The expected value of information of a test, from a normal prior on the effect.

    The decision is to ship the change or not; shipping is worth ``value_per_effect ×
    (effect − break_even)``. With a prior ``effect ~ Normal(prior_mean, prior_sd²)``,
    ``V = value_per_effect``, ``m = prior_mean − break_even`` and ``s = prior_sd``, the
    expected value of perfect information (the most a test could be worth) is::

        EVPI = V × (s × φ(m / s) − |m| × Φ(−|m| / s))

    (the normal loss function: deciding now earns ``V × max(m, 0)``; knowing the
    effect earns ``V × E[max(effect − break_even, 0)]``). The test costs
    ``cost + units × cost_per_unit``: a fixed cost, and the units of traffic the sizing
    plan needs (its ``n_total``, summed over segments) at the opportunity cost of one
    unit. The score is the net value, ``EVPI − total cost``: positive when a test could
    pay for itself. It is an upper bound, since a real test gives imperfect information.

    Attributes:
        prior_mean: The effect expected before testing (in the metric's units, or as a
            relative lift: whatever ``value_per_effect`` is per).
        prior_sd: How uncertain that is (> 0).
        value_per_effect: The value of one unit of effect over the decision's horizon
            (e.g. EUR per +1.0 relative lift per year: +10% is worth a tenth of it).
        cost: The fixed cost of running the test, in the same money (≥ 0).
        units: The experiment units the test needs (from the sizing plan), if known.
        cost_per_unit: What exposing one unit costs (≥ 0), e.g. the traffic's
            opportunity cost.
        break_even: The effect above which shipping pays (default 0).

    Examples:
        >>> from hypokit._records import EVI
        >>> evi = EVI(prior_mean=0.0, prior_sd=0.05, value_per_effect=100_000, cost=500,
        ...           units=20_000, cost_per_unit=0.01)
        >>> round(evi.evpi, 2), evi.total_cost, round(evi.score, 2)  # 100000 × 0.05 × φ(0)
        (1994.71, 700.0, 1294.71)
    """

    prior_mean: float
    prior_sd: float = Field(gt=0)
    value_per_effect: float = Field(gt=0)
    cost: float = Field(default=0.0, ge=0)
    units: int | None = Field(default=None, ge=1)
    cost_per_unit: float = Field(default=0.0, ge=0)
    break_even: float = 0.0

    @property
    def evpi(self) -> float:
        """The expected value of perfect information (see the class docstring)."""
        m = abs(self.prior_mean - self.break_even)
        s = self.prior_sd
        return self.value_per_effect * (s * _phi(m / s) - m * _cdf(-m / s))

    @property
    def total_cost(self) -> float:
        """``cost + units × cost_per_unit``."""
        return self.cost + (self.units or 0) * self.cost_per_unit

    @property
    def evpi_per_unit(self) -> float | None:
        """EVPI per experiment unit (None without ``units``), for tests that share traffic."""
        return None if self.units is None else self.evpi / self.units

    @property
    def score(self) -> float:
        """``evpi − total_cost``: the net expected value of testing (an upper bound)."""
        return self.evpi - self.total_cost


# ------------------------------------------------------------------- hypotheses
class Guardrail(_Model):
    """A metric that must not get worse by more than ``margin`` (a non-inferiority test).

    Attributes:
        metric: The metric's name in the analysis.
        margin: The largest harm tolerated (> 0), relative by default.
        direction: The direction that is good for this metric.
        relative: Whether ``margin`` is a relative lift or in the metric's units.
    """

    metric: str = Field(min_length=1)
    margin: float = Field(gt=0)
    direction: Direction = "increase"
    relative: bool = True

    def criterion(self) -> Criterion:
        """This guardrail as an :class:`~hypokit.Criterion` for ``result.verdict``."""
        from hypokit._analysis import Criterion

        return Criterion(
            self.metric, direction=self.direction, relative=self.relative, margin=self.margin
        )


class SegmentCriteria(_Model):
    """The success criteria of a hypothesis in one segment.

    Attributes:
        segment: The segment (``"(all)"`` for everyone).
        min_effect: The smallest effect on the hypothesis's metric that counts as
            success (≥ 0; 0 is any significant improvement). ``None`` judges only the
            guardrails in this segment (a segment that must not be harmed).
        direction: The good direction; ``None`` takes the hypothesis's.
        relative: ``min_effect`` as a relative lift or in the metric's units; ``None``
            takes the hypothesis's.
        guardrails: Metrics that must not get worse beyond a margin in this segment.
        priority: 1 is the highest. The top-priority segments decide whether the
            hypothesis is validated (see :meth:`Hypothesis.conclude`).
    """

    segment: str = Field(min_length=1)
    min_effect: float | None = Field(default=0.0, ge=0)
    direction: Direction | None = None
    relative: bool | None = None
    guardrails: tuple[Guardrail, ...] = ()
    priority: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _judges_something(self) -> SegmentCriteria:
        if self.min_effect is None and not self.guardrails:
            raise ValueError(
                f"segment {self.segment!r} has neither a min_effect nor guardrails: give one"
            )
        return self

    def same_as(self, other: SegmentCriteria) -> bool:
        """Whether both ask the same (min effect, direction, scale and guardrails)."""
        keys = ("min_effect", "direction", "relative", "guardrails")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


class Conclusion(NamedTuple):
    """What :meth:`Hypothesis.conclude` returns: the concluded hypothesis and a draft."""

    hypothesis: Hypothesis
    learning: Learning


def _sig(x: float, digits: int = 6) -> float:
    """``x`` rounded to ``digits`` significant digits, so that files stay readable."""
    return float(f"{x:.{digits}g}")


def _percent(x: float) -> str:
    return f"{x * 100:.3g}%"


def _signed_percent(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:+.1%}"


def _level_text(level: float) -> str:
    """A confidence level as a percentage without trailing zeros: 95%, 98.75%, 99.69%."""
    return f"{round(level * 100, 2):g}%"


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


class StatusChange(_Model):
    """One move of a hypothesis through its lifecycle: the status it entered, and when."""

    status: HypothesisStatus
    date: dt.date


#: What each status means, for forms and messages.
STATUS_MEANING: dict[HypothesisStatus, str] = {
    "idea": "written down, not yet sized or scheduled",
    "planned": "sized and scheduled; the experiment has not started",
    "running": "the experiment is live and collecting data",
    "validated": "concluded: the top-priority segments met their criteria",
    "invalidated": "concluded: a top-priority segment or a guardrail failed",
    "inconclusive": "concluded: the data could not tell",
    "archived": "set aside; kept for the record",
}


def lifecycle_path(old: HypothesisStatus, new: HypothesisStatus) -> tuple[HypothesisStatus, ...]:
    """The statuses a hypothesis passes through from ``old`` to ``new``, ``new`` included.

    The shortest path :data:`TRANSITIONS` allows (``idea`` → ``running`` passes through
    ``planned``); empty when ``old == new``.

    Raises:
        ValidationError: no path leads there (the message lists the direct moves).
    """
    check_choice("status", new, tuple(TRANSITIONS))
    if new == old:
        return ()
    paths: dict[HypothesisStatus, tuple[HypothesisStatus, ...]] = {old: ()}
    frontier = [old]
    while frontier:
        nxt = []
        for status in frontier:
            for step in TRANSITIONS.get(status, ()):
                if step not in paths:
                    paths[step] = (*paths[status], step)
                    nxt.append(step)
        frontier = nxt
    if new not in paths:
        allowed = TRANSITIONS.get(old, ())
        options = " or ".join(map(repr, allowed)) if allowed else "nothing (it is final)"
        raise ValidationError(
            f"status {old!r} → {new!r} is not allowed; from {old!r} it can move to {options}."
        )
    return paths[new]


class Hypothesis(Record):
    """A testable hypothesis tied to a key result, with per-segment success criteria.

    Attributes:
        id: The hypothesis's id.
        title: A short name (optional).
        change: What we will do, as it reads after "If we" (``"add express pay to the
            cart"``).
        metric: The metric's name in the analysis (``"converted"``).
        outcome: The metric in plain words for the statement (``"checkout
            conversion"``); the metric's name when empty.
        direction: ``"increase"`` or ``"decrease"``.
        expected_effect: The size of the expected change (> 0), relative by default.
        relative: Whether ``expected_effect`` is a relative lift (0.1 = 10%).
        unit: The unit of an absolute effect, for the statement (``"EUR"``).
        time_frame_days: Within how many days the effect should show.
        audience: Who the segments are, for the statement (``"customers"``).
        key_result: The id of the key result it serves.
        because: The reasoning behind it.
        learnings: Ids of the learnings it rests on.
        criteria: The success criteria per segment (:class:`SegmentCriteria`).
        status: ``idea`` → ``planned`` → ``running`` → ``validated`` /
            ``invalidated`` / ``inconclusive`` → ``archived`` (see :data:`TRANSITIONS`).
        ice, rice, evi: Prioritisation inputs (:class:`ICE`, :class:`RICE`,
            :class:`EVI`).
        verdicts: The verdict per segment once concluded.
        concluded: The date it was concluded.
        history: Its moves through the lifecycle, each with its date
            (:class:`StatusChange`), as :meth:`move` and ``Registry.move`` record them.

    Examples:
        >>> from hypokit._records import Hypothesis, SegmentCriteria
        >>> h = Hypothesis(
        ...     id="express-pay", change="add express pay to the cart",
        ...     metric="converted", outcome="checkout conversion", expected_effect=0.10,
        ...     time_frame_days=7, because="paying takes new customers five steps",
        ...     criteria=[SegmentCriteria(segment="new", min_effect=0.05),
        ...               SegmentCriteria(segment="returning")],
        ... )
        >>> print(h.statement)
        If we add express pay to the cart, checkout conversion will increase by 10% for new
        and returning customers within 7 days, because paying takes new customers five steps.
        >>> h.transition("planned").status
        'planned'
    """

    kind: ClassVar[str] = "hypothesis"
    folder: ClassVar[str] = "hypotheses"

    title: str = ""
    change: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    outcome: str = ""
    direction: Direction = "increase"
    expected_effect: float = Field(gt=0)
    relative: bool = True
    unit: str = ""
    time_frame_days: int = Field(ge=1)
    audience: str = "customers"
    key_result: RecordId | None = None
    because: str = ""
    learnings: tuple[RecordId, ...] = ()
    criteria: tuple[SegmentCriteria, ...] = ()
    status: HypothesisStatus = "idea"
    ice: ICE | None = None
    rice: RICE | None = None
    evi: EVI | None = None
    verdicts: dict[str, Verdict] = Field(default_factory=dict)
    concluded: dt.date | None = None
    history: tuple[StatusChange, ...] = ()

    @field_validator("criteria")
    @classmethod
    def _unique_segments(cls, value: tuple[SegmentCriteria, ...]) -> tuple[SegmentCriteria, ...]:
        seen: set[str] = set()
        for c in value:
            if c.segment in seen:
                raise ValueError(f"segment {c.segment!r} has two sets of criteria; merge them")
            seen.add(c.segment)
        return value

    def links(self) -> list[tuple[str, str, str]]:
        """The key result it serves and the learnings it cites."""
        out = [("key_result", self.key_result, "key_result")] if self.key_result else []
        return out + [(f"learnings[{i}]", lid, "learning") for i, lid in enumerate(self.learnings)]

    # ------------------------------------------------------------ reading
    @property
    def ordered_criteria(self) -> tuple[SegmentCriteria, ...]:
        """The criteria by priority (1 first), then in the order written."""
        return tuple(sorted(self.criteria, key=lambda c: c.priority))

    @property
    def segments(self) -> tuple[str, ...]:
        """The segments with a success criterion, by priority (guardrail-only left out)."""
        return tuple(c.segment for c in self.ordered_criteria if c.min_effect is not None)

    @property
    def effect_text(self) -> str:
        """The expected effect in words: ``"10%"``, or ``"2 EUR"`` when absolute."""
        if self.relative:
            return _percent(self.expected_effect)
        number = format_number(self.expected_effect)
        return f"{number} {self.unit}" if self.unit else number

    @property
    def statement(self) -> str:
        """The hypothesis as one sentence.

        "If we <change>, <outcome> will <increase|decrease> by <effect> for <segments>
        <audience> within <n> days, because <because>." Segments are those with a
        success criterion, by priority; without criteria the "for ..." part is left
        out, and without a reason the "because ..." part.
        """
        change = self.change.rstrip(". ")
        outcome = self.outcome or self.metric
        days = f"{self.time_frame_days} day{'' if self.time_frame_days == 1 else 's'}"
        text = f"If we {change}, {outcome} will {self.direction} by {self.effect_text}"
        segments = self.segments
        if segments:
            named = [s for s in segments if s != ALL_SEGMENTS]
            who = _join(named) if named else "all"
            text += f" for {who} {self.audience}".rstrip()
        text += f" within {days}"
        because = self.because.strip().rstrip(".")
        if because:
            text += f", because {because}"
        return text + "."

    @property
    def ice_score(self) -> float | None:
        """The ICE score, or None without ICE inputs."""
        return None if self.ice is None else self.ice.score

    @property
    def rice_score(self) -> float | None:
        """The RICE score, or None without RICE inputs."""
        return None if self.rice is None else self.rice.score

    @property
    def evi_score(self) -> float | None:
        """The net expected value of information (EVPI − cost), or None without inputs."""
        return None if self.evi is None else self.evi.score

    @property
    def is_open(self) -> bool:
        """Whether it is still an idea, planned or running."""
        return self.status in OPEN_STATUSES

    # ------------------------------------------------------------ changing
    def transition(self, to: HypothesisStatus, *, as_of: dt.date | None = None) -> Hypothesis:
        """A copy in status ``to``, if :data:`TRANSITIONS` allows the step.

        With ``as_of`` the move is recorded in ``history``.

        Raises:
            ValidationError: The step is not allowed (the message lists those that are).
        """
        check_status_change(self.id, self.status, to)
        history = self.history
        if as_of is not None and to != self.status:
            history = (*history, StatusChange(status=to, date=as_of))
        return self.model_copy(update={"status": to, "history": history})

    def move(self, to: HypothesisStatus, *, as_of: dt.date) -> Hypothesis:
        """A copy moved to ``to`` through every status on the way, each dated ``as_of``.

        ``idea`` → ``running`` passes through ``planned`` (both recorded); a move the
        lifecycle does not allow is refused. Concluding (``validated`` and so on) is
        :meth:`conclude`'s job, which records the verdicts too.

        Raises:
            ValidationError: No path leads to ``to``, or ``to`` is a concluded status.

        Examples:
            >>> import datetime as dt
            >>> from hypokit._records import Hypothesis
            >>> h = Hypothesis(id="x", change="c", metric="m", expected_effect=0.1,
            ...                time_frame_days=7)
            >>> started = h.move("running", as_of=dt.date(2026, 11, 2))
            >>> started.status, [(c.status, str(c.date)) for c in started.history]
            ('running', [('planned', '2026-11-02'), ('running', '2026-11-02')])
        """
        if to in ("validated", "invalidated", "inconclusive"):
            raise ValidationError(
                f"hypothesis {self.id!r}: {to!r} is a verdict; conclude it on an analysis "
                "(registry.conclude, or the analysis template)."
            )
        try:
            path = lifecycle_path(self.status, to)
        except ValidationError as exc:
            raise ValidationError(f"hypothesis {self.id!r}: {exc}") from None
        moved = self
        for status in path:
            moved = moved.transition(status, as_of=as_of)
        return moved

    def criteria_for_analysis(self) -> dict[str, list[Criterion]]:
        """The criteria as ``{segment: [hk.Criterion, ...]}`` for ``result.verdict``.

        Without criteria, the whole population (``"(all)"``) is judged on any
        significant change in the hypothesis's direction.
        """
        from hypokit._analysis import Criterion

        criteria = self.ordered_criteria or (SegmentCriteria(segment=ALL_SEGMENTS),)
        out: dict[str, list[Criterion]] = {}
        for c in criteria:
            crits = []
            if c.min_effect is not None:
                crits.append(
                    Criterion(
                        self.metric,
                        min_effect=c.min_effect,
                        direction=c.direction or self.direction,
                        relative=self.relative if c.relative is None else c.relative,
                    )
                )
            crits.extend(g.criterion() for g in c.guardrails)
            out[c.segment] = crits
        return out

    def conclude(
        self,
        result: AnalysisResult,
        *,
        as_of: dt.date,
        variant: str | None = None,
        experiment: str | None = None,
        learning_id: str | None = None,
        objective: str | None = None,
        shelf_life: Mapping[str, int] | None = None,
        earlier: Iterable[Learning] = (),
    ) -> Conclusion:
        """Judge the hypothesis on an analysis; record per-segment verdicts; draft a learning.

        Each segment is judged with ``result.verdict`` against its criteria (built as
        :class:`~hypokit.Criterion` objects, see :meth:`criteria_for_analysis`); a
        segment is met when all its criteria are met, not met when one is not.

        The outcome: **invalidated** when a top-priority segment is not met or any
        guardrail anywhere is not met; otherwise **validated** when every top-priority
        segment is met; otherwise **inconclusive**. The draft learning's decision:
        persevere (validated), pivot (invalidated but some segment met), retire
        (invalidated and no segment met), keep testing (inconclusive). Its evidence has
        one item per (segment, metric) judged, with the effect (a lift when the
        criterion is relative), its interval and a strength: strong when the adjusted
        p-value is below alpha / 5, moderate below alpha, weak otherwise; the adjusted
        p-value and whether the analysis found it significant are kept with it.

        The draft's ``contradicts`` lists the ``earlier`` learnings that its evidence
        contradicts (:func:`contradicted_learnings`: same metric and segment, the new
        interval entirely on the other side of zero from the old effect, significant
        after the correction). Record the other side with :meth:`Learning.contradicted`,
        or let :meth:`Registry.save_conclusion <hypokit.Registry.save_conclusion>` do it.

        Args:
            result: The analysis (:func:`hypokit.analyze`) of the hypothesis's test.
            as_of: The date of the conclusion (the learning's ``recorded`` date).
            variant: The variant to judge (needed when the result has several).
            experiment: The experiment's id, cited in the learning's evidence.
            learning_id: The draft learning's id (default ``"<id>-<as_of>"``).
            objective: The objective the learning is about (its context).
            shelf_life: Days per evidence kind (a registry's ``shelf_life``), for the
                learning's expiry.
            earlier: Learnings about the same change to check for contradictions
                (:meth:`Registry.conclude <hypokit.Registry.conclude>` picks them).

        Returns:
            ``(hypothesis, learning)``: the hypothesis concluded (status, verdicts,
            date) and a draft :class:`Learning` to edit before saving.

        Raises:
            ValidationError: The hypothesis is not running, the result has several
                variants and none was named, or a criterion's segment or metric is
                not in the result.

        Examples:
            >>> import datetime as dt
            >>> import hypokit as hk
            >>> from hypokit.datasets import checkout_experiment
            >>> from hypokit._records import Hypothesis, SegmentCriteria
            >>> result = hk.analyze(checkout_experiment(), variant="variant",
            ...     control="control", segments="segment",
            ...     metrics=[hk.Proportion("converted")])
            >>> h = Hypothesis(id="express-pay", change="add express pay",
            ...     metric="converted", expected_effect=0.1, time_frame_days=21,
            ...     status="running", criteria=[SegmentCriteria(segment="new")])
            >>> done, learning = h.conclude(result, as_of=dt.date(2026, 11, 10))
            >>> done.status, done.verdicts, learning.decision, learning.expires
            ('validated', {'new': 'met'}, 'persevere', datetime.date(2027, 5, 9))
        """
        if self.status != "running":
            raise ValidationError(_not_running(self.id, self.status))
        if variant is None and len(result.variants) > 1:
            raise ValidationError(
                f"variant == None; the result has {', '.join(map(repr, result.variants))}: "
                "name the one this hypothesis is about."
            )
        variant = variant or result.variants[0]
        per_segment = self.criteria_for_analysis()
        table = result.verdict(per_segment, variant=variant)
        by_segment = table.by_segment()
        rows = table.to_records()
        criteria = self.ordered_criteria or (SegmentCriteria(segment=ALL_SEGMENTS),)
        top = min(c.priority for c in criteria)
        primary = [c.segment for c in criteria if c.priority == top]
        guard_broken = any(r["kind"] == "guardrail" and r["verdict"] == "not met" for r in rows)
        outcome: HypothesisStatus
        if guard_broken or any(by_segment[s] == "not met" for s in primary):
            outcome = "invalidated"
        elif all(by_segment[s] == "met" for s in primary):
            outcome = "validated"
        else:
            outcome = "inconclusive"
        decision: Decision
        if outcome == "validated":
            decision = "persevere"
        elif outcome == "invalidated":
            decision = "pivot" if "met" in by_segment.values() else "retire"
        else:
            decision = "keep testing"
        verdicts = {c.segment: typing.cast(Verdict, by_segment[c.segment]) for c in criteria}
        concluded = self.model_copy(
            update={
                "status": outcome,
                "verdicts": verdicts,
                "concluded": as_of,
                "history": (*self.history, StatusChange(status=outcome, date=as_of)),
            }
        )
        learning = _draft_learning(
            self,
            result,
            rows,
            verdicts,
            outcome,
            decision,
            as_of=as_of,
            variant=variant,
            experiment=experiment,
            learning_id=learning_id,
            objective=objective,
            shelf_life=shelf_life,
        )
        contradicted = contradicted_learnings(learning, earlier)
        if contradicted:
            learning = learning.model_copy(update={"contradicts": contradicted})
        return Conclusion(concluded, learning)


def _not_running(record_id: str, status: str) -> str:
    """Why a hypothesis cannot be concluded, and exactly what to run."""
    if status in ("idea", "planned"):
        return (
            f"hypothesis {record_id!r} is {status!r}; only a running one can be concluded: "
            f"start it first with `hypokit hypotheses start {record_id} --as-of YYYY-MM-DD` "
            f"(or registry.move({record_id!r}, 'running', as_of=...)), the day the "
            "experiment went live."
        )
    return f"hypothesis {record_id!r} is {status!r}; only a running one can be concluded" + (
        ": it was concluded already (see its verdicts)."
        if status in ("validated", "invalidated", "inconclusive")
        else "."
    )


def check_status_change(record_id: str, old: str, new: str) -> None:
    """Refuse a hypothesis status change that :data:`TRANSITIONS` does not allow."""
    check_choice("status", new, tuple(TRANSITIONS))
    allowed = TRANSITIONS.get(typing.cast(HypothesisStatus, old), ())
    if new != old and new not in allowed:
        options = " or ".join(map(repr, allowed)) if allowed else "nothing (it is final)"
        raise ValidationError(
            f"hypothesis {record_id!r}: status {old!r} → {new!r} is not allowed; "
            f"from {old!r} it can move to {options}."
        )


_METHODS = {"proportion": "two-sample z-test", "mean": "Welch's t-test", "ratio": "delta method"}


def _draft_learning(
    h: Hypothesis,
    result: AnalysisResult,
    rows: list[dict[str, Any]],
    verdicts: Mapping[str, str],
    outcome: str,
    decision: Decision,
    *,
    as_of: dt.date,
    variant: str,
    experiment: str | None,
    learning_id: str | None,
    objective: str | None,
    shelf_life: Mapping[str, int] | None,
) -> Learning:
    correction = f", {result.correction} correction" if result.correction else ""
    observed, evidence, seen = [], [], set()
    for r in rows:
        label = "guardrail " if r["kind"] == "guardrail" else ""
        fmt = _signed_percent if r.get("scale", "lift") == "lift" else format_number
        try:
            ci_level = float(result.row(r["metric"], r["segment"], variant)["ci_level"])
        except KeyError:
            ci_level = 1 - result.alpha
        adjusted = (
            f", {result.correction}-adjusted"
            if result.correction and ci_level > (1 - result.alpha)
            else ""
        )
        observed.append(
            f"{r['segment']}: {r['metric']} {fmt(r['estimate'])} "
            f"({_level_text(ci_level)} CI{adjusted} {fmt(r['ci_low'])} to {fmt(r['ci_high'])}), "
            f"{label}{r['criterion']}: {r['verdict']}"
        )
        key = (r["segment"], r["metric"])
        if key in seen or not math.isfinite(r["estimate"]):
            continue
        seen.add(key)
        row = result.row(r["metric"], r["segment"], variant)
        p_adj = float(row["p_adjusted"])
        # A Bayesian reading has no p-values; p_adjust never exceeds 1 (min guards rounding).
        p_kept = _sig(min(p_adj, 1.0), 4) if math.isfinite(p_adj) else None
        strength: Strength = (
            "strong" if p_adj < result.alpha / 5 else "moderate" if p_adj < result.alpha else "weak"
        )
        evidence.append(
            Evidence(
                kind="ab_test",
                experiments=(experiment,) if experiment else (),
                method=_METHODS.get(str(row.get("kind")), "A/B test") + correction,
                sample_size=int(row["n_control"] + row["n_variant"]),
                segment=r["segment"],
                metric=r["metric"],
                effect=_sig(r["estimate"]),
                ci_low=_sig(r["ci_low"]),
                ci_high=_sig(r["ci_high"]),
                relative=r.get("scale", "lift") == "lift",
                strength=strength,
                p_adjusted=p_kept,
                significant=bool(row["significant"]),
            )
        )
    if not evidence:
        evidence.append(Evidence(kind="ab_test", experiments=(experiment,) if experiment else ()))
    met = [s for s, v in verdicts.items() if v == "met"]
    missed = [s for s, v in verdicts.items() if v == "not met"]
    unclear = [s for s, v in verdicts.items() if v == "inconclusive"]
    parts = []
    if met:
        parts.append(f"it works for {_join(met)}")
    if missed:
        parts.append(f"it does not for {_join(missed)}")
    if unclear:
        parts.append(f"the data cannot tell for {_join(unclear)}")
    learned = f"The hypothesis is {outcome}: {'; '.join(parts)}. (Draft: say what we now believe.)"
    data = {
        "id": learning_id or f"{h.id}-{as_of.isoformat()}",
        "title": h.title or h.change,
        "believed": h.statement,
        "observed": "; ".join(observed) + ".",
        "learned": learned,
        "decision": decision,
        "evidence": evidence,
        "segments": tuple(s for s in verdicts if s != ALL_SEGMENTS),
        "context": Context(audience=h.audience, objective=objective, method="A/B test"),
        "hypothesis": h.id,
        "recorded": as_of,
    }
    return Learning.create(shelf_life=shelf_life, **data)


# ------------------------------------------------------------------- experiments
class PlanSegment(_Model):
    """One segment of a sizing plan, as plain data (see :meth:`Experiment.plan_from`)."""

    segment: str = Field(min_length=1)
    n_per_arm: int = Field(ge=1)
    n_total: int = Field(ge=1)
    days: int | None = Field(default=None, ge=0)
    mde: float | None = None
    power: float | None = Field(default=None, gt=0, lt=1)


class Experiment(Record):
    """An experiment: the test of a hypothesis, its plan, its dates and its verdicts.

    Attributes:
        id: The experiment's id.
        hypothesis: The id of the hypothesis it tests.
        title: A short name (optional).
        status: ``planned``, ``running``, ``concluded`` or ``stopped``.
        data_source: Where the data comes from (a table, a query, a file).
        start, planned_end, end: When it started, should end and ended.
        plan: The sizing plan's summary per segment (:class:`PlanSegment`); a
            :class:`~hypokit.SizingPlan` is accepted and summarised.
        verdicts: The verdict per segment once concluded.

    Examples:
        >>> import datetime as dt
        >>> import hypokit as hk
        >>> from hypokit._records import Experiment
        >>> plan = hk.size(hk.Proportion(baseline={"new": 0.04, "returning": 0.11}),
        ...                mde=0.15, relative=True, traffic={"new": 1500, "returning": 900})
        >>> exp = Experiment(id="express-pay-test", hypothesis="express-pay", plan=plan,
        ...                  status="running", start=dt.date(2026, 10, 19),
        ...                  planned_end=dt.date(2026, 11, 9))
        >>> [(p.segment, p.n_per_arm, p.days) for p in exp.plan]
        [('new', 17943, 24), ('returning', 6011, 14)]
        >>> exp.is_overdue(as_of=dt.date(2026, 11, 10))
        True
    """

    kind: ClassVar[str] = "experiment"
    folder: ClassVar[str] = "experiments"

    hypothesis: RecordId
    title: str = ""
    status: ExperimentStatus = "planned"
    data_source: str = ""
    start: dt.date | None = None
    planned_end: dt.date | None = None
    end: dt.date | None = None
    plan: tuple[PlanSegment, ...] = ()
    verdicts: dict[str, Verdict] = Field(default_factory=dict)

    @field_validator("plan", mode="before")
    @classmethod
    def _summarise_plan(cls, value: Any) -> Any:
        if hasattr(value, "rows") and hasattr(value, "to_records"):
            return cls.plan_from(value)
        return value

    @model_validator(mode="after")
    def _dates(self) -> Experiment:
        for name in ("planned_end", "end"):
            when = getattr(self, name)
            if when is not None and self.start is not None and when < self.start:
                raise ValueError(f"{name} == {when}, must not be before start ({self.start})")
        return self

    @staticmethod
    def plan_from(plan: Any) -> tuple[PlanSegment, ...]:
        """The per-segment summary of a :class:`~hypokit.SizingPlan` as plain data."""
        out = []
        for r in plan.rows:
            out.append(
                PlanSegment(
                    segment=r.segment,
                    n_per_arm=int(r.n_per_arm),
                    n_total=int(r.n_total),
                    days=None if r.days is None else int(r.days),
                    mde=_sig(r.mde),
                    power=_sig(r.power, 4),
                )
            )
        return tuple(out)

    @property
    def units(self) -> int:
        """The units the plan needs, summed over its segments (0 without a plan).

        This is what :class:`EVI` takes as ``units``.
        """
        return sum(p.n_total for p in self.plan)

    def links(self) -> list[tuple[str, str, str]]:
        """The hypothesis it tests."""
        return [("hypothesis", self.hypothesis, "hypothesis")]

    def is_overdue(self, as_of: dt.date) -> bool:
        """Whether it is still running after its planned end."""
        return (
            self.status == "running" and self.planned_end is not None and as_of > self.planned_end
        )

    def conclude(self, verdicts: Mapping[str, Verdict], *, as_of: dt.date) -> Experiment:
        """A copy concluded on ``as_of`` with per-segment verdicts (``hypothesis.verdicts``)."""
        return self.model_copy(
            update={"status": "concluded", "end": as_of, "verdicts": dict(verdicts)}
        )


# --------------------------------------------------------------------- learnings
class Evidence(_Model):
    """What a learning rests on.

    Attributes:
        kind: The kind of evidence, which sets the default shelf life: ``ab_test``,
            ``quasi_experiment``, ``analytics``, ``survey``, ``qualitative``, ``other``
            (see :data:`DEFAULT_SHELF_LIFE`; a registry's ``pyproject.toml`` may add
            kinds).
        experiments: Ids of the experiments it comes from.
        method: How it was measured (``"two-sample z-test, holm correction"``).
        sample_size: Units observed.
        segment, metric: What it is about.
        effect, ci_low, ci_high: The estimate and its interval.
        relative: Whether the effect is a relative lift.
        strength: ``weak``, ``moderate`` or ``strong``.
        p_adjusted: The p-value adjusted for multiple comparisons, as the analysis
            reported it (None when it has none, e.g. a Bayesian reading).
        significant: Whether the analysis called the effect significant after its
            correction (adjusted p-value below alpha, or below a group-sequential
            look's boundary; for a Bayesian reading, as the analysis decides). None
            when not recorded: the interval alone is then taken as given.
    """

    kind: EvidenceKind = "ab_test"
    experiments: tuple[RecordId, ...] = ()
    method: str = ""
    sample_size: int | None = Field(default=None, ge=1)
    segment: str | None = None
    metric: str | None = None
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    relative: bool = True
    strength: Strength | None = None
    p_adjusted: float | None = Field(default=None, ge=0, le=1)
    significant: bool | None = None

    @model_validator(mode="after")
    def _interval(self) -> Evidence:
        if self.ci_low is not None and self.ci_high is not None and self.ci_low > self.ci_high:
            raise ValueError(f"ci_low == {self.ci_low!r} is above ci_high == {self.ci_high!r}")
        return self


class Context(_Model):
    """Where a learning holds: the audience, the objective and the method."""

    audience: str = ""
    objective: RecordId | None = None
    method: str = ""


def merged_shelf_life(override: Mapping[str, int] | None = None) -> dict[str, int]:
    """The default shelf life per evidence kind, updated with ``override``."""
    return {**DEFAULT_SHELF_LIFE, **(override or {})}


def _evidence_kind(item: Any) -> Any:
    if isinstance(item, Evidence):
        return item.kind
    if isinstance(item, Mapping):
        return item.get("kind", "ab_test")
    return None


class Learning(Record):
    """What we believed, what we observed, what we learned, and what we decided.

    A learning has a shelf life: it is recorded on a date and expires on another
    (``expires`` is the first day it is expired). Without ``expires``, it is
    ``recorded`` plus the shortest shelf life of its evidence kinds
    (:data:`DEFAULT_SHELF_LIFE`, overridden by a registry's ``pyproject.toml``: use
    :meth:`create` with ``shelf_life=registry.shelf_life``). Expired learnings are kept;
    they are renewed (:meth:`renew`), superseded or retired, never deleted.

    Attributes:
        id: The learning's id.
        title: A short name (optional).
        believed, observed, learned: The three sentences of a learning.
        decision: ``retire`` (the idea), ``pivot``, ``persevere`` or ``keep testing``.
        evidence: What it rests on (at least one :class:`Evidence`).
        segments: The segments it is about (empty: everyone).
        context: The audience, objective and method (:class:`Context`).
        hypothesis: The hypothesis it concludes, if any.
        recorded, expires: When it was recorded and when it expires.
        revalidated: When it was last checked and renewed.
        retired: When it was withdrawn.
        superseded_by: The learning that replaces it.
        contradicts: Older learnings this one contradicts.
        contradicted_by: Later learnings that contradict this one (the other side of
            their ``contradicts``; :meth:`Registry.save_conclusion
            <hypokit.Registry.save_conclusion>` keeps both sides in step).

    Examples:
        >>> import datetime as dt
        >>> from hypokit._records import Evidence, Learning
        >>> learning = Learning(
        ...     id="new-customers-drop-at-payment", believed="new customers leave at login",
        ...     observed="60% of new customers who leave do so on the payment step",
        ...     learned="payment, not login, loses new customers", decision="pivot",
        ...     evidence=[Evidence(kind="analytics", sample_size=12000)],
        ...     recorded=dt.date(2026, 9, 1),
        ... )
        >>> learning.expires  # analytics: 120 days
        datetime.date(2026, 12, 30)
        >>> learning.status(as_of=dt.date(2026, 12, 10))
        'due for review'
        >>> learning.renew(dt.date(2027, 6, 30), as_of=dt.date(2026, 12, 10)).status(
        ...     as_of=dt.date(2027, 1, 5))
        'revalidated'
    """

    kind: ClassVar[str] = "learning"
    folder: ClassVar[str] = "learnings"

    title: str = ""
    believed: str = Field(min_length=1)
    observed: str = Field(min_length=1)
    learned: str = Field(min_length=1)
    decision: Decision
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    segments: tuple[str, ...] = ()
    context: Context = Field(default_factory=Context)
    hypothesis: RecordId | None = None
    recorded: dt.date
    expires: dt.date = _NO_DATE
    revalidated: dt.date | None = None
    retired: dt.date | None = None
    superseded_by: RecordId | None = None
    contradicts: tuple[RecordId, ...] = ()
    contradicted_by: tuple[RecordId, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_expiry(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, Mapping) or data.get("expires") not in (None, _NO_DATE):
            return data
        evidence = data.get("evidence")
        try:
            recorded = _DATE.validate_python(data.get("recorded"))
        except pydantic.ValidationError:
            return data  # reported as the field's own error
        if not isinstance(evidence, Sequence) or isinstance(evidence, str) or not evidence:
            return data
        kinds = [_evidence_kind(e) for e in evidence]
        if not all(isinstance(k, str) for k in kinds):
            return data
        context = info.context if isinstance(info.context, Mapping) else {}
        shelf = merged_shelf_life(context.get("shelf_life"))
        unknown = [k for k in kinds if k not in shelf]
        if unknown:
            raise ValueError(
                f"no shelf life for evidence kind {unknown[0]!r} (known: "
                f"{', '.join(sorted(shelf))}); give expires, or add {unknown[0]} = DAYS under "
                "[tool.hypokit.shelf_life] in pyproject.toml"
            )
        days, kind = min((shelf[k], k) for k in kinds)
        try:
            return {**data, "expires": recorded + dt.timedelta(days=days)}
        except OverflowError:
            raise pydantic_core.PydanticCustomError(
                "expiry_overflow",
                "{recorded} plus the shelf life of {kind} evidence ({days} days) is past "
                "9999-12-31, the last date there is: give expires, or correct recorded",
                {"field": "recorded", "recorded": str(recorded), "kind": kind, "days": days},
            ) from None

    @model_validator(mode="after")
    def _dates(self) -> Learning:
        if self.expires <= self.recorded:
            raise ValueError(f"expires == {self.expires}, must be after recorded ({self.recorded})")
        for name in ("contradicts", "contradicted_by"):
            if self.id in getattr(self, name):
                raise ValueError(f"{name} names the learning itself ({self.id!r})")
        return self

    @classmethod
    def create(cls, *, shelf_life: Mapping[str, int] | None = None, **fields: Any) -> Learning:
        """A learning whose default expiry uses ``shelf_life`` (days per evidence kind).

        Args:
            shelf_life: Days per evidence kind, e.g. ``registry.shelf_life`` (the
                defaults updated from ``pyproject.toml``); None for the defaults.
            **fields: The learning's fields.

        Raises:
            ValidationError: A field is missing or wrong (the message names it).
        """
        try:
            return cls.model_validate(fields, context={"shelf_life": dict(shelf_life or {})})
        except pydantic.ValidationError as exc:
            problems = "; ".join(m for _, m in describe_errors(exc, cls))
            raise ValidationError(f"Learning: {problems}.") from exc

    def links(self) -> list[tuple[str, str, str]]:
        """Experiments, objective, hypothesis and other learnings it refers to."""
        out = []
        for i, e in enumerate(self.evidence):
            out += [(f"evidence[{i}].experiments", x, "experiment") for x in e.experiments]
        if self.context.objective:
            out.append(("context.objective", self.context.objective, "objective"))
        if self.hypothesis:
            out.append(("hypothesis", self.hypothesis, "hypothesis"))
        if self.superseded_by:
            out.append(("superseded_by", self.superseded_by, "learning"))
        out += [(f"contradicts[{i}]", x, "learning") for i, x in enumerate(self.contradicts)]
        out += [
            (f"contradicted_by[{i}]", x, "learning") for i, x in enumerate(self.contradicted_by)
        ]
        return out

    def status(self, as_of: dt.date, *, due_within: int = DEFAULT_DUE_WITHIN) -> LearningStatus:
        """The learning's status on ``as_of``.

        In order: ``retired`` (retired on or before ``as_of``), ``superseded``,
        ``expired`` (``as_of`` on or after ``expires``), ``due for review`` (expiring
        within ``due_within`` days), ``revalidated`` (renewed on or before ``as_of``),
        else ``active``.
        """
        if self.retired is not None and self.retired <= as_of:
            return "retired"
        if self.superseded_by is not None:
            return "superseded"
        if as_of >= self.expires:
            return "expired"
        if (self.expires - as_of).days <= due_within:
            return "due for review"
        if self.revalidated is not None and self.revalidated <= as_of:
            return "revalidated"
        return "active"

    def days_left(self, as_of: dt.date) -> int:
        """Days from ``as_of`` to ``expires`` (0 or less once expired)."""
        return (self.expires - as_of).days

    def renew(self, until: dt.date, *, as_of: dt.date) -> Learning:
        """A copy checked again on ``as_of`` and valid until ``until``.

        Raises:
            ValidationError: ``until`` is not after ``as_of``, or the learning was
                retired or superseded.
        """
        if self.retired is not None or self.superseded_by is not None:
            state = "retired" if self.retired is not None else "superseded"
            raise ValidationError(f"learning {self.id!r} is {state}; it cannot be renewed.")
        if until <= as_of:
            raise ValidationError(f"until == {until}, must be after as_of ({as_of}).")
        return self.model_copy(update={"expires": until, "revalidated": as_of})

    def retire(self, *, as_of: dt.date) -> Learning:
        """A copy withdrawn on ``as_of`` (kept in the registry, never deleted).

        Raises:
            ValidationError: It is already retired.
        """
        if self.retired is not None:
            raise ValidationError(f"learning {self.id!r} was already retired on {self.retired}.")
        return self.model_copy(update={"retired": as_of})

    def supersede(self, by: str) -> Learning:
        """A copy replaced by the learning ``by``."""
        return self.model_copy(update={"superseded_by": _check_id(by)})

    def contradicted(self, by: str) -> Learning:
        """A copy that records the learning ``by`` among those contradicting it.

        Adding an id that is already there changes nothing, so recording the same
        contradiction twice is harmless.

        Raises:
            ValidationError: ``by`` is not a valid id, or is this learning's own id.
        """
        try:
            by = _check_id(by)
        except ValueError as exc:
            raise ValidationError(f"by == {by!r}: {exc}.") from None
        if by == self.id:
            raise ValidationError(f"learning {self.id!r} cannot contradict itself.")
        if by in self.contradicted_by:
            return self
        return self.model_copy(update={"contradicted_by": (*self.contradicted_by, by)})


# ---------------------------------------------------------------- contradictions
def same_change(a: str, b: str) -> bool:
    """Whether two hypotheses' ``change`` texts describe the same change.

    The texts are compared ignoring case, runs of whitespace and a trailing full stop:
    ``"Add express pay to the cart."`` is the same change as ``"add  express pay to
    the cart"``; any other difference in wording makes them different changes.

    Examples:
        >>> from hypokit._records import same_change
        >>> same_change("Add express pay to the cart.", "add  express pay to the cart")
        True
        >>> same_change("add express pay", "add express pay to the cart")
        False
    """
    return _change_key(a) == _change_key(b)


def _change_key(text: str) -> str:
    return " ".join(text.split()).rstrip(".").rstrip().casefold()


def _segment_of(evidence: Evidence) -> str:
    return evidence.segment if evidence.segment is not None else ALL_SEGMENTS


def evidence_contradicts(old: Evidence, new: Evidence) -> bool:
    """Whether ``new`` evidence contradicts ``old``: the same question, the other answer.

    The rule: both are about the same metric and the same segment (no segment means
    everyone, ``"(all)"``); the old evidence has an effect other than zero; and the
    new evidence's interval lies entirely on the other side of zero (old effect > 0 and
    new ``ci_high`` < 0, or old effect < 0 and new ``ci_low`` > 0), with the analysis
    calling the new effect significant after its correction (``significant``, when
    recorded).

    Why both: :func:`hypokit.analyze` adjusts the p-values for multiple comparisons,
    not the intervals. An interval adjusted for the same multiplicity (at the level
    that makes it agree with the adjusted p-value) excludes zero exactly when the
    adjusted p-value is below alpha, so "the interval is on the other side of zero and
    the effect is significant after the correction" is "the adjusted interval is on the
    other side of zero". Only the signs are compared, so a relative lift and an effect
    in the metric's units may be compared: the analysis defines the lift as
    ``effect / |control_mean|``, whose sign is the effect's.

    Args:
        old: The evidence of the earlier learning.
        new: The new evidence.

    Examples:
        >>> from hypokit._records import Evidence, evidence_contradicts
        >>> old = Evidence(metric="converted", segment="new", effect=0.09)
        >>> new = Evidence(metric="converted", segment="new", effect=-0.146,
        ...                ci_low=-0.25, ci_high=-0.04, p_adjusted=0.0097, significant=True)
        >>> evidence_contradicts(old, new)
        True
        >>> evidence_contradicts(old, new.model_copy(update={"ci_high": 0.01}))  # includes 0
        False
        >>> evidence_contradicts(old, new.model_copy(update={"segment": "returning"}))
        False
    """
    if old.metric is None or old.metric != new.metric or _segment_of(old) != _segment_of(new):
        return False
    if old.effect is None or old.effect == 0 or new.significant is False:
        return False
    if old.effect > 0:
        return new.ci_high is not None and new.ci_high < 0
    return new.ci_low is not None and new.ci_low > 0


def contradicted_learnings(new: Learning, earlier: Iterable[Learning]) -> tuple[str, ...]:
    """The ids of the ``earlier`` learnings that ``new`` contradicts, sorted.

    An earlier learning is contradicted when one of the new learning's evidence items
    contradicts one of its own (:func:`evidence_contradicts`). Only learnings recorded
    on or before the new one, other than itself, and neither retired nor superseded by
    then, are compared. Which learnings are about the same change is the caller's
    choice: :meth:`Registry.conclude <hypokit.Registry.conclude>` passes those cited by
    the concluding hypothesis and those concluding a hypothesis with the same change
    (:func:`same_change`).

    Args:
        new: The new learning (e.g. the draft of :meth:`Hypothesis.conclude`).
        earlier: The learnings to compare it with.
    """
    out = set()
    for old in earlier:
        if old.id == new.id or old.recorded > new.recorded:
            continue
        if old.status(new.recorded) in ("retired", "superseded"):
            continue
        if any(evidence_contradicts(o, n) for o in old.evidence for n in new.evidence):
            out.add(old.id)
    return tuple(sorted(out))


#: Record classes by their ``kind``, in the order the registry lists them.
RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Objective, KeyResult, Hypothesis, Experiment, Learning)
}


# ------------------------------------------------------------------ prioritising
SCORES: tuple[Score, ...] = ("ice", "rice", "evi")


def prioritize(hypotheses: Iterable[Hypothesis], *, by: Score = "ice") -> pd.DataFrame:
    """Rank hypotheses by ICE, RICE or expected value of information.

    Args:
        hypotheses: The hypotheses to rank.
        by: ``"ice"`` (impact × confidence × ease), ``"rice"`` (reach × impact ×
            confidence / effort) or ``"evi"`` (EVPI − cost, see :class:`EVI`).

    Returns:
        One row per hypothesis, best first, with the columns ``rank, id, status, ice,
        rice, evpi, evi, statement``. Hypotheses without the chosen score come last
        with no rank; ties are broken by id.

    Raises:
        ValidationError: ``hypotheses`` is not a list of hypotheses, or ``by`` is unknown.

    Examples:
        >>> from hypokit._records import ICE, Hypothesis, prioritize
        >>> hs = [Hypothesis(id=i, change=i, metric="converted", expected_effect=0.1,
        ...                  time_frame_days=14, ice=ICE(impact=x, confidence=5, ease=5))
        ...       for i, x in [("a", 4), ("b", 8)]]
        >>> prioritize(hs)[["rank", "id", "ice"]]
           rank id    ice
        0     1  b  200.0
        1     2  a  100.0
    """
    import pandas as pd

    by = check_choice("by", by, SCORES)
    records: list[dict[str, Any]] = []
    given: object = hypotheses  # a user may pass anything
    if not isinstance(given, Iterable) or isinstance(given, str | bytes | Hypothesis):
        raise ValidationError(
            f"hypotheses == {short_repr(hypotheses)}, must be a list of hk.Hypothesis."
        )
    for h in hypotheses:
        if not isinstance(h, Hypothesis):
            raise ValidationError(f"hypotheses contains {short_repr(h)}, must be hk.Hypothesis.")
        records.append(
            {
                "id": h.id,
                "status": h.status,
                "ice": h.ice_score,
                "rice": h.rice_score,
                "evpi": None if h.evi is None else h.evi.evpi,
                "evi": h.evi_score,
                "statement": h.statement,
            }
        )

    def order(r: dict[str, Any]) -> tuple[bool, float, str]:
        score = r[by]
        return (score is None, -float(score or 0.0), str(r["id"]))

    records.sort(key=order)
    columns = ["rank", "id", "status", "ice", "rice", "evpi", "evi", "statement"]
    ranks = [i + 1 if r[by] is not None else None for i, r in enumerate(records)]
    frame = pd.DataFrame.from_records(records, columns=columns[1:])
    frame.insert(0, "rank", pd.Series(ranks, dtype="Int64", index=frame.index))
    for col in ("ice", "rice", "evpi", "evi"):
        frame[col] = frame[col].astype("float64")
    return frame
