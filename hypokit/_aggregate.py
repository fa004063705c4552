"""One pass over the data: sufficient statistics per (segment, variant).

Every analysis in hypokit works from a small table of sums: for each segment and
variant the number of units and, per metric, the sums, sums of squares and
cross-products its estimator needs. The table is computed by one generated SQL
``GROUP BY``, run natively by the engine the data lives in (:mod:`hypokit._engines`:
DuckDB for pandas frames, Arrow tables and CSV/Parquet files, which it streams; polars
for polars frames; Ibis for Ibis tables; Spark SQL for PySpark DataFrames), so only the
small table leaves the engine; the whole population's rows, segment ``"(all)"``, are
the sums of the segment rows, never a second pass.

Columns of means and ratios are summed about a shift (``SUM(y - K)``,
``SUM((y - K) * (y - K))``, ...) when their values sit far from 0 relative to their
spread, so that sums of squares keep the variance of ``1e12 + N(0, 5)`` to double
precision (Chan, Golub & LeVeque 1983); ``K`` comes from a ``LIMIT`` query of the first
rows before the pass (:func:`_run`), and every row of the table shares it.

Missing values are dropped per metric: a unit counts for a metric when every column
that metric reads is present. The table keeps both the units (``n``) and each metric's
own count (``<metric>:n``), so the analysis reports what was dropped.

Only this module, :mod:`hypokit._engines` and :mod:`hypokit._history` touch data
frames.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from hypokit._engines import Column, Dialect, Engine, resolve
from hypokit._errors import DataError, ValidationError
from hypokit._finite import check_finite
from hypokit._labels import (
    ALL,
    MISSING,
    SEPARATOR,
    Label,
    check_one_type,
    check_segment,
    label_of,
    segment_label,
    sort_labels,
)
from hypokit._labels import segment_values as _segment_values
from hypokit._labels import sql_text as _text
from hypokit._metrics import Mean, Metric, Proportion, Ratio
from hypokit._results import TableMixin

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALL", "MISSING", "Aggregates", "MetricSpec", "aggregate", "aggregate_sql"]

FloatArray = NDArray[np.float64]

#: The name of each cross-product, as the statistics core spells it.
_PAIRS: dict[tuple[str, str], str] = {
    ("y", "y"): "sum_y2",
    ("x", "x"): "sum_x2",
    ("x", "y"): "sum_xy",
    ("c", "c"): "sum_c2",
    ("y", "c"): "sum_yc",
    ("x", "c"): "sum_xc",
    ("d", "d"): "sum_d2",
    ("c", "d"): "sum_cd",
    ("y", "d"): "sum_yd",
    ("x", "d"): "sum_xd",
}


# ------------------------------------------------------------------------------ metrics
@dataclass(frozen=True)
class MetricSpec:
    """What one metric reads: its label, kind and columns by role.

    Roles: ``y`` the metric (a ratio's numerator), ``x`` a ratio's denominator, ``c``
    the CUPED covariate, ``d`` the covariate's denominator.
    """

    label: str
    kind: str
    columns: Mapping[str, str]
    metric: Metric = field(compare=False, repr=False)

    @property
    def stats(self) -> tuple[str, ...]:
        """The statistics this metric needs, in the order of the SQL."""
        if self.kind == "proportion":
            return ("n", "successes", "invalid")
        roles = [r for r in ("y", "x", "c", "d") if r in self.columns]
        out = ["n"] + [f"sum_{r}" for r in roles]
        for i, a in enumerate(roles):
            for b in roles[i:]:
                out.append(_PAIRS.get((a, b)) or _PAIRS[(b, a)])
        return tuple(out)

    def column_names(self) -> tuple[str, ...]:
        """The data columns this metric reads."""
        return tuple(dict.fromkeys(self.columns.values()))

    @property
    def shift_roles(self) -> tuple[str, ...]:
        """The roles whose sums are taken about a shift (none for a proportion)."""
        if self.kind == "proportion":
            return ()
        return tuple(r for r in ("y", "x", "c", "d") if r in self.columns)


def metric_spec(metric: Metric) -> MetricSpec:
    """The columns a metric reads, refusing metrics that name none."""
    if isinstance(metric, Proportion):
        if not metric.column:
            raise ValidationError(f"{metric!r} has no column; analysis needs Proportion('column').")
        cols = {"y": metric.column}
    elif isinstance(metric, Mean):
        if not metric.column:
            raise ValidationError(f"{metric!r} has no column; analysis needs Mean('column').")
        cols = {"y": metric.column}
        if metric.covariate:
            cols["c"] = metric.covariate
    elif isinstance(metric, Ratio):
        if not metric.numerator or not metric.denominator:
            raise ValidationError(
                f"{metric!r} needs numerator and denominator columns for analysis."
            )
        cols = {"y": metric.numerator, "x": metric.denominator}
        if metric.covariate:
            cols["c"] = metric.covariate
        if metric.covariate_denominator:
            cols["d"] = metric.covariate_denominator
    else:
        raise ValidationError(
            f"metrics contains {metric!r}, must be hk.Proportion, hk.Mean or hk.Ratio objects."
        )
    return MetricSpec(metric.label, metric.kind, cols, metric)


def metric_specs(metrics: Any) -> tuple[MetricSpec, ...]:
    """Validate ``metrics`` (one metric or a sequence) into specs with unique labels."""
    if isinstance(metrics, Proportion | Mean | Ratio):
        metrics = [metrics]
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise ValidationError(
            f"metrics == {metrics!r}, must be a metric or a non-empty list of hk.Proportion, "
            "hk.Mean or hk.Ratio."
        )
    specs = tuple(metric_spec(m) for m in metrics)
    labels = [s.label for s in specs]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ValidationError(
            f"metrics has two metrics named {dupes[0]!r}; give one of them name=..."
        )
    return specs


def segment_columns(segments: Any) -> tuple[str, ...]:
    """``segments`` as a tuple of column names."""
    if segments is None:
        return ()
    if isinstance(segments, str):
        return (segments,)
    if isinstance(segments, Sequence) and segments and all(isinstance(s, str) for s in segments):
        if len(set(segments)) != len(segments):
            raise ValidationError(f"segments == {list(segments)!r} names a column twice.")
        return tuple(segments)
    raise ValidationError(
        f"segments == {segments!r}, must be a column name, a list of column names or None."
    )


# ---------------------------------------------------------------------------------- SQL
#: The dialects :func:`aggregate_sql` writes. polars SQL reads ``"duckdb"`` too; Spark
#: SQL wants ``STRING`` (its ``VARCHAR`` needs a length).
DIALECTS: dict[str, Dialect] = {
    "duckdb": Dialect(),
    "spark": Dialect(quote="`", string_type="STRING"),
}


def _label_expr(columns: Sequence[str], dialect: Dialect) -> str:
    """The segment label in SQL, as :func:`hypokit._labels.segment_label` writes it.

    Each value as text, ``(missing)`` when missing, in double quotes (doubled inside)
    when it is empty, a placeholder, or holds a double quote, a slash next to a space or
    a space at either end; joined by ``" / "``.
    """
    parts = []
    for c in columns:
        v = dialect.text(dialect.ident(c))
        quoted = " OR ".join(
            [f"{v} IN ('', '{ALL}', '{MISSING}')"]
            + [f"{v} LIKE '{p}'" for p in ('%"%', "% /%", "%/ %", " %", "% ")]
        )
        parts.append(
            f"CASE WHEN {dialect.ident(c)} IS NULL THEN '{MISSING}' WHEN {quoted} "
            f"""THEN '"' || REPLACE({v}, '"', '""') || '"' ELSE {v} END"""
        )
    return f" || '{SEPARATOR}' || ".join(parts)


def aggregate_sql(
    source: str,
    *,
    variant: str,
    metrics: Any,
    segments: Any = None,
    quote: str | None = None,
    dialect: Literal["duckdb", "spark"] = "duckdb",
    shifts: Mapping[str, float] | None = None,
) -> str:
    """The SQL ``GROUP BY`` that computes the sufficient statistics, for any SQL engine.

    Run it in a warehouse and pass the (small) result to :func:`hypokit.analyze`, so
    that only aggregates leave the warehouse. (:func:`hypokit.aggregate` runs the same
    query itself on DuckDB, polars, Ibis and Spark data.)

    Columns whose values sit far from 0 relative to their spread (prices in the
    millions, epoch milliseconds) need ``shifts``: a typical value per column, such as
    the median of a few rows (``SELECT ts FROM events LIMIT 1000``), subtracted before
    the sums so that sums of squares keep the variance. Without it, a column of
    ``1e6 + N(0, 5)`` sums squares of 1e12 that cancel to rounding noise and the
    analysis finds no variance. With ``shifts``, each mean and ratio also gets its
    ``<metric>:shift_<role>`` columns (0 for columns not named), which ``hk.analyze``
    reads. :func:`hypokit.aggregate` chooses shifts by itself.

    Args:
        source: A table name or a parenthesised subquery.
        variant: The variant column.
        metrics: The metrics.
        segments: A segment column, several, or None.
        quote: The identifier quote, when it is not the dialect's (``'"'`` for most
            engines, a backtick for BigQuery).
        dialect: ``"duckdb"`` (also read by polars) or ``"spark"`` (Spark SQL and
            Databricks: backticks, ``STRING``).
        shifts: ``{column: value}`` for columns read by means and ratios, or None
            (raw sums, no shift columns).

    Examples:
        >>> import hypokit as hk
        >>> print(hk.aggregate_sql("events", variant="arm", metrics=[hk.Proportion("buy")]))
        ... # doctest: +NORMALIZE_WHITESPACE
        SELECT '(all)' AS "segment", "arm" AS "variant", COUNT(*) AS "n",
        ...
        FROM events GROUP BY 1, 2
    """
    from hypokit._validate import check_choice

    base = DIALECTS[check_choice("dialect", dialect, tuple(DIALECTS))]
    if quote is not None:
        base = Dialect(quote=quote, string_type=base.string_type, double_type=base.double_type)
    specs = metric_specs(metrics)
    segs = segment_columns(segments)
    chosen = None if shifts is None else check_shifts(shifts, specs)
    return _build_sql(source, variant, segs, specs, base, shifts=chosen)


def check_shifts(shifts: Any, specs: tuple[MetricSpec, ...]) -> dict[str, float]:
    """``shifts`` as ``{column: float}``, each a column read by a mean or a ratio."""
    if not isinstance(shifts, Mapping):
        raise ValidationError(
            f"shifts == {shifts!r}, must be a mapping {{column: typical value}} or None."
        )
    readable = _shifted_columns(specs)
    out: dict[str, float] = {}
    for column, value in shifts.items():
        if column not in readable:
            have = ", ".join(map(repr, readable)) or "none"
            raise ValidationError(
                f"shifts names {column!r}, which no Mean or Ratio reads; they read {have}."
            )
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ValidationError(f"shifts[{column!r}] == {value!r}, must be a number.")
        if not math.isfinite(float(value)):
            raise ValidationError(f"shifts[{column!r}] == {value!r}, must be finite.")
        out[column] = float(value)
    return out


def _keys(
    variant: str | None, segs: tuple[str, ...], dialect: Dialect, raw: bool
) -> tuple[list[str], str]:
    """The grouping columns of the SELECT list, and the GROUP BY clause.

    ``raw`` groups by the columns as they are (fast for categorical and integer keys,
    and no cast that differs between dialects) and leaves the labels to
    :func:`_labels`; otherwise the SQL builds the segment labels. The variant is never
    cast: its labels keep the column's type.
    """
    q = dialect.ident
    if raw:
        cols = [f"{q(c)} AS {q(f'_s{i}')}" for i, c in enumerate(segs)]
        keys = len(cols)
        if variant is None:  # no variant (historical data): one group per segment
            cols.append(f"'{ALL}' AS {q('variant')}")
        else:
            cols.append(f"{q(variant)} AS {q('variant')}")
            keys += 1
        group_by = "GROUP BY " + ", ".join(str(i + 1) for i in range(keys)) if keys else ""
        return cols, group_by
    assert variant is not None
    return [
        (_label_expr(segs, dialect) if segs else f"'{ALL}'") + f" AS {q('segment')}",
        f"{q(variant)} AS {q('variant')}",  # labels keep their type: 0, True, "a"
    ], "GROUP BY 1, 2"


def shift_literal(shift: float, dialect: Dialect) -> str:
    """A shift as a SQL double that every engine reads as exactly this double.

    The shortest round-trip decimal with an exponent (``1000000.5e0``), which DuckDB,
    polars, Spark, SQLite and PostgreSQL read as a floating-point literal (without the
    exponent, DuckDB and Spark would read a DECIMAL), cast to the dialect's double.
    """
    text = repr(float(shift))
    if "e" not in text:
        text += "e0"
    return dialect.double(text)


def _centred(value: str, shift: float, dialect: Dialect) -> str:
    """``value - shift`` in SQL, or ``value`` itself for a shift of 0."""
    return f"({value} - {shift_literal(shift, dialect)})" if shift else value


def _build_sql(
    source: str,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    dialect: Dialect,
    raw: bool = False,
    shifts: Mapping[str, float] | None = None,
    aliases: dict[str, str] | None = None,
) -> str:
    """The masked query: each metric's sums over the units where all its columns are present.

    ``shifts`` (column -> value) are subtracted from the columns of means and ratios
    before they are summed; when given (``hk.aggregate_sql(shifts=...)``), every mean
    and ratio also gets its ``<metric>:shift_<role>`` columns, so the table says which
    shifts its sums are about.

    Its output columns are named ``"<metric>:<stat>"`` (what :func:`aggregate_sql`
    promises), or, when ``aliases`` is given, ``_m0``, ``_m1``, ... with ``aliases``
    filled with the name each stands for: engines cut long names (PostgreSQL at 63
    bytes), so the query hypokit runs itself never depends on keeping one.
    """
    shift_of = dict(shifts or {})
    select, group_by = _keys(variant, segs, dialect, raw)
    select.append(f"COUNT(*) AS {dialect.ident('n')}")
    for spec in specs:
        cols = {r: dialect.value(c) for r, c in spec.columns.items()}
        valid = " AND ".join(f"{dialect.value(c)} IS NOT NULL" for c in spec.column_names())
        alias = spec.label

        def add(stat: str, expr: str, alias: str = alias) -> None:
            name = f"{alias}:{stat}"
            if aliases is not None:
                aliases[name] = f"_m{len(aliases)}"
                name = aliases[name]
            select.append(f"{expr} AS {dialect.ident(name)}")

        add("n", f"COUNT(CASE WHEN {valid} THEN 1 END)")
        if spec.kind == "proportion":
            y = cols["y"]
            add("successes", f"COALESCE(SUM({y}), 0)")
            add("invalid", f"COUNT(CASE WHEN {y} <> 0 AND {y} <> 1 THEN 1 END)")
            continue
        if shifts is not None:
            for r in spec.shift_roles:
                add(f"shift_{r}", shift_literal(shift_of.get(spec.columns[r], 0.0), dialect))
        cols = {
            r: _centred(v, shift_of.get(spec.columns[r], 0.0), dialect) for r, v in cols.items()
        }
        for stat in spec.stats[1:]:
            roles = stat[4:]
            if roles.endswith("2"):
                expr = f"{cols[roles[0]]} * {cols[roles[0]]}"
            elif len(roles) == 1:
                expr = cols[roles]
            else:
                expr = f"{cols[roles[0]]} * {cols[roles[1]]}"
            add(stat, f"COALESCE(SUM(CASE WHEN {valid} THEN {expr} END), 0)")
    return "SELECT " + ",\n  ".join(select) + f"\nFROM {source} {group_by}"


def _build_fast_sql(
    source: str,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    dialect: Dialect,
    shifts: Mapping[str, float] | None = None,
) -> tuple[str, dict[str, str], list[str]]:
    """The same statistics with each distinct sum computed once and no per-metric masks.

    Exact when no metric that reads several columns has a missing value in them
    (single-column metrics are always exact: SQL sums skip NULLs) and no value is NaN
    (pandas frames arrive with NaN as NULL; files and polars keep NaN, which makes a sum
    NaN). Returns the SQL, the alias of every ``"<metric>:<stat>"`` and the multi-column
    metrics' count aliases to check; when a check fails, or a sum is NaN, the masked
    query (:func:`_build_sql`) is run instead.
    """
    select, group_by = _keys(variant, segs, dialect, raw=True)
    select.append(f"COUNT(*) AS {dialect.ident('n')}")
    exprs: dict[str, str] = {}  # SQL expression -> alias

    def alias(expr: str) -> str:
        if expr not in exprs:
            exprs[expr] = f"_e{len(exprs)}"
            select.append(f"{expr} AS {dialect.ident(exprs[expr])}")
        return exprs[expr]

    def col(c: str) -> str:
        return dialect.double(dialect.ident(c))

    shift_of = dict(shifts or {})

    def centred(c: str) -> str:  # the column about its shift, for the sums
        return _centred(col(c), shift_of.get(c, 0.0), dialect)

    mapping: dict[str, str] = {}
    checks: list[str] = []
    for spec in specs:
        key = spec.label
        if spec.kind == "proportion":
            y = spec.columns["y"]
            mapping[f"{key}:n"] = alias(f"COUNT({col(y)})")
            mapping[f"{key}:successes"] = alias(f"COALESCE(SUM({col(y)}), 0)")
            mapping[f"{key}:invalid"] = alias(
                f"COUNT(CASE WHEN {col(y)} <> 0 AND {col(y)} <> 1 THEN 1 END)"
            )
            continue
        for c in spec.column_names():
            a = alias(f"COUNT({col(c)})")
            if len(spec.column_names()) > 1:
                checks.append(a)
        mapping[f"{key}:n"] = alias(f"COUNT({col(spec.columns['y'])})")
        for stat in spec.stats[1:]:
            roles = stat[4:]
            if roles.endswith("2"):
                a, b = roles[0], roles[0]
            elif len(roles) == 1:
                total = f"COALESCE(SUM({centred(spec.columns[roles])}), 0)"
                mapping[f"{key}:{stat}"] = alias(total)
                continue
            else:
                a, b = roles[0], roles[1]
            ca, cb = sorted((spec.columns[a], spec.columns[b]))
            mapping[f"{key}:{stat}"] = alias(f"COALESCE(SUM({centred(ca)} * {centred(cb)}), 0)")
    sql = "SELECT " + ",\n  ".join(select) + f"\nFROM {source} {group_by}"
    return sql, mapping, sorted(set(checks))


# ---------------------------------------------------------------------------- the table
@dataclass(frozen=True, eq=False, repr=False)
class Aggregates(TableMixin):
    """Sufficient statistics per (segment, variant), the input of every analysis.

    ``segment`` and ``variant`` label the rows; ``n`` counts units; ``stats`` maps
    ``"<metric>:<statistic>"`` to one array over the rows. The rows of segment
    ``"(all)"`` are sums of the segment rows (see :meth:`with_totals`). Segment labels
    are text that reads back to the segment's values (:attr:`segment_values`): values
    joined by ``" / "``, ``(missing)`` for a missing one, a value that could be taken
    for something else in double quotes (see :mod:`hypokit._labels`). Variant labels are
    as the variant column holds them (text, integers or booleans, one type).

    ``shifts`` maps ``"<metric>:shift_<role>"`` to the value subtracted from that
    column before its sums (``sum_y`` is the sum of ``y - shift_y``; see
    :mod:`hypokit.stats._compare` on shifted sums): one value for the whole table, so
    that its rows add exactly. Absent keys are 0 (raw sums, as tables written before
    shifts existed). :meth:`to_pandas` writes them as columns, which
    :func:`hypokit.analyze` reads back.
    """

    segment: tuple[str, ...]
    variant: tuple[Label, ...]
    n: FloatArray
    stats: Mapping[str, FloatArray]
    metrics: tuple[MetricSpec, ...]
    segment_columns: tuple[str, ...]
    variant_column: str
    missing_variant: int = 0
    shifts: Mapping[str, float] = field(default_factory=dict)

    def shift(self, label: str, role: str) -> float:
        """The shift of one metric's column in role ``role`` (``"y"``, ``"x"``, ...)."""
        return float(self.shifts.get(f"{label}:shift_{role}", 0.0))

    def raw_sum(self, label: str, role: str) -> FloatArray:
        """The plain sum of one metric's column per row: ``sum + n * shift``."""
        spec = next(s for s in self.metrics if s.label == label)
        total = self.stats[f"{label}:sum_{role}"]
        if role not in spec.shift_roles or not self.shift(label, role):
            return total
        return total + self.stats[f"{label}:n"] * self.shift(label, role)

    def with_shifts(self, shifts: Mapping[str, float]) -> Aggregates:
        """The same table with its sums about other shifts (keys as in :attr:`shifts`).

        Exact: each row is moved as :meth:`hypokit.stats.MeanStats.with_shifts` moves
        it (Chan, Golub & LeVeque 1983); keys not given keep their shift.
        """
        from hypokit.stats._compare import _reshifted

        stats = dict(self.stats)
        new_shifts = dict(self.shifts)
        for spec in self.metrics:
            roles = spec.shift_roles
            old = {r: np.float64(self.shift(spec.label, r)) for r in roles}
            new = {r: np.float64(shifts.get(f"{spec.label}:shift_{r}", old[r])) for r in roles}
            if old == new:
                continue
            values: dict[str, Any] = {"n": stats[f"{spec.label}:n"]}
            values.update({st: stats[f"{spec.label}:{st}"] for st in spec.stats[1:]})
            moved = _reshifted(values, roles, old, new)  # type: ignore[arg-type]
            for st in spec.stats[1:]:
                stats[f"{spec.label}:{st}"] = np.asarray(moved[st], dtype=np.float64)
            for r in roles:
                new_shifts[f"{spec.label}:shift_{r}"] = float(new[r])
        return dataclasses.replace(
            self, stats=stats, shifts={k: v for k, v in new_shifts.items() if v}
        )

    @property
    def segments(self) -> tuple[str, ...]:
        """Segment labels in sorted order (``"(all)"`` only when unsegmented)."""
        return tuple(sorted(set(self.segment)))

    @property
    def segment_values(self) -> tuple[tuple[str | None, ...] | None, ...]:
        """Each row's segment as the tuple of its values as text (None: missing).

        ``()`` for the whole population; None for a label hypokit did not write (from a
        table made elsewhere). See :func:`hypokit._labels.segment_values`.
        """
        return tuple(_segment_values(s) for s in self.segment)

    @property
    def variants(self) -> tuple[Label, ...]:
        """Variant labels, sorted: text by code point, numbers by value, False first."""
        return sort_labels(self.variant)

    def with_totals(self) -> Aggregates:
        """The table with the ``"(all)"`` rows added: each the sum over segments."""
        if self.segment and all(s == ALL for s in self.segment):
            return self
        keep = [i for i, s in enumerate(self.segment) if s != ALL]
        variants = sorted({self.variant[i] for i in keep})
        index = {v: j for j, v in enumerate(variants)}
        groups = np.array([index[self.variant[i]] for i in keep], dtype=np.intp)

        def total(values: FloatArray) -> FloatArray:
            return np.asarray(
                np.bincount(groups, weights=values[keep], minlength=len(variants)), np.float64
            )

        return Aggregates(
            segment=tuple(self.segment[i] for i in keep) + (ALL,) * len(variants),
            variant=tuple(self.variant[i] for i in keep) + tuple(variants),
            n=np.concatenate([self.n[keep], total(self.n)]),
            stats={k: np.concatenate([v[keep], total(v)]) for k, v in self.stats.items()},
            metrics=self.metrics,
            segment_columns=self.segment_columns,
            variant_column=self.variant_column,
            missing_variant=self.missing_variant,
            shifts=self.shifts,
        )

    def __add__(self, other: Aggregates) -> Aggregates:
        """Add two tables computed on disjoint parts of the data (same metrics).

        Tables about different shifts are first moved to one (:meth:`with_shifts`): for
        each column, the shift of the table with more of that metric's units.
        """
        if not isinstance(other, Aggregates) or other.metrics != self.metrics:
            raise ValidationError("only aggregates of the same metrics can be added.")
        check_one_type(self.variant + other.variant, self.variant_column)
        if dict(self.shifts) != dict(other.shifts):
            target: dict[str, float] = {}
            for spec in self.metrics:
                mine = float(np.sum(self.stats[f"{spec.label}:n"]))
                theirs = float(np.sum(other.stats[f"{spec.label}:n"]))
                for r in spec.shift_roles:
                    side = other if theirs > mine else self
                    target[f"{spec.label}:shift_{r}"] = side.shift(spec.label, r)
            return self.with_shifts(target) + other.with_shifts(target)
        keys = sorted(
            set(zip(self.segment, self.variant, strict=True))
            | set(zip(other.segment, other.variant, strict=True))
        )
        index = {k: i for i, k in enumerate(keys)}

        def scatter(t: Aggregates, values: FloatArray) -> FloatArray:
            out = np.zeros(len(keys))
            rows = [index[k] for k in zip(t.segment, t.variant, strict=True)]
            np.add.at(out, rows, values)
            return out

        return Aggregates(
            segment=tuple(k[0] for k in keys),
            variant=tuple(k[1] for k in keys),
            n=scatter(self, self.n) + scatter(other, other.n),
            stats={
                k: scatter(self, self.stats[k]) + scatter(other, other.stats[k]) for k in self.stats
            },
            metrics=self.metrics,
            segment_columns=self.segment_columns,
            variant_column=self.variant_column,
            missing_variant=self.missing_variant + other.missing_variant,
            shifts=self.shifts,
        )

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (segment, variant), with the ``"(all)"`` rows last.

        Each mean and ratio has its ``"<metric>:shift_<role>"`` values after its
        ``"<metric>:n"`` (the same in every row).
        """
        table = self.with_totals()
        order = sorted(
            range(len(table.segment)),
            key=lambda i: (table.segment[i] == ALL, table.segment[i], table.variant[i]),
        )
        shifts = {
            f"{s.label}:n": {f"{s.label}:shift_{r}": table.shift(s.label, r) for r in s.shift_roles}
            for s in self.metrics
        }

        def columns(i: int) -> dict[str, float]:
            out: dict[str, float] = {}
            for k, v in table.stats.items():
                out[k] = float(v[i])
                out.update(shifts.get(k, {}))
            return out

        return [
            {
                "segment": table.segment[i],
                "variant": table.variant[i],
                "n": float(table.n[i]),
                **columns(i),
            }
            for i in order
        ]

    def to_pandas(self) -> pd.DataFrame:
        """The table as a DataFrame, ``n`` columns as integers."""
        frame = super().to_pandas()
        for col in frame.columns:
            if col == "n" or col.endswith((":n", ":successes", ":invalid")):
                frame[col] = frame[col].astype("int64")
        return frame


# ------------------------------------------------------------------------------ columns
def _roles(
    variant: str | None, segs: tuple[str, ...], specs: tuple[MetricSpec, ...]
) -> list[tuple[str, str, bool]]:
    """Every column the query reads: (column, role for messages, must hold numbers)."""
    out: list[tuple[str, str, bool]] = []
    if variant is not None:
        out.append((variant, "variant", False))
    out.extend((s, "segments", False) for s in segs)
    for spec in specs:
        for role, column in spec.columns.items():
            name = {"y": "column", "x": "denominator", "c": "covariate", "d": "covariate"}[role]
            if spec.kind == "ratio" and role == "y":
                name = "numerator"
            out.append((column, f"{spec.label} {name}", True))
    return out


def _renamed_from(column: str, names: Sequence[str]) -> str | None:
    """The column whose case twin DuckDB would have renamed ``column`` (``Buy`` for ``buy_1``).

    DuckDB names a column ``<name>_1`` (``_2``, ...) when its name differs from an
    earlier column's only in case; a name of that form whose ``<name>`` is missing while
    a case twin of it is there may be such a renamed column.
    """
    base, _, number = column.rpartition("_")
    if not base or not number.isdigit() or base in names:
        return None
    lower = base.lower()
    return next((n for n in names if n.lower() == lower and n.isascii() == base.isascii()), None)


def _resolve_columns(
    engine: Engine,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    text: tuple[str, ...] = (),
) -> tuple[dict[str, str], dict[str, Column]]:
    """Find each column the query reads by its exact name, and name it for the SQL.

    Names are matched as the data itself has them (:meth:`Engine.columns`): exactly,
    case and spaces included, never as a reader renamed them. The engine then names
    each column by its position (:meth:`Engine.select`), the ``text`` ones (segment
    columns) as the data writes them where a reader would guess their type. Returns
    each column's SQL name and its description.

    Raises:
        DataError: A column is missing (the message names the column a reader would
            have read for it, if any, and columns whose names differ only in case or
            spaces), two columns have the name, or a metric's column holds no numbers.
    """
    columns = engine.columns()
    names = [n for n, _ in columns]
    engine_names = list(engine.describe())
    have = ", ".join(map(repr, names))
    found: dict[str, int] = {}
    for column, role, numeric in _roles(variant, segs, specs):
        at = [i for i, n in enumerate(names) if n == column]
        if not at:
            hints = []
            if len(engine_names) == len(names):
                hints += [
                    f"{engine.name} reads the column {names[i]!r} as {column!r}"
                    for i, n in enumerate(engine_names)
                    if n == column and names[i] != column
                ]
            near = [n for n in names if n.strip().casefold() == column.strip().casefold()]
            hints += [f"the data has {n!r}" for n in near if not any(repr(n) in h for h in hints)]
            more = f" ({'; '.join(hints)}: names are matched exactly)" if hints else ""
            if engine.duckdb_names and not hints:
                more = (
                    " (the data is named as DuckDB read it, which renames a column that has "
                    "no name or whose name differs from another's only in case)"
                )
            raise DataError(f"{role} == {column!r}: no such column{more}; data has {have}.")
        if len(at) > 1:
            where = " and ".join(str(i + 1) for i in at)
            raise DataError(
                f"{role} == {column!r}: data has {len(at)} columns named {column!r} (columns "
                f"{where}); give each column its own name."
            )
        twin = _renamed_from(column, names) if engine.duckdb_names else None
        if twin is not None:
            raise DataError(
                f"{role} == {column!r}: the data has {twin!r} but no {column[:-2]!r}, so "
                f"{column!r} may be DuckDB's name for a column {column[:-2]!r}, renamed "
                f"because it differs from {twin!r} only in case, and not the column "
                f"{column!r} you mean. Rename the columns so that no two differ only in "
                "case, or pass the data itself (a frame, or the files' paths)."
            )
        kind = columns[at[0]][1]
        if numeric and not kind.numeric:
            raise DataError(f"{role} == {column!r}: expected numbers, found {kind.type}.")
        found[column] = at[0]
    refs = engine.select(list(dict.fromkeys(found.values())), [found[c] for c in text])
    return {c: refs[i] for c, i in found.items()}, {c: columns[i][1] for c, i in found.items()}


def _is_missing(value: Any) -> bool:
    return value is None or value is np.ma.masked or (isinstance(value, float) and value != value)


def _column_values(column: Any) -> list[Any]:
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column)
    values = data.tolist() if hasattr(data, "tolist") else list(data)
    return [None if m else v for v, m in zip(values, mask.tolist(), strict=True)]


def _labels(
    result: Mapping[str, Any], segs: Sequence[str], boolean: bool = False
) -> dict[str, Any]:
    """Segment labels (text) and variant labels from raw grouping keys (missing as None).

    A segment label is the tuple of the row's segment values as text (missing as None)
    written by :func:`hypokit._labels.segment_label`, so that it reads back to the
    values. Two values of a column that print alike (SQLite keeps ``1`` and ``'1'``
    apart) are refused (:func:`hypokit._labels.check_segment`); NULL and NaN are both
    missing. Variant labels keep their type (:func:`hypokit._labels.label_of`);
    ``boolean`` says the variant column is declared boolean (SQLite returns its booleans
    as 0 and 1).
    """
    out = {k: v for k, v in result.items() if not k.startswith("_s")}
    rows = len(np.asarray(result["n"]))
    if segs:
        parts = []
        for i, column in enumerate(segs):
            values = [None if _is_missing(v) else v for v in _column_values(result[f"_s{i}"])]
            check_segment(_distinct(values), column)
            parts.append([None if v is None else _text(v) for v in values])
        out["segment"] = np.array(
            [segment_label([p[r] for p in parts]) for r in range(rows)], dtype=object
        )
    else:
        out["segment"] = np.array([ALL] * rows, dtype=object)
    out["variant"] = np.array(
        [label_of(v, boolean=boolean) for v in _column_values(result["variant"])],
        dtype=object,
    )
    return out


def _distinct(values: Sequence[Any]) -> list[Any]:
    """The distinct values (by type and value), or all of them if some cannot be hashed."""
    try:
        return list({(type(v), v): v for v in values}.values())
    except TypeError:  # lists, dicts: nested types print as their own text
        return list(values)


def _merge_rows(
    segment: Sequence[str], variant: Sequence[Any], n: FloatArray, stats: dict[str, FloatArray]
) -> tuple[list[str], list[Any], FloatArray, dict[str, FloatArray]]:
    """Sum the rows of one (segment, variant): NULL and NaN are two groups, one missing."""
    keys = list(zip(segment, variant, strict=True))
    index: dict[tuple[str, Any], int] = {}
    rows = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.intp)
    if len(index) == len(keys):
        return list(segment), list(variant), n, stats

    def total(values: FloatArray) -> FloatArray:
        return np.bincount(rows, weights=values, minlength=len(index)).astype(np.float64)

    return (
        [k[0] for k in index],
        [k[1] for k in index],
        total(n),
        {k: total(v) for k, v in stats.items()},
    )


def _from_sql_result(
    result: Mapping[str, Any],
    variant: str,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    shifts: Mapping[str, float] | None = None,
) -> Aggregates:
    """The table from a query result.

    Its sums are about ``shifts`` (by ``"<metric>:shift_<role>"``; absent keys are 0).
    """
    labels = [label_of(v) for v in _column_values(result["variant"])]
    missing = np.array([v is None for v in labels], dtype=bool)
    check_one_type((v for v in labels if v is not None), variant)
    missing_units = int(np.asarray(result["n"], dtype=np.float64)[missing].sum())
    keep = ~missing
    stats = {
        f"{s.label}:{st}": np.asarray(result[f"{s.label}:{st}"], dtype=np.float64)[keep]
        for s in specs
        for st in s.stats
    }
    for s in specs:
        if s.kind == "proportion":
            bad = stats[f"{s.label}:invalid"]
            if bad.sum() > 0:
                count = int(bad.sum())
                raise DataError(
                    f"column == {s.columns['y']!r}: a Proportion needs 0/1 values; "
                    f"{count:,} unit{'s have' if count != 1 else ' has'} other values."
                )
    segment, kept, n, stats = _merge_rows(
        [str(x) for x in np.asarray(result["segment"], dtype=object)[keep]],
        [v for v in labels if v is not None],
        np.asarray(result["n"], dtype=np.float64)[keep],
        stats,
    )
    table_shifts = {k: float(v) for k, v in (shifts or {}).items() if v}
    table = Aggregates(
        segment=tuple(segment),
        variant=tuple(kept),
        n=n,
        stats=stats,
        metrics=specs,
        segment_columns=segs,
        variant_column=variant,
        missing_variant=missing_units,
        shifts=table_shifts,
    )
    check_finite(table)  # infinite values and overflowing squares, named by column
    return table


def aggregate(
    data: Any,
    *,
    variant: str,
    metrics: Any,
    segments: Any = None,
    progress: bool | None = None,
    shifts: Mapping[str, float] | None = None,
) -> Aggregates:
    """Sufficient statistics per (segment, variant) in one pass over the data.

    The aggregation is one SQL ``GROUP BY``, run by the engine the data lives in, and
    only its small result is fetched:

    * pandas DataFrames, pyarrow Tables and Datasets, and CSV/Parquet files (a path, a
      glob such as ``"events/*.parquet"``, or a list of paths): DuckDB, which streams
      files, so data larger than memory works. Parquet files must share one schema.
    * DuckDB relations (``con.table("events")``, ``con.sql("SELECT ...")``): DuckDB, in
      the relation's own connection.
    * polars DataFrames and LazyFrames: polars' own SQL engine, lazily (only the columns
      the metrics read are touched, only the result is collected). It is the default
      for eager frames too: on 5 million rows it is 2.7x as fast as DuckDB over the
      same frame (1.7x when missing values need the masked query).
    * Ibis tables: their backend, the SQL transpiled by Ibis to its dialect.
    * PySpark DataFrames: Spark SQL over a temporary view, dropped afterwards.

    Args:
        data: The unit-level data, one row per unit: any of the above.
        variant: The column naming each unit's variant.
        metrics: A metric or a list of ``hk.Proportion``, ``hk.Mean``, ``hk.Ratio``.
        segments: A segment column, a list of columns (their combinations are the
            segments, labelled ``"a / b"``; a value that holds ``" / "``, a double
            quote, a space at either end, or is empty, ``(missing)`` or ``(all)`` is
            quoted: ``'"a / b" / c'``), or None.
        progress: Show a progress bar while the query runs: True always, False never,
            None (the default) only to someone watching (a terminal or Jupyter) and
            only once the query has run for 2 seconds, as DuckDB does by default.
            DuckDB draws the bar (as a widget in Jupyter), also for Ibis tables on the
            DuckDB backend; Spark shows its own console progress as configured by
            ``spark.ui.showConsoleProgress``; polars has none.
        shifts: ``{column: value}`` to subtract from columns of means and ratios before
            their sums; None (the default) chooses them from the first rows of the
            data (see below); ``{}`` sums raw values.

    Returns:
        An :class:`Aggregates` table; ``hk.analyze`` accepts it (or its
        ``to_pandas()``) in place of the data.

    Raises:
        ValidationError: An argument is of the wrong kind, ``data`` among them (a DuckDB
            connection is a whole database: pass ``con.table("name")``).
        DataError: A file is missing, files disagree on their columns, a column is
            missing (names are matched exactly, as the data has them, never as a reader
            renamed them), named twice or not numeric, a segment column holds values
            that print alike (``1`` and ``"1"``), a Proportion has values other than 0
            and 1, a column of a mean or a ratio has infinite values or values too large
            to square, or the Spark session is not running.

    The query computes each distinct sum once. When a metric that reads several
    columns (a covariate, a ratio) has missing values there, the exact per-metric
    masks need a second query; otherwise one pass is all it takes.

    Sums of squares keep their precision whatever the values' offset (``1e12 +
    N(0, 5)``: epoch milliseconds): before the pass, a ``LIMIT`` query reads the first
    1,000 rows, and each column of a mean or a ratio whose values sit far from 0
    relative to their spread is summed about their median there (``SUM(y - K)``,
    ``SUM((y - K) * (y - K))``; Chan, Golub & LeVeque 1983). The shifts are in the
    table (``shifts``, and ``<metric>:shift_<role>`` columns); the totals add exactly
    because every row shares them. If the first rows were not typical, so that a group
    is still far from its shift, the query runs once more about the column's mean.
    Infinite values, and values too large to square (beyond about 1e154 from their
    typical value), are refused with the column's name.

    Examples:
        >>> import pandas as pd, hypokit as hk
        >>> df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "buy": [0, 1, 1, 1]})
        >>> hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")]).to_pandas()
          segment variant  n  buy:n  buy:successes  buy:invalid
        0   (all)       a  2      2              1            0
        1   (all)       b  2      2              2            0
    """
    if not isinstance(variant, str):
        raise ValidationError(f"variant == {variant!r}, must be a column name.")
    specs = metric_specs(metrics)
    segs = segment_columns(segments)
    if variant in segs:
        raise ValidationError(f"variant == {variant!r} is also a segment column.")
    if progress is not None and not isinstance(progress, bool):
        raise ValidationError(f"progress == {progress!r}, must be True, False or None.")
    chosen = None if shifts is None else check_shifts(shifts, specs)
    return _aggregate(data, variant, segs, specs, progress, segments, shifts=chosen)


def _aggregate(
    data: Any,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    progress: bool | None,
    segments: Any,
    labels: bool = True,
    text: tuple[str, ...] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> Aggregates:
    """:func:`aggregate` without argument checks; ``variant=None`` groups by segment only.

    ``labels``: ``variant`` is an arm column (not ``aggregate_units``' dates), whose
    labels a pandas object column may hold as several types (see :func:`_pandas_labels`).
    ``text``: the segment columns whose values are labels, read as text where a reader
    would guess a type (default: every one of ``segs``; not a date column).
    ``shifts``: by column, or None to choose them (see :func:`_run`).
    """
    if labels and variant is not None:
        data = _pandas_labels(data, variant)
    data = _pandas_segments(data, segs)
    with resolve(data, progress=progress) as engine:
        refs, columns = _resolve_columns(
            engine, variant, segs, specs, segs if text is None else text
        )
        boolean = variant is not None and columns[variant].boolean
        # The query names the columns as the engine does, and the metrics by position
        # (an engine may fold the case of its result's names, so "A:n" and "a:n" clash).
        local = tuple(
            replace(s, label=f"_m{i}", columns={r: refs[c] for r, c in s.columns.items()})
            for i, s in enumerate(specs)
        )
        given = None if shifts is None else {refs[c]: v for c, v in shifts.items() if c in refs}
        ran, by_ref = _run(
            engine,
            None if variant is None else refs[variant],
            tuple(refs[c] for c in segs),
            local,
            boolean,
            segs,
            given,
        )
    result = {k: v for k, v in ran.items() if not k.startswith("_m")}
    for spec, mine in zip(specs, local, strict=True):
        for stat in spec.stats:
            result[f"{spec.label}:{stat}"] = ran[f"{mine.label}:{stat}"]
    table_shifts = {
        f"{s.label}:shift_{r}": by_ref[refs[s.columns[r]]]
        for s in specs
        for r in s.shift_roles
        if by_ref.get(refs[s.columns[r]])
    }
    return _from_sql_result(result, variant or "", segs, specs, table_shifts)


def aggregate_units(
    data: Any,
    metric: Metric,
    *,
    segments: str | None = None,
    by: str | None = None,
    progress: bool | None = None,
) -> Aggregates:
    """Sufficient statistics of historical data: per segment, or per (segment, ``by``).

    The sizing side of :func:`aggregate`: the same query and engines, with no variant.
    ``by`` (a date column) becomes the table's ``variant`` key, so that the distinct
    dates of each segment can be counted from the result.
    """
    specs = metric_specs([metric])
    segs = segment_columns(segments)
    return _aggregate(data, by, segs, specs, progress, segments, labels=False)


#: Rows the probe reads, from the start of the data, to choose each column's shift.
PROBE_ROWS = 1000

#: A group whose mean square about the shift exceeds its variance this many times has
#: lost about ``1e-16 * COND_LIMIT`` of its variance to rounding: the query is run
#: again about a better shift when one exists (see :func:`_better_shifts`).
COND_LIMIT = 1e6


def _run(
    engine: Engine,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    boolean: bool = False,
    names: tuple[str, ...] = (),
    shifts: Mapping[str, float] | None = None,
) -> tuple[dict[str, Any], dict[str, float]]:
    """The statistics, and the shift (by column) their sums are about.

    ``shifts`` None: each column of a mean or a ratio is shifted by
    :func:`~hypokit.stats._compare.choose_shift` of the first :data:`PROBE_ROWS` values
    the engine returns (a ``LIMIT`` query, which reads a few thousand rows, not the
    data); a mapping gives the shifts (no probe). Then the one aggregation
    (:func:`_query`). Should a group still be far from its shift relative to its spread
    (the probe's rows were not typical), the aggregation runs once more about the
    column's overall mean when that helps (:func:`_better_shifts`).

    ``boolean``: the variant column is declared boolean; ``names``: the segment columns
    as the user named them, for messages (see :func:`_labels`).
    """
    chosen = _probe_shifts(engine, specs) if shifts is None else dict(shifts)
    result = _query(engine, variant, segs, specs, chosen)
    if shifts is None:
        better = _better_shifts(result, specs, chosen)
        if better != chosen:
            chosen = better
            result = _query(engine, variant, segs, specs, chosen)
    return _labels(result, names or segs, boolean), chosen


def _query(
    engine: Engine,
    variant: str | None,
    segs: tuple[str, ...],
    specs: tuple[MetricSpec, ...],
    shifts: Mapping[str, float],
) -> dict[str, Any]:
    """The statistics from the fast query, or from the masked one when it must."""
    sql, mapping, checks = _build_fast_sql(
        engine.source, variant, segs, specs, engine.dialect, shifts
    )
    fast = engine.run(sql)
    n = np.asarray(fast["n"], dtype=np.float64)
    complete = all(np.array_equal(np.asarray(fast[a], dtype=np.float64), n) for a in checks)
    result: dict[str, Any]
    if complete and not any(
        np.isnan(np.asarray(fast[a], np.float64)).any() for a in mapping.values()
    ):
        result = {k: fast[a] for k, a in mapping.items()}
        result.update({k: fast[k] for k in fast if k.startswith("_s") or k in ("variant", "n")})
    else:  # a metric over several columns has missing values: mask per metric
        names: dict[str, str] = {}
        masked = engine.run(
            _build_sql(engine.source, variant, segs, specs, engine.dialect, True, shifts, names)
        )
        result = {k: masked[a] for k, a in names.items()}
        result.update({k: masked[k] for k in masked if k.startswith("_s") or k in ("variant", "n")})
    return result


def _shifted_columns(specs: tuple[MetricSpec, ...]) -> dict[str, tuple[MetricSpec, str]]:
    """Each column read by a mean or a ratio, with one metric and role that read it."""
    out: dict[str, tuple[MetricSpec, str]] = {}
    for spec in specs:
        for r in spec.shift_roles:
            out.setdefault(spec.columns[r], (spec, r))
    return out


def _probe_shifts(engine: Engine, specs: tuple[MetricSpec, ...]) -> dict[str, float]:
    """The shift of each column of a mean or a ratio, from the first rows of the data.

    One ``SELECT ... LIMIT`` of :data:`PROBE_ROWS` rows; each column's shift is
    :func:`~hypokit.stats._compare.choose_shift` of its values there (the median, robust
    to an outlier among them; 0 for values centred near 0). Columns without a shift are
    left out.
    """
    from hypokit.stats._compare import choose_shift

    columns = list(_shifted_columns(specs))
    if not columns:
        return {}
    d = engine.dialect
    select = ", ".join(
        f"{d.double(d.ident(c))} AS {d.ident(f'_p{i}')}" for i, c in enumerate(columns)
    )
    result = engine.run(f"SELECT {select} FROM {engine.source} LIMIT {PROBE_ROWS}")
    out: dict[str, float] = {}
    for i, c in enumerate(columns):
        values = [math.nan if _is_missing(v) else v for v in _column_values(result[f"_p{i}"])]
        shift = choose_shift(np.asarray(values, dtype=np.float64))
        if shift:
            out[c] = shift
    return out


def _better_shifts(
    result: Mapping[str, Any], specs: tuple[MetricSpec, ...], shifts: Mapping[str, float]
) -> dict[str, float]:
    """Shifts to run the query again with, where the probe's left a group ill-conditioned.

    For each column, a group's sums about ``K`` resolve its variance ``v`` to about
    ``1e-16 (m^2 + v) / v`` (``m`` the group's mean minus ``K``; Chan, Golub & LeVeque
    1983). When that factor exceeds :data:`COND_LIMIT` in some group, the column's mean
    over all groups is a candidate shift; it is taken when it brings the worst factor
    down a hundredfold (it cannot help groups whose means lie far apart: each is then
    as precise as its distance from the shared shift allows). Otherwise the shifts are
    returned as they are.
    """
    out = dict(shifts)
    for column, (spec, role) in _shifted_columns(specs).items():
        n = np.asarray(result[f"{spec.label}:n"], dtype=np.float64)
        s1 = np.asarray(result[f"{spec.label}:sum_{role}"], dtype=np.float64)
        s2 = np.asarray(result[f"{spec.label}:{_PAIRS[(role, role)]}"], dtype=np.float64)
        keep = (n >= 2) & np.isfinite(s1) & np.isfinite(s2) & (s2 > 0)
        if not keep.any():
            continue
        n, s1, s2 = n[keep], s1[keep], s2[keep]
        m = s1 / n
        var = np.maximum((s2 - s1 * m) / (n - 1), 1e-16 * s2 / n)  # rounding floor
        worst = float(np.max((s2 / n) / var))
        if not worst > COND_LIMIT:
            continue
        delta = float(np.sum(s1) / np.sum(n))
        after = float(np.max((var * (n - 1) / n + (m - delta) ** 2) / var))
        if after * 100 <= worst:
            out[column] = float(shifts.get(column, 0.0)) + delta
    return out


def _pandas_labels(data: Any, variant: str) -> Any:
    """A pandas frame whose variant column DuckDB will read with its labels' own type.

    A pandas ``object`` column may hold Python values of several types, which DuckDB
    reads as one: ``1`` and ``"1"`` both become the text ``"1"`` (one arm, silently),
    and NumPy integers become text. So an object variant column, or a categorical one's
    categories, is checked here: labels of several types are refused
    (:func:`check_one_type`), and an object column of integers or booleans is passed on
    as pandas' nullable ``Int64`` or ``boolean`` (in a shallow copy; the caller's frame
    is left alone). Any other data is returned as it is.
    """
    if "pandas" not in {str(c.__module__).split(".")[0] for c in type(data).__mro__}:
        return data
    import pandas as pd

    # (a missing or duplicated column name: the aggregation says)
    if not isinstance(data, pd.DataFrame) or list(data.columns).count(variant) != 1:
        return data
    column = data[variant]
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = pd.Series(column.cat.categories, dtype=object)
    elif column.dtype == object:
        values = column
    else:
        return data
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred.startswith("mixed"):
        distinct = {(type(v), v) for v in values.dropna().tolist()}
        check_one_type((x for _, v in distinct if (x := label_of(v)) is not None), variant)
    if values is not column:
        return data
    if inferred not in ("integer", "boolean"):
        return data
    out = data.copy(deep=False)
    out[variant] = column.astype("Int64" if inferred == "integer" else "boolean")
    return out


def _pandas_segments(data: Any, segs: tuple[str, ...]) -> Any:
    """A pandas frame whose segment columns DuckDB reads as one value per segment.

    A pandas ``object`` column (or a categorical one's categories) may hold values of
    several types, which DuckDB reads as one: ``1`` and ``"1"`` as the text ``"1"``,
    ``1`` and ``1.0`` as the number 1.0, ``True`` beside text as ``"True"``. So values
    that print or compare alike are refused (:func:`check_segment`), and a column of
    several types is passed on as text, each value as SQL writes it (in a shallow copy;
    the caller's frame is left alone). Any other data is returned as it is.
    """
    if not segs or "pandas" not in {str(c.__module__).split(".")[0] for c in type(data).__mro__}:
        return data
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        return data
    out = data
    names = [str(c) for c in data.columns]
    for seg in segs:
        if names.count(seg) != 1:  # missing or repeated: the aggregation says
            continue
        column = data.iloc[:, names.index(seg)]
        if isinstance(column.dtype, pd.CategoricalDtype):
            values = pd.Series(column.cat.categories, dtype=object)
        elif column.dtype == object:
            values = column
        else:
            continue
        if not pd.api.types.infer_dtype(values, skipna=True).startswith("mixed"):
            continue
        check_segment(_distinct(values.dropna().tolist()), seg)
        if out is data:
            out = data.copy(deep=False)
        text = [None if _is_missing(v) else _text(label_of(v)) for v in column.astype(object)]
        out.isetitem(names.index(seg), np.array(text, dtype=object))
    return out


def _column_names(table: Any) -> list[str] | None:
    """A table's column names without reading it; None for what is not a table."""
    module = type(table).__module__.split(".")[0]
    try:
        if module == "polars" and hasattr(table, "collect_schema"):
            return [str(c) for c in table.collect_schema().names()]
        if module == "pyarrow":
            names = getattr(table, "column_names", None)
        else:
            names = getattr(table, "columns", None)
        return None if names is None else [str(c) for c in names]
    except Exception:  # a stopped Spark session, an unreadable file: aggregate() says
        return None


def from_table(table: Any, metrics: tuple[MetricSpec, ...]) -> Aggregates | None:
    """Read an aggregates table (from ``hk.aggregate`` or a warehouse); None if it is not one.

    A pandas table is read directly; any other table hypokit can aggregate (polars,
    Arrow, DuckDB, Ibis, Spark) is fetched by its engine.
    """
    if isinstance(table, Aggregates):
        return table
    names = _column_names(table)
    if names is None:
        return None
    needed = {"segment", "variant", "n"} | {f"{s.label}:{st}" for s in metrics for st in s.stats}
    if not {"segment", "variant", "n"} <= set(names) or not any(":" in c for c in names):
        return None
    missing = sorted(needed - set(names))
    if missing:
        raise DataError(
            f"the aggregates table lacks {', '.join(map(repr, missing))}; compute it with "
            "hk.aggregate or hk.aggregate_sql for the same metrics."
        )
    shift_columns = [
        f"{s.label}:shift_{r}"
        for s in metrics
        for r in s.shift_roles
        if f"{s.label}:shift_{r}" in names
    ]
    if hasattr(table, "iloc"):  # pandas
        result = {c: table[c].to_numpy() for c in (*needed, *shift_columns)}
        result["variant"] = table["variant"].astype(object).to_numpy()
    else:
        with resolve(table, progress=False) as engine:
            result = engine.run(f"SELECT * FROM {engine.source}")
    result["segment"] = np.array(
        [MISSING if _is_missing(s) else str(s) for s in _column_values(result["segment"])],
        dtype=object,
    )
    shifts = _common_shifts(result, metrics, shift_columns)
    out = _from_sql_result(result, "variant", ("segment",), metrics, shifts)
    if any(s != ALL for s in out.segment):
        keep = [i for i, s in enumerate(out.segment) if s != ALL]
        out = Aggregates(
            segment=tuple(out.segment[i] for i in keep),
            variant=tuple(out.variant[i] for i in keep),
            n=out.n[keep],
            stats={k: v[keep] for k, v in out.stats.items()},
            metrics=metrics,
            segment_columns=("segment",),
            variant_column="variant",
            missing_variant=out.missing_variant,
            shifts=out.shifts,
        )
    return out


def _common_shifts(
    result: dict[str, Any], metrics: tuple[MetricSpec, ...], columns: list[str]
) -> dict[str, float]:
    """The shifts of a table read back, its rows moved to one shift where they differ.

    A table from :func:`aggregate` or one ``aggregate_sql`` query has one shift per
    column; tables of several queries stacked together may not. Rows about another
    shift are moved (exactly, :func:`hypokit.stats._compare._reshifted`) to the shift
    of the row with the most units, in ``result`` itself. Tables without shift columns
    (written before shifts existed) are raw sums: shift 0.
    """
    from hypokit.stats._compare import _reshifted

    out: dict[str, float] = {}
    for spec in metrics:
        given = {r: f"{spec.label}:shift_{r}" for r in spec.shift_roles}
        given = {r: c for r, c in given.items() if c in columns}
        if not given:
            continue
        n = np.asarray(result[f"{spec.label}:n"], dtype=np.float64)
        old: dict[str, FloatArray] = {}
        for r in spec.shift_roles:
            if r not in given:
                old[r] = np.zeros_like(n)
                continue
            values = [
                math.nan if _is_missing(v) else float(v) for v in _column_values(result[given[r]])
            ]
            old[r] = np.asarray(values, dtype=np.float64)
            if not np.isfinite(old[r]).all():
                raise DataError(
                    f"the aggregates table has missing or infinite values in {given[r]!r}; "
                    "every row needs the shift its sums are about."
                )
        if not n.size:
            continue
        largest = int(np.argmax(n))
        new = {r: np.full_like(n, old[r][largest]) for r in spec.shift_roles}
        if any(not np.array_equal(old[r], new[r]) for r in spec.shift_roles):
            sums: dict[str, FloatArray | None] = {"n": n}
            sums.update(
                {st: np.asarray(result[f"{spec.label}:{st}"], np.float64) for st in spec.stats[1:]}
            )
            moved = _reshifted(sums, spec.shift_roles, old, new)
            result.update({f"{spec.label}:{st}": moved[st] for st in spec.stats[1:]})
        out.update(
            {given.get(r, f"{spec.label}:shift_{r}"): float(new[r][0]) for r in spec.shift_roles}
        )
    return out
