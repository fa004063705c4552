"""What the notebook templates run first: every parameter checked, the data and registry found.

Each template's first code cell calls :func:`check_parameters` with its kind and its
globals. Every parameter is checked against the schema :data:`hypokit._templates.SCHEMAS`
declares (the rules ``hypokit new`` applies), the data and registry paths are found
(:func:`hypokit._paths.locate`), and the columns the parameters name are looked up in
the data. The first problem stops the notebook with one line naming the parameter and
what it accepts (:class:`ParameterError`), never a traceback; and while the notebook
runs, any error hypokit raises on purpose is shown the same way, as one line.

The helpers below it say what to do next: the command that writes the next notebook
(:func:`new_command`), what a monitor's decisions ask for (:func:`monitor_next`) and,
for every hypothesis of a registry, the next step and its command (:func:`next_steps`).
"""

from __future__ import annotations

import datetime as dt
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypokit._errors import HypokitError, ValidationError
from hypokit._results import TableMixin

if TYPE_CHECKING:
    import pandas as pd

    from hypokit._monitor import Monitor
    from hypokit._records import Experiment, Hypothesis
    from hypokit._registry import Registry

__all__ = [
    "Checked",
    "NextSteps",
    "ParameterError",
    "analysis_command",
    "check_parameters",
    "guess_metrics",
    "monitor_next",
    "new_command",
    "next_steps",
    "one_line",
    "preview",
]

#: Rows read to tell a 0/1 column from other numbers (the analysis reads them all).
PREVIEW_ROWS = 10_000
_MISSING = object()
_RED, _RESET = "\x1b[31m", "\x1b[0m"


def one_line(exc: BaseException) -> str:
    """An error as one line: its kind (for other than parameters) and its message."""
    from hypokit._cli import one_line as flat

    if isinstance(exc, ParameterError):
        return f"Check the parameters: {flat(exc)}"
    return f"{type(exc).__name__}: {flat(exc)}"


class ParameterError(ValidationError):
    """A parameter of a notebook template that cannot be used: one line, no traceback.

    In IPython the error shows as that line only (``_render_traceback_``), and running
    all cells stops at it.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{_RED}{one_line(self)}{_RESET}"]


def _show_one_line(
    shell: Any, etype: type[BaseException], value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    """IPython's handler for hypokit's errors: the error as one line (see :func:`one_line`)."""
    stb = [f"{_RED}{one_line(value)}{_RESET}"]
    shell._showtraceback(etype, value, stb)
    return stb


def _one_line_errors() -> None:
    """In IPython, show every error hypokit raises on purpose as one line, not a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((HypokitError,), _show_one_line)


# ------------------------------------------------------------------------ data
def preview(data: Any, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``rows`` rows of ``data`` (a frame, or files) as a pandas frame.

    Raises:
        DataError: The data cannot be read (the message names the file).
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.head(rows)
    from hypokit._engines import resolve

    with resolve(data, progress=False) as engine:
        columns = engine.columns()
        names = engine.select(list(range(len(columns))))
        arrays = engine.run(f"SELECT * FROM {engine.source} LIMIT {int(rows)}")
    return pd.DataFrame({columns[i][0]: arrays[names[i]] for i in range(len(columns))})


def _is_binary(values: Any) -> bool:
    import pandas as pd

    kept = pd.Series(values).dropna()
    if kept.empty:
        return False
    if kept.dtype == bool:
        return True
    try:
        return bool(kept.isin([0, 1]).all())
    except TypeError:  # pragma: no cover - mixed objects
        return False


def _is_number(values: Any) -> bool:
    import pandas as pd

    series = pd.Series(values)
    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def guess_metrics(
    sample: pd.DataFrame, exclude: Sequence[str] = ()
) -> tuple[list[str], dict[str, str | None]]:
    """Metrics read from the columns: 0/1 columns are proportions, other numbers means.

    A column ``pre_<name>`` is the CUPED covariate of ``<name>`` (and not a metric);
    columns named ``id`` or ``..._id`` and those in ``exclude`` are left out.

    Returns:
        ``(proportions, {mean column: covariate or None})``.
    """
    names = [str(c) for c in sample.columns]
    proportions: list[str] = []
    means: dict[str, str | None] = {}
    for name in names:
        if name in exclude or name.lower() == "id" or name.lower().endswith("_id"):
            continue
        if name.startswith("pre_") and name[4:] in names:
            continue
        values = sample[name]
        if not _is_number(values):
            continue
        if _is_binary(values):
            proportions.append(name)
        else:
            pre = f"pre_{name}"
            means[name] = pre if pre in names and _is_number(sample[pre]) else None
    return proportions, means


# ------------------------------------------------------------------- the check
@dataclass
class Checked:
    """What :func:`check_parameters` found: the values, the data, the registry, the metrics.

    Attributes:
        kind: The template.
        values: The parameters, checked (``as_of`` as a date).
        notes: One line per thing worth knowing (where the data and registry are).
        data: The data to analyse (a path from the working folder, or a frame).
        data_shown: The data in words.
        sample: Its first rows (pandas), to pick metrics.
        registry: The registry (a temporary one when ``registry_path`` is None).
        registry_shown: The registry in words.
        temporary: Whether the registry is a temporary one.
        hypothesis: The hypothesis the notebook judges (analysis, monitor).
        experiment: The experiment (monitor).
        metrics: The metrics to offer: ``proportion``, ``mean`` and ``ratio`` as the
            parameters spell them.
    """

    kind: str
    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    data: Any = None
    data_shown: str = ""
    sample: Any = None
    registry: Registry | None = None
    registry_shown: str = ""
    temporary: bool = False
    hypothesis: Hypothesis | None = None
    experiment: Experiment | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "\n".join(self.notes)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def _value_text(value: Any) -> str:
    return f"{value!r:.80}"


def _check_values(kind: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The template's parameters from ``namespace``, each checked against its rule."""
    from hypokit._templates import _AGREEMENT, SCHEMAS, _defaults, _parameters_cell

    values: dict[str, Any] = {}
    for name, rule in SCHEMAS[kind].items():
        value = namespace.get(name, _MISSING)
        if value is _MISSING:
            raise ParameterError(
                f"{name} is not set; the parameters cell sets it to {rule.expected}."
            )
        problem = rule.problem(value, name)
        if problem is not None:
            where, bad, expected = problem
            if where == name:
                raise ParameterError(f"{name} = {_value_text(bad)}: expected {expected}.")
            raise ParameterError(f"{name}: {where} is {_value_text(bad)}; expected {expected}.")
        values[name] = value
    agree = _AGREEMENT.get(kind)
    if agree is not None:
        defaults = _defaults(_parameters_cell(kind)[1]["source_text"])
        changed = {k: "" for k, v in values.items() if k not in defaults or defaults[k] != v}
        problem_text = agree(values, changed)
        if problem_text is not None:
            raise ParameterError(f"{problem_text}.")
    if "as_of" in values and not isinstance(values["as_of"], dt.date):
        values["as_of"] = dt.date.fromisoformat(values["as_of"])
    return values


def _locate(path: str, parameter: str, what: str, *, create: bool = False) -> Any:
    from hypokit._paths import locate

    try:
        return locate(path, parameter, what=what, create=create)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ParameterError(str(exc)) from None


def _open_registry(checked: Checked, *, create: bool = False) -> None:
    from hypokit._registry import Registry

    path = checked.values["registry_path"]
    if path is None:
        return
    found = _locate(path, "registry_path", "registry", create=create)
    try:
        checked.registry = Registry(found.path)
    except HypokitError as exc:
        raise ParameterError(f"registry_path = {path!r}: {exc}") from None
    checked.registry_shown = str(found)
    if found.exists:
        checked.notes.append(f"Registry: {found} ({len(checked.registry)} records).")
    else:
        checked.notes.append(f"Registry: {found}, new: created on the first save.")
    for error in checked.registry.errors:
        checked.notes.append(f"Skipped a registry file that cannot be read: {error}")


def _temporary_registry(checked: Checked, holding: str) -> Registry:
    from hypokit._registry import Registry

    registry = Registry(tempfile.mkdtemp(prefix="hypokit-"))
    checked.registry = registry
    checked.temporary = True
    checked.registry_shown = "a temporary registry"
    checked.notes.append(
        f"Registry: a temporary one with {holding}; nothing is kept (set registry_path to "
        "use yours)."
    )
    return registry


def _open_data(checked: Checked, example: Any, example_shown: str) -> None:
    path = checked.values["data_path"]
    if path is None:
        checked.data = example
        checked.data_shown = example_shown
    else:
        found = _locate(path, "data_path", "data")
        checked.data = found.path
        checked.data_shown = str(found)
    try:
        checked.sample = preview(checked.data)
    except HypokitError as exc:
        raise ParameterError(f"data_path = {path!r}: {exc}") from None
    columns = ", ".join(map(repr, checked.sample.columns))
    checked.notes.insert(0, f"Data: {checked.data_shown}; columns {columns}.")


def _columns_text(checked: Checked) -> str:
    return ", ".join(map(repr, (str(c) for c in checked.sample.columns)))


def _check_column(checked: Checked, parameter: str, column: Any, where: str | None = None) -> None:
    if column not in [str(c) for c in checked.sample.columns]:
        shown = where or f"{parameter} = {column!r}"
        raise ParameterError(
            f"{shown}: no column {column!r} in {checked.data_shown}; it has "
            f"{_columns_text(checked)}."
        )


def _segment_list(segments: Any) -> list[str]:
    if segments is None:
        return []
    return [segments] if isinstance(segments, str) else list(segments)


def _check_columns(checked: Checked, *names: str) -> None:
    """The parameters that name columns (variant, segments, date) name columns of the data."""
    for name in names:
        value = checked.values.get(name)
        if name == "segments":
            for i, column in enumerate(_segment_list(value)):
                where = f"segments = {column!r}" if isinstance(value, str) else f"segments[{i}]"
                _check_column(checked, name, column, where)
        elif value is not None:
            _check_column(checked, name, value)


def check_parameters(kind: str, namespace: Mapping[str, Any]) -> Checked:
    """Check a template's parameters, find its data and registry; stop in one line if wrong.

    Args:
        kind: The template (``"analysis"``, ``"monitor"``, ...).
        namespace: The notebook's globals, where the parameters cell set them.

    Returns:
        A :class:`Checked`; its notes say where the data and the registry were found.

    Raises:
        ParameterError: The first parameter that cannot be used, in one line naming it
            and what it accepts (the folders searched, the columns there are).
    """
    _one_line_errors()
    checked = Checked(kind, _check_values(kind, namespace))
    if kind == "analysis":
        _check_analysis(checked)
    elif kind == "monitor":
        _check_monitor(checked)
    elif "registry_path" in checked.values:
        _open_registry(checked)
    if checked.registry is not None and not checked.temporary and not checked.registry_shown:
        checked.registry_shown = str(checked.registry.path)  # pragma: no cover
    from hypokit._paths import project_note

    checked.notes.append(project_note())
    return checked


# --------------------------------------------------------------------- analysis
METRIC_PARAMETERS = ("proportion_metrics", "mean_metrics", "ratio_metrics")


def _metric_columns(name: str, value: Any) -> list[tuple[str, str]]:
    """(where, column) for every column a metric parameter names."""
    out: list[tuple[str, str]] = []
    if name == "proportion_metrics":
        out += [(f"proportion_metrics[{i}]", c) for i, c in enumerate(value)]
    elif name == "mean_metrics":
        for column, covariate in value.items():
            out.append((f"a key of mean_metrics, {column!r},", column))
            if covariate is not None:
                out.append((f"mean_metrics[{column!r}]", covariate))
    else:
        for i, pair in enumerate(value):
            out += [(f"ratio_metrics[{i}][{j}]", c) for j, c in enumerate(pair)]
    return out


def _analysis_metrics(checked: Checked) -> None:
    """The metrics to offer: the parameters as given, or, on your data, from its columns."""
    from hypokit._templates import _defaults, _parameters_cell

    values = checked.values
    defaults = _defaults(_parameters_cell("analysis")[1]["source_text"])
    explicit = {k for k in METRIC_PARAMETERS if values[k] != defaults.get(k)}
    if values["data_path"] is None:
        explicit = set(METRIC_PARAMETERS)  # the example data has the example's columns
    for name in sorted(explicit):
        for where, column in _metric_columns(name, values[name]):
            _check_column(checked, name, column, where)
    proportion = list(values["proportion_metrics"]) if "proportion_metrics" in explicit else []
    mean = dict(values["mean_metrics"]) if "mean_metrics" in explicit else {}
    ratio = [tuple(p) for p in values["ratio_metrics"]] if "ratio_metrics" in explicit else []
    if explicit != set(METRIC_PARAMETERS):
        exclude = [values["variant_column"], *_segment_list(values["segments"])]
        used = {c for n in explicit for _, c in _metric_columns(n, values[n])}
        guessed_p, guessed_m = guess_metrics(checked.sample, [*exclude, *used])
        if "proportion_metrics" not in explicit:
            proportion = guessed_p
        if "mean_metrics" not in explicit:
            mean = guessed_m
        picked = [*proportion, *(f"{c}" for c in mean)]
        checked.notes.append(
            "Metrics picked from the data's columns (the parameters left as the example's): "
            f"{', '.join(picked) or 'none'}; change them in the picker below."
        )
    checked.metrics = {"proportion": proportion, "mean": mean, "ratio": ratio}


def _metric_labels(metrics: Mapping[str, Any]) -> list[str]:
    return [
        *metrics["proportion"],
        *metrics["mean"],
        *(f"{num}/{den}" for num, den in metrics["ratio"]),
    ]


def _offer(checked: Checked, metric: str, judged_by: str) -> None:
    """Make sure the metrics offered include ``metric``, which ``judged_by`` judges."""
    metrics = checked.metrics
    if metric in _metric_labels(metrics):
        return
    columns = [str(c) for c in checked.sample.columns]
    num, slash, den = metric.partition("/")
    if metric in columns and _is_number(checked.sample[metric]):
        if _is_binary(checked.sample[metric]):
            metrics["proportion"].append(metric)
        else:
            pre = f"pre_{metric}"
            metrics["mean"][metric] = pre if pre in columns else None
        return
    if slash and num in columns and den in columns:
        metrics["ratio"].append((num, den))
        return
    raise ParameterError(
        f"{judged_by} judges the metric {metric!r}, which {checked.data_shown} does not have "
        f"(its columns: {_columns_text(checked)}); analyse the data the hypothesis is about, "
        "or judge a metric it has."
    )


def _hypothesis_from_parameters(values: Mapping[str, Any]) -> Hypothesis:
    """The hypothesis the parameters describe (``criteria``, ``change``, ...), running."""
    from hypokit._records import Guardrail, Hypothesis, SegmentCriteria

    criteria = values["criteria"]
    rows = []
    for segment, c in criteria.items():
        if c.get("margin") is None:
            rows.append(SegmentCriteria(segment=segment, min_effect=c.get("min_effect") or 0.0))
        else:
            rows.append(
                SegmentCriteria(
                    segment=segment,
                    min_effect=None,
                    priority=2,
                    guardrails=(Guardrail(metric=c["metric"], margin=c["margin"]),),
                )
            )
    judged = {c["metric"] for c in criteria.values() if c.get("margin") is None}
    if len(judged) > 1:
        raise ParameterError(
            f"criteria: a hypothesis judges one metric; the success criteria name "
            f"{', '.join(map(repr, sorted(judged)))}."
        )
    first = next(iter(criteria.values()), {"metric": None})["metric"]
    metric = judged.pop() if judged else first
    if metric is None:
        metric = (_metric_labels_from_values(values) or ["converted"])[0]
    return Hypothesis(
        id=values["hypothesis_id"],
        change=values["change"],
        metric=metric,
        outcome=values["outcome"],
        expected_effect=abs(values["expected_effect"]),
        direction="increase" if values["expected_effect"] > 0 else "decrease",
        time_frame_days=values["time_frame_days"],
        criteria=rows,
        status="running",
    )


def _metric_labels_from_values(values: Mapping[str, Any]) -> list[str]:
    return [
        *values["proportion_metrics"],
        *values["mean_metrics"],
        *(f"{num}/{den}" for num, den in values["ratio_metrics"]),
    ]


def _check_analysis(checked: Checked) -> None:
    from hypokit._records import Hypothesis
    from hypokit.datasets import checkout_experiment

    values = checked.values
    _open_data(checked, checkout_experiment(), "the shipped checkout example")
    _check_columns(checked, "variant_column", "segments")
    _analysis_metrics(checked)
    hypothesis_id = values["hypothesis_id"]
    if values["registry_path"] is not None:
        _open_registry(checked)
        registry = checked.registry
        assert registry is not None
        record = registry._records.get(hypothesis_id)
        if not isinstance(record, Hypothesis):
            ids = [h.id for h in registry.records(Hypothesis)]
            have = f"its hypotheses are {', '.join(ids)}" if ids else "it has no hypotheses yet"
            what = "no hypothesis" if record is None else f"a {record.kind}, not a hypothesis,"
            raise ParameterError(
                f"hypothesis_id = {hypothesis_id!r}: {what} {hypothesis_id!r} in "
                f"{checked.registry_shown} ({have}); write it with the hypothesis template "
                "(hypokit new hypothesis NAME), or set registry_path = None to judge this "
                "notebook's criteria."
            )
        hypothesis = record
        where = registry._rel(registry.path_of(hypothesis_id))
        checked.notes.append(
            f"Criteria: those of hypothesis {hypothesis_id!r} ({where}, {record.status}); "
            "this notebook's criteria, change and outcome are not used."
        )
        judged_by = f"hypothesis {hypothesis_id!r}"
    else:
        hypothesis = _hypothesis_from_parameters(values)
        _temporary_registry(checked, "the hypothesis these parameters describe").save(hypothesis)
        checked.notes.append("Criteria: this notebook's (no registry named).")
        judged_by = "criteria"
    checked.hypothesis = hypothesis
    for metric in _judged_metrics(hypothesis):
        _offer(checked, metric, judged_by)


def _judged_metrics(h: Hypothesis) -> list[str]:
    """The metrics a hypothesis's criteria read: its metric (when judged) and guardrails."""
    needed = (
        [h.metric] if not h.criteria or any(c.min_effect is not None for c in h.criteria) else []
    )
    needed += [g.metric for c in h.criteria for g in c.guardrails]
    return list(dict.fromkeys(needed))


# ---------------------------------------------------------------------- monitor
def example_registry() -> Registry:
    """A temporary registry with the checkout example, its experiment running since 2026-10-19.

    The monitor template uses it when ``registry_path`` is None, with the shipped
    ``checkout_experiment`` data.
    """
    import hypokit as hk

    registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))
    registry.save(hk.Objective(id="checkout", title="Checkout that customers finish"))
    registry.save(
        hk.KeyResult(
            id="kr-conversion",
            objective="checkout",
            title="Checkout conversion from 7.5% to 8.5%",
            metric="converted",
            baseline=0.075,
            target=0.085,
            deadline=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.Hypothesis(
            id="express-pay",
            change="add express pay to the cart",
            metric="converted",
            outcome="checkout conversion",
            expected_effect=0.15,
            time_frame_days=21,
            key_result="kr-conversion",
            criteria=[
                hk.SegmentCriteria(segment="new", min_effect=0.10),
                hk.SegmentCriteria(segment="returning", min_effect=0.10),
                hk.SegmentCriteria(
                    segment="business",
                    min_effect=None,
                    priority=2,
                    guardrails=[hk.Guardrail(metric="converted", margin=0.05)],
                ),
            ],
        )
    )
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.04, "returning": 0.11, "business": 0.18}),
        mde=0.15,
        relative=True,
        traffic={"new": 750, "returning": 450, "business": 100},
    )
    registry.save(
        hk.Experiment(
            id="express-pay-test",
            hypothesis="express-pay",
            plan=plan,
            planned_end=dt.date(2026, 11, 16),
            data_source="the shipped checkout example (hypokit.datasets.checkout_experiment)",
        )
    )
    registry.move("express-pay", "running", as_of=dt.date(2026, 10, 19))
    return registry


def _check_monitor(checked: Checked) -> None:
    from hypokit._records import Experiment, Hypothesis
    from hypokit.datasets import checkout_experiment

    values = checked.values
    _open_data(checked, checkout_experiment(), "the shipped checkout example")
    _check_columns(checked, "variant_column", "segments", "date_column")
    if values["registry_path"] is None:
        checked.registry = example_registry()
        checked.temporary = True
        checked.registry_shown = "a temporary registry"
        checked.notes.append(
            "Registry: a temporary one with an example running experiment; nothing is kept "
            "(set registry_path to use yours)."
        )
    else:
        _open_registry(checked)
    registry = checked.registry
    assert registry is not None
    exp_id = values["experiment_id"]
    record = registry._records.get(exp_id)
    if not isinstance(record, Experiment):
        ids = [e.id for e in registry.records(Experiment)]
        have = f"its experiments are {', '.join(ids)}" if ids else "it has no experiments yet"
        raise ParameterError(
            f"experiment_id = {exp_id!r}: no experiment {exp_id!r} in {checked.registry_shown} "
            f"({have}); record it with its plan (the sizing template) first."
        )
    checked.experiment = record
    if record.status == "planned":
        raise ParameterError(
            f"experiment_id = {exp_id!r}: the experiment is planned, not running: start it the "
            f"day it goes live (hypokit hypotheses start {record.hypothesis} --as-of "
            "YYYY-MM-DD), then monitor it."
        )
    h = registry._records.get(record.hypothesis)
    if not isinstance(h, Hypothesis):
        raise ParameterError(
            f"experiment_id = {exp_id!r}: it tests {record.hypothesis!r}, which is not a "
            f"hypothesis in {checked.registry_shown}."
        )
    checked.hypothesis = h
    checked.metrics = {"proportion": [], "mean": {}, "ratio": []}
    for metric in _judged_metrics(h):
        _offer(checked, metric, f"hypothesis {h.id!r}")
    where = registry._rel(registry.path_of(exp_id))
    plan = f"planned for {record.units:,} units" if record.plan else "no plan recorded"
    checked.notes.append(
        f"Experiment: {exp_id!r} ({where}, {record.status}, {plan}); hypothesis {h.id!r}; "
        f"metrics {', '.join(_metric_labels(checked.metrics))}."
    )
    if not record.plan:
        checked.notes.append(
            "No plan: no segment is ever 'ready to analyse'. Record the plan (the sizing "
            "template) to know when to stop."
        )


def metrics_of(metrics: Mapping[str, Any]) -> list[Any]:
    """The hk metrics of ``{"proportion": [...], "mean": {...}, "ratio": [...]}``."""
    import hypokit as hk

    return [
        *(hk.Proportion(c) for c in metrics["proportion"]),
        *(hk.Mean(c, covariate=cov) for c, cov in metrics["mean"].items()),
        *(hk.Ratio(num, den) for num, den in metrics["ratio"]),
    ]


def guardrails_of(hypothesis: Hypothesis) -> dict[str, list[Any]]:
    """The guardrails of a hypothesis per segment, for ``hk.monitor``."""
    out: dict[str, list[Any]] = {}
    for segment, criteria in hypothesis.criteria_for_analysis().items():
        kept = [c for c in criteria if c.guardrail]
        if kept:
            out[segment] = kept
    return out


# ------------------------------------------------------------------- next steps
def new_command(kind: str, name: str, values: Mapping[str, Any]) -> str:
    """The ``hypokit new`` command that writes notebook ``name`` with these parameters.

    Each value is written so that ``hypokit new`` reads it back as it is (text as
    text, other values as Python literals), quoted for a POSIX shell.
    """
    from hypokit._templates import parse_value

    parts = ["hypokit", "new", kind, name]
    for key, value in values.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        text = value if isinstance(value, str) else repr(value)
        try:
            if parse_value(kind, key, text) != value:
                text = repr(value)
        except ValidationError:
            text = repr(value)
        parts += ["-p", f"{key}={text}"]
    return " ".join(shlex.quote(p) for p in parts)


def analysis_command(checked: Checked) -> str:
    """The ``hypokit new analysis`` command for the experiment a monitor looked at.

    Its parameters are the monitor's as given (the data, the registry, the columns
    that differ from the analysis template's defaults), the hypothesis's id, and the
    day of the look as the day of the conclusion.
    """
    from hypokit._templates import _defaults, _parameters_cell

    values = checked.values
    defaults = _defaults(_parameters_cell("analysis")[1]["source_text"])
    hypothesis = checked.hypothesis.id if checked.hypothesis is not None else "ID"
    given: dict[str, Any] = {}
    for key in ("data_path", "registry_path"):
        if values.get(key) is not None:
            given[key] = values[key]
    given["hypothesis_id"] = hypothesis
    for key in ("variant_column", "control", "segments"):
        if key in values and values[key] != defaults.get(key):
            given[key] = values[key]
    if "as_of" in values:
        given["as_of"] = values["as_of"]
    return new_command("analysis", f"{hypothesis}-analysis", given)


def _where(segment: str) -> str:
    return "the whole population" if segment == "(all)" else f"{segment!r}"


def monitor_next(
    report: Monitor, *, analysis_command: str, hypothesis: str, as_of: dt.date | None = None
) -> str:
    """What a monitor's decisions ask for, in Markdown: keep running, stop (why), or analyse.

    Args:
        report: What :func:`hypokit.monitor` returned.
        analysis_command: The ``hypokit new analysis ...`` command for this experiment.
        hypothesis: The hypothesis's id (for the command that records the stop).
        as_of: The day of this look (default: the report's).
    """
    rows = report.rows
    day = as_of or report.as_of
    lines = [f"**{report.headline()[0].upper()}{report.headline()[1:]}**", ""]

    def segments(decision: str) -> list[dict[str, Any]]:
        return [r for r in rows if r["decision"] == decision]

    broken = segments("stop: sample ratio mismatch")
    if broken:
        where = ", ".join(sorted({_where(r["segment"]) for r in broken}))
        lines.append(
            f"- **Stop: the split of units is broken** in {where}: {broken[0]['reason']} "
            "Fix assignment or logging and restart the experiment; no effect in this data "
            "can be trusted."
        )
    harmed = segments("stop for harm")
    if harmed:
        for r in harmed:
            lines.append(
                f"- **Stop for harm** in {_where(r['segment'])} ({r['variant']}): {r['reason']}"
            )
        lines.append(
            "  Stop showing the variant there, then conclude the hypothesis on the data so "
            f"far: run the analysis template, `{analysis_command}`."
        )
    ready = segments("ready to analyse")
    if ready:
        where = ", ".join(sorted({_where(r["segment"]) for r in ready}))
        lines.append(
            f"- **Ready to analyse**: {where} reached the planned units. Run the analysis "
            f"template in your project's folder: `{analysis_command}`, then open the notebook "
            "it writes and run all cells: it concludes the hypothesis and drafts the learning."
        )
    running = [r for r in segments("keep running") if r["segment"] != "(all)" or len(rows) == 1]
    if running:
        ends = [r["expected_end"] for r in running if r["expected_end"] is not None]
        where = ", ".join(sorted({_where(r["segment"]) for r in running}))
        if ends:
            until = max(ends)
            lines.append(
                f"- **Keep running** {where} until {until} (the traffic so far reaches the "
                f"plan then); run this notebook again with as_of = {until.isoformat()!r}."
            )
        else:
            lines.append(
                f"- **Keep running** {where}: without a plan (or dates) nothing says when it "
                "is done; record the plan with the sizing template."
            )
    if day is not None:
        lines += ["", f"_Read on {day}, with intervals that stay valid however often you look._"]
    return "\n".join(lines)


@dataclass(frozen=True, repr=False)
class NextSteps(TableMixin):
    """Each hypothesis of a registry: its stage, the next step and the command that takes it.

    Attributes:
        rows: One dict per hypothesis: ``key_result``, ``hypothesis``, ``stage``,
            ``next`` and ``command``.
        as_of: The day it was read on.
    """

    rows: tuple[dict[str, Any], ...]
    as_of: dt.date

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per hypothesis, as the board orders them."""
        return [dict(r) for r in self.rows]

    def _caption(self) -> str:
        return f"Next steps on {self.as_of}" if self.rows else "No hypotheses yet."


def next_steps(
    registry: Registry, *, as_of: dt.date, registry_path: str | None = None
) -> NextSteps:
    """For each hypothesis of the registry: where it stands, what to do next, and the command.

    The board of :func:`hypokit._status.board`, with a ``command`` column: the
    ``hypokit`` command (or template) that takes the next step, with the registry's path
    as the notebook's parameters give it (``registry_path``).
    """
    from hypokit._records import Experiment
    from hypokit._status import board

    reg = registry_path or "records"
    flag = f" --registry {shlex.quote(reg)}" if reg != "records" else ""
    experiments = registry.records(Experiment)
    rows = []
    for r in board(registry, as_of=as_of).rows:
        hid = r["hypothesis"]
        mine = [e for e in experiments if e.hypothesis == hid]
        running = [e for e in mine if e.status == "running"] or mine
        exp = running[-1] if running else None
        data = (
            {"data_path": exp.data_source} if exp is not None and _is_path(exp.data_source) else {}
        )
        action = r["action"]
        if action == "size":
            command = new_command("sizing", f"{hid}-sizing", {})
        elif action in ("plan", "start"):
            verb = "plan" if action == "plan" else "start"
            command = f"hypokit hypotheses {verb} {shlex.quote(hid)}{flag} --as-of YYYY-MM-DD"
        elif action == "monitor" and exp is not None:
            command = new_command(
                "monitor",
                f"{hid}-monitor",
                {**data, "registry_path": reg, "experiment_id": exp.id},
            )
        elif action in ("monitor", "analyse", "record learning"):
            command = new_command(
                "analysis", f"{hid}-analysis", {**data, "registry_path": reg, "hypothesis_id": hid}
            )
        elif action == "review learning":
            command = new_command("learning-review", "review", {"registry_path": reg})
        else:
            command = ""
        rows.append(
            {
                "key_result": r["key_result"],
                "hypothesis": hid,
                "stage": r["stage"],
                "next": r["next"],
                "command": command,
            }
        )
    return NextSteps(rows=tuple(rows), as_of=as_of)


def _is_path(text: str) -> bool:
    """Whether an experiment's ``data_source`` reads as a data file's path."""
    text = text.strip()
    return bool(text) and " " not in text and text.lower().endswith((".csv", ".parquet"))
