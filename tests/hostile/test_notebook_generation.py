"""Hostile names, kinds, parameters and links given to ``hypokit new`` and ``hypokit report``.

``new`` refuses, with one line naming NAME, KIND or the parameter and what was expected:
names that are not plain file names, kinds that are not shipped templates, values a
template does not declare, numbers that are not finite; it never writes through a
link or over a file without ``--force``. Every notebook it does write is valid, and its
parameter cells run as Python and hold exactly the values given.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import json
import os
import warnings
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient

import hypokit as hk
from hypokit._cli import main
from hypokit._files import write_text
from hypokit._report import render_report
from hypokit._templates import SCHEMAS, kinds, new_notebook, parse_value

KINDS = "analysis, hypothesis, learning-review, monitor, okr-review, sizing, status"


def run(*args: str) -> tuple[int | str | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code: int | str | None = main(list(args))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def refused(result, command: str, *needles: str) -> str:
    code, out, err = result
    assert "Traceback" not in out + err, err
    assert code == 2, (code, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"hypokit {command}: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def new(folder: Path, *args: str):
    return run("new", "--folder", str(folder), *args)


def injected(path: Path) -> dict:
    """The notebook's parameters once its two parameter cells have run."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)  # every cell is Python
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    start = tags.index(["parameters"])
    namespace: dict = {}
    exec(compile(nb.cells[start].source, "parameters", "exec"), namespace)
    defaults = dict(namespace)
    if start + 1 < len(tags) and tags[start + 1] == ["injected-parameters"]:
        source = nb.cells[start + 1].source
        for statement in ast.parse(source).body:  # assignments of literals only
            assert isinstance(statement, ast.Assign)
            ast.literal_eval(statement.value)
        exec(compile(source, "injected-parameters", "exec"), namespace)
    return {k: v for k, v in namespace.items() if k in defaults and not k.startswith("__")}


def same(a, b) -> bool:
    """Equal values of equal types, all the way down (1 is not True, nor 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


# ------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("plan\n", "contains the character '\\n' (a control character)"),
        ("plan\r", "'\\r' (a control character)"),
        ("pl\tan", "'\\t' (a control character)"),
        ("pl\x00an", "'\\x00' (a control character)"),
        ("pl\x1ban", "'\\x1b' (a control character)"),
        ("a/b", "'/' (a path separator)"),
        ("a\\b", "'\\\\' (a path separator)"),
        ("../evil", "'/' (a path separator)"),
        ("..", "starts with '.'"),
        (".", "starts with '.'"),
        (".hidden", "starts with '.'"),
        ("_plan", "starts with '_'"),
        ("", "is empty"),
        (" plan", "' ' (a space)"),
        ("my plan", "' ' (a space)"),
        ("plan\u00a0", "'\\xa0' (a space)"),
        ("plan\u200b", "(an invisible or invalid character)"),
        ("plan\u2028", "(an invisible or invalid character)"),
        ("plan\udcff", "(an invisible or invalid character)"),
        ("caf\u00e9", "contains the character 'é'"),
        ("plan$", "contains the character '$'"),
        ("plan*", "contains the character '*'"),
        ("plan:x", "contains the character ':'"),
        ("con", "is a device name on Windows"),
        ("NUL.backup", "is a device name on Windows"),
        ("com1", "is a device name on Windows"),
        ("plan.ipynb", "ends in .ipynb"),
        ("PLAN.IPYNB", "ends in .ipynb"),
        ("a" * 101, "NAME has 101 characters; at most 100"),
    ],
)
def test_hostile_names_are_refused_naming_the_character(tmp_path, name, needle):
    line = refused(new(tmp_path, "sizing", "--", name), "new", "NAME", needle)
    assert "\n" not in line
    assert list(tmp_path.iterdir()) == []


def test_a_name_starting_with_a_dash_is_an_option_or_refused(tmp_path):
    refused(new(tmp_path, "sizing", "-plan"), "new", "give KIND and NAME")  # -p lan
    refused(new(tmp_path, "sizing", "-x"), "new", "unrecognized arguments: -x")
    refused(new(tmp_path, "sizing", "--", "-plan"), "new", "starts with '-'")


@pytest.mark.parametrize("name", ["a", "A-1_b.c", "9", "a" * 100, "plan.v2", "plan."])
def test_plain_names_are_accepted(tmp_path, name):
    code, out, err = new(tmp_path, "sizing", name)
    assert code == 0, err
    assert (tmp_path / f"{name}.ipynb").is_file()
    assert out == f"wrote {tmp_path / f'{name}.ipynb'}\n"


# ------------------------------------------------------------------------- kinds
@pytest.mark.parametrize(
    "kind",
    ["../templates/sizing", "/etc/passwd", "sizing.ipynb", "SIZING", "", "\x00", "sizing/",
     ".", "sizing\n", "templates/sizing", "../../notebooks/analysis-checkout", "*"],
)  # fmt: skip
def test_a_kind_that_is_not_a_template_is_refused_listing_the_kinds(tmp_path, kind):
    refused(new(tmp_path, kind, "plan"), "new", f"KIND == {kind!r}", f"must be one of {KINDS}")
    assert list(tmp_path.iterdir()) == []


def test_kinds_are_the_shipped_templates():
    assert ", ".join(kinds()) == KINDS
    assert sorted(SCHEMAS) == kinds()


# -------------------------------------------------------------------- parameters
REFUSED = [
    ("sizing", "mde=1e999", "-p mde='1e999': inf is not a finite number"),
    ("sizing", "mde=-1e999", "-inf is not a finite number"),
    ("sizing", "mde=1e309", "inf is not a finite number"),
    ("sizing", 'mde={"new": 1e999, "returning": 1, "business": 1}', "inf is not a finite"),
    ("sizing", "mde=abc", "expected a number, not 0, or {segment: a number, not 0}; got 'abc'"),
    ("sizing", "mde=nan", "got 'nan'"),
    ("sizing", "mde=0", "got 0"),
    ("sizing", "mde=" + "[" * 300 + "]" * 300, "expected a number, not 0"),
    ("sizing", "alpha=1.5", "-p alpha='1.5': expected a number in (0, 1); got 1.5"),
    ("sizing", "alpha=0", "expected a number in (0, 1); got 0"),
    ("sizing", "alpha=1", "got 1"),
    ("sizing", "alpha=True", "got True"),
    ("sizing", "alpha='0.05'", "got '0.05'"),
    ("sizing", "alpha=" + "9" * 5000, "expected a number in (0, 1)"),
    ("sizing", "power=1.0", "expected a number in (0, 1); got 1.0"),
    ("sizing", "arms=1", "expected a whole number from 2 to 100; got 1"),
    ("sizing", "arms=2.0", "got 2.0"),
    ("sizing", "arms=True", "got True"),
    ("sizing", "arms=101", "got 101"),
    ("sizing", "arms=100000000000000000000", "a whole number beyond 1e+15 is out of range"),
    ("sizing", "relative=1", "expected True or False; got 1"),
    ("sizing", "relative=yes", "expected True or False; got 'yes'"),
    ("sizing", "correction=bh", "expected one of 'holm', 'bonferroni', None; got 'bh'"),
    ("sizing", "correction=none", "got 'none'"),
    ("sizing", "alternative=two_sided", "one of 'two-sided', 'greater', 'less'"),
    ("sizing", "metric_kind=ratio", "expected one of 'proportion', 'mean'"),
    ("sizing", 'baseline={"new": 1.5}', "baseline['new'] is 1.5; expected a number in (0, 1)"),
    ("sizing", 'baseline={"(all)": 0.5}', "a key of baseline is '(all)'; expected a segment"),
    ("sizing", 'baseline={"": 0.5}', "a key of baseline is ''"),
    ("sizing", "baseline={1: 0.5}", "a key of baseline is 1"),
    ("sizing", "baseline={}", "got {}"),
    ("sizing", 'baseline={"new": 0.1, "new": 0.2}', "the dict names the key 'new' twice"),
    ("sizing", "traffic={1: 5, True: 6}", "the dict names the key True twice"),
    ("sizing", "traffic=0", "expected a number > 0"),
    ("sizing", 'traffic={"new": -1, "returning": 1, "business": 1}', "traffic['new'] is -1"),
    ("sizing", "correlation=1", "a number in (-1, 1)"),
    ("sizing", "sd=0", "expected a number > 0"),
    ("sizing", 'mde={"new": 0.1}', "mde names the segments 'new' but baseline names"),
    ("sizing", "baseline=[0.1]", "got [0.1]"),
    ("sizing", "baseline={0.1}", "not a Python literal of a supported type; expected a"),
    ("sizing", "mde=1j", "not a Python literal of a supported type"),
    ("sizing", "mde=b'1'", "not a Python literal of a supported type"),
    ("analysis", "as_of=2026-02-30", "expected a date as 'YYYY-MM-DD'; got '2026-02-30'"),
    ("analysis", "as_of=20261122", "expected a date as 'YYYY-MM-DD'; got 20261122"),
    ("analysis", "as_of=2026-1-2", "got '2026-1-2'"),
    ("analysis", "hypothesis_id=Express Pay", "a record id"),
    ("analysis", "hypothesis_id=a..b", "a record id"),
    ("analysis", "hypothesis_id=" + "a" * 101, "a record id"),
    ("analysis", "time_frame_days=0", "a whole number from 1 to 3650; got 0"),
    ("analysis", "time_frame_days=7.5", "got 7.5"),
    ("analysis", "change=", "expected text; got ''"),
    ("analysis", "change=   ", "expected text"),
    ("analysis", "change='a\\nb'", "contains '\\n' (a control character)"),
    ("analysis", "change=a\nb", "contains '\\n' (a control character)"),
    ("analysis", "outcome=\x1b[31mred", "'\\x1b' (a control character)"),
    ("analysis", "outcome=\udcff", "(an invisible or invalid character)"),
    ("analysis", "segments=[]", "a non-empty list of column names"),
    ("analysis", "control=1.5", "a label (text), or a whole number, or True or False"),
    ("analysis", "control=None", "got None"),
    ("analysis", "ratio_metrics=[('a',)]", "ratio_metrics[0] is ('a',); expected a list of 2"),
    ("analysis", "proportion_metrics='converted'", "a list of column names; got 'converted'"),
    ("analysis", "mean_metrics=['revenue']", "got ['revenue']"),
    ("analysis", "data_path=''", "a path (text), or None; got ''"),
    ("analysis", 'criteria={"new": {"metric": "x"}}', "judges the metric 'x', which is not"),
    ("analysis", 'criteria={"new": {"metrc": "converted"}}', "a key of criteria['new'] is"),
    ("analysis", 'criteria={"new": {"min_effect": 0.1}}', "a dict with the key 'metric'"),
    ("analysis", 'criteria={"new": {"metric": "converted", "margin": 0}}', "a number > 0"),
    ("analysis", "proportion_metrics=['revenue']", "the metric 'revenue' is given twice"),
    ("analysis", "proportion_metrics=[] ", "all empty"),
    ("learning-review", "due_within=-1", "a whole number from 0 to 36500; got -1"),
    ("learning-review", 'renew={"pros": "2027-13-01"}', "renew['pros'] is '2027-13-01'"),
    ("learning-review", 'renew={"Bad Id": "2027-01-01"}', "a key of renew is 'Bad Id'"),
    ("learning-review", "retire=x", "a list of a record id"),
    ("okr-review", 'current={"kr": 1e999}', "inf is not a finite number"),
    ("okr-review", "objective=Bad Id", "a record id"),
    ("okr-review", "include_closed=0", "expected True or False; got 0"),
    ("hypothesis", "rank_by=ICE", "expected one of 'ice', 'rice', 'evi'; got 'ICE'"),
    ("hypothesis", "save=None", "got None"),
    ("hypothesis", "nope=1", "'hypothesis' has no parameter 'nope'; it has registry_path"),
    ("hypothesis", "1bad=2", "expected KEY=VALUE with KEY a parameter name"),
    ("hypothesis", "=x", "expected KEY=VALUE"),
    ("hypothesis", "save", "expected KEY=VALUE"),
    ("hypothesis", "datetime=1", "has no parameter 'datetime'"),
]


@pytest.mark.parametrize(("kind", "parameter", "needle"), REFUSED)
def test_parameters_a_template_does_not_accept_are_refused(tmp_path, kind, parameter, needle):
    extra = ["-p", "ratio_metrics=[]", "-p", "mean_metrics={}"] if "] " in parameter else []
    refused(new(tmp_path, kind, "plan", "-p", parameter.strip(), *extra), "new", "-p ", needle)
    assert list(tmp_path.iterdir()) == []


def test_a_parameter_given_twice_is_refused(tmp_path):
    refused(
        new(tmp_path, "sizing", "plan", "-p", "mde=0.1", "-p", "mde=0.2"),
        "new",
        "-p mde=... is given twice",
    )


def test_a_long_refused_value_is_shown_short(tmp_path):
    line = refused(new(tmp_path, "sizing", "plan", "-p", "alpha=" + "7" * 100_000), "new")
    assert len(line) < 400
    assert "expected a number in (0, 1)" in line


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("analysis", "change=add express pay", "add express pay"),
        ("analysis", "hypothesis_id=2024", "2024"),  # digits, kept as the id's text
        ("analysis", "change='quoted'", "quoted"),
        ("analysis", "change=1", "1"),
        ("analysis", "change=[1, 2]", "[1, 2]"),
        ("analysis", "change=1e999", "1e999"),
        ("analysis", "variant_column={1, 2}", "{1, 2}"),
        ("analysis", "change=x' + __import__('os').getcwd() + '", None),
        ("analysis", "data_path=None", None),
        ("analysis", "data_path=events/*.parquet", "events/*.parquet"),
        ("analysis", "control=0", 0),
        ("analysis", "control=False", False),
        ("analysis", "control=control", "control"),
        ("sizing", "traffic=None", None),
        ("sizing", "mde=-0.05", -0.05),
        ("sizing", "mde=5e-324", 5e-324),
        ("sizing", "correction=None", None),
        ("learning-review", "renew={}", {}),
        ("learning-review", 'renew={"pros-wait-for-hd": "2027-05-31"}',
         {"pros-wait-for-hd": "2027-05-31"}),
        ("okr-review", "current={'kr-published': -3}", {"kr-published": -3}),
    ],
)  # fmt: skip
def test_how_values_are_read(tmp_path, kind, text, value):
    code, _, err = new(tmp_path, kind, "plan", "-p", text)
    assert code == 0, err
    key, _, raw = text.partition("=")
    expected = raw if key == "change" and value is None else value
    assert same(injected(tmp_path / "plan.ipynb")[key], expected)


# ---------------------------------------------- accepted values: valid and runnable
SEGMENTS = ["new", "returning", "business"]
RATES = st.floats(0, 1, exclude_min=True, exclude_max=True)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
POSITIVE = st.one_of(st.floats(0, exclude_min=True, allow_infinity=False), st.integers(1, 10**15))
WORDS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30
).filter(str.strip)
IDS = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)).map(dt.date.isoformat)


def per_segment(values):
    return st.one_of(values, st.fixed_dictionaries(dict.fromkeys(SEGMENTS, values)))


VALID = {
    "sizing": {
        "metric_kind": st.sampled_from(["proportion", "mean"]),
        "baseline": per_segment(RATES),
        "mean": per_segment(FINITE),
        "sd": per_segment(POSITIVE),
        "correlation": st.one_of(st.none(), per_segment(st.floats(-1, 1, exclude_min=True,
                                                                   exclude_max=True))),
        "traffic": st.one_of(st.none(), per_segment(POSITIVE)),
        "mde": per_segment(FINITE.filter(bool)),
        "relative": st.booleans(),
        "alpha": RATES,
        "power": RATES,
        "alternative": st.sampled_from(["two-sided", "greater", "less"]),
        "arms": st.integers(2, 100),
        "correction": st.sampled_from(["holm", "bonferroni", None]),
        "whole_weeks": st.booleans(),
        "registry_path": st.one_of(st.none(), WORDS),
        "hypothesis_id": st.one_of(st.none(), IDS),
        "as_of": DATES,
        "start": st.one_of(st.none(), DATES),
        "record": st.booleans(),
    },
    "analysis": {
        "data_path": st.one_of(st.none(), WORDS),
        "variant_column": WORDS,
        "control": st.one_of(WORDS, st.integers(-(10**15), 10**15), st.booleans()),
        "segments": st.one_of(st.none(), WORDS, st.lists(WORDS, min_size=1, max_size=3)),
        "proportion_metrics": st.lists(WORDS.filter(lambda w: "revenue" not in w), max_size=3)
        .map(lambda names: ["converted", *dict.fromkeys(n for n in names if n != "converted")]),
        "mean_metrics": st.just({"revenue": None}),
        "ratio_metrics": st.just([("revenue", "sessions")]),
        "alpha": RATES,
        "correction": st.sampled_from(["holm", "bonferroni", "bh", None]),
        "criteria": st.dictionaries(
            WORDS.filter(lambda w: w != "(all)"),
            st.fixed_dictionaries(
                {"metric": st.just("converted")},
                optional={"min_effect": st.one_of(st.none(), st.floats(0, 10)),
                          "margin": st.one_of(st.none(), st.floats(0, 10, exclude_min=True))},
            ),
            max_size=3,
        ),
        "hypothesis_id": IDS,
        "change": WORDS,
        "outcome": WORDS,
        "expected_effect": FINITE.filter(bool),
        "time_frame_days": st.integers(1, 3650),
        "registry_path": st.one_of(st.none(), WORDS),
        "as_of": DATES,
    },
    "monitor": {
        "data_path": st.one_of(st.none(), WORDS),
        "registry_path": st.one_of(st.none(), WORDS),
        "experiment_id": IDS,
        "variant_column": WORDS,
        "control": st.one_of(WORDS, st.integers(-(10**15), 10**15), st.booleans()),
        "segments": st.one_of(st.none(), WORDS, st.lists(WORDS, min_size=1, max_size=3)),
        "date_column": st.one_of(st.none(), WORDS),
        "alpha": RATES,
        "as_of": DATES,
    },
    "hypothesis": {
        "registry_path": st.one_of(st.none(), WORDS),
        "as_of": DATES,
        "rank_by": st.sampled_from(["ice", "rice", "evi"]),
        "save": st.booleans(),
    },
    "learning-review": {
        "registry_path": st.one_of(st.none(), WORDS),
        "as_of": DATES,
        "due_within": st.integers(0, 36500),
        "renew": st.dictionaries(IDS, DATES, max_size=3),
        "retire": st.lists(IDS, max_size=3),
    },
    "status": {
        "registry_path": st.one_of(st.none(), WORDS),
        "as_of": DATES,
        "due_within": st.integers(0, 36500),
    },
    "okr-review": {
        "registry_path": st.one_of(st.none(), WORDS),
        "as_of": DATES,
        "objective": st.one_of(st.none(), IDS),
        "current": st.dictionaries(IDS, st.one_of(FINITE, st.integers(-(10**15), 10**15))),
        "source": WORDS,
        "include_closed": st.booleans(),
    },
}  # fmt: skip
NOTEBOOKS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_valid_values_cover_every_parameter():
    assert {k: sorted(v) for k, v in VALID.items()} == {k: sorted(v) for k, v in SCHEMAS.items()}


@NOTEBOOKS
@given(data=st.data(), kind=st.sampled_from(sorted(VALID)))
def test_every_accepted_value_is_written_exactly_and_runs(tmp_path_factory, data, kind):
    key = data.draw(st.sampled_from(sorted(VALID[kind])), label="parameter")
    value = data.draw(VALID[kind][key], label="value")
    folder = tmp_path_factory.mktemp("valid")
    code, _, err = new(folder, kind, "plan", "-p", f"{key}={value!r}")
    assert code == 0, err
    assert same(injected(folder / "plan.ipynb")[key], value)


SCALARS = ("metric_kind", "relative", "alpha", "power", "alternative", "arms", "correction")


@NOTEBOOKS
@given(
    values=st.fixed_dictionaries({k: VALID["sizing"][k] for k in SCALARS}),
    mde=FINITE.filter(bool),
    traffic=POSITIVE,
)
def test_many_accepted_sizing_values_at_once(tmp_path_factory, values, mde, traffic):
    values = {**values, "mde": mde, "traffic": traffic}
    folder = tmp_path_factory.mktemp("many")
    args = [arg for k, v in values.items() for arg in ("-p", f"{k}={v!r}")]
    code, _, err = new(folder, "sizing", "plan", *args)
    assert code == 0, err
    written = injected(folder / "plan.ipynb")
    assert all(same(written[k], v) for k, v in values.items())


LITERALS = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
        st.sampled_from([1e999, -1e999, float("nan"), 10**30, "(all)", "", "\n", "\udcff"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3),
    ),
    max_leaves=8,
)  # fmt: skip


@NOTEBOOKS
@given(
    kind=st.sampled_from(sorted(VALID)),
    data=st.data(),
    text=st.one_of(LITERALS.map(repr), st.text(max_size=30)),
)
def test_any_value_is_written_exactly_or_refused_naming_the_parameter(
    tmp_path_factory, kind, data, text
):
    key = data.draw(st.sampled_from(sorted(VALID[kind])), label="parameter")
    folder = tmp_path_factory.mktemp("any")
    result = new(folder, kind, "plan", "-p", f"{key}={text}")
    if result[0] == 0:
        assert same(injected(folder / "plan.ipynb")[key], parse_value(kind, key, text))
    else:
        refused(result, "new", f"-p {key}=")
        assert list(folder.iterdir()) == []


# ------------------------------------------------------- rendered notebooks run
def execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    return nb


def test_hostile_segment_names_and_texts_run_in_the_sizing_template(tmp_path):
    segments = ["$5-$10", "_hidden", 'it\'s "quoted" \\ 😀']
    baseline = dict(zip(segments, [0.05, 0.1, 0.2], strict=True))
    traffic = dict(zip(segments, [900, 500, 200], strict=True))
    code, _, err = new(
        tmp_path, "sizing", "hostile-sizing",
        "-p", f"baseline={baseline!r}", "-p", f"traffic={traffic!r}", "-p", "mde=0.3",
        "-p", "alternative=greater", "-p", "correction=None", "-p", "arms=3",
    )  # fmt: skip
    assert code == 0, err
    nb = execute(tmp_path / "hostile-sizing.ipynb")
    shown = json.dumps([o for c in nb.cells for o in c.get("outputs", [])])
    assert "$5-$10" in shown
    assert "image/png" in shown  # the power plot was drawn with those labels


def test_hostile_texts_run_in_the_analysis_template(tmp_path):
    code, _, err = new(
        tmp_path, "analysis", "hostile-analysis",
        "-p", "change=add 'express' \"pay\" \\ $x_$ 😀 to the cart",
        "-p", "outcome=checkout conversion ($)", "-p", "hypothesis_id=2024",
        "-p", "as_of=2026-12-01", "-p", "correction=None", "-p", "alpha=0.1",
    )  # fmt: skip
    assert code == 0, err
    nb = execute(tmp_path / "hostile-analysis.ipynb")
    text = json.dumps([o for c in nb.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "If we add 'express' \\\"pay\\\" \\\\ $x_$ 😀 to the cart" in text


# ---------------------------------------------------------- links and overwrites
def test_a_planted_link_is_never_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "plan.ipynb").symlink_to(victim)
    (folder / "gone.ipynb").symlink_to(tmp_path / "nowhere")
    (folder / "dir.ipynb").symlink_to(tmp_path)
    for name in ("plan", "gone", "dir"):
        for force in ([], ["--force"]):
            refused(new(folder, "sizing", name, *force), "new", "is a symbolic link")
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["dir.ipynb", "gone.ipynb", "plan.ipynb"]
    assert all(p.is_symlink() for p in folder.iterdir())


def test_a_folder_at_the_notebook_path(tmp_path):
    (tmp_path / "plan.ipynb").mkdir()
    refused(new(tmp_path, "sizing", "plan", "--force"), "new", "plan.ipynb is a folder")


def test_never_overwrite_without_force_and_replace_not_rewrite_with_it(tmp_path):
    path = tmp_path / "plan.ipynb"
    path.write_text("mine")
    path.chmod(0o600)
    other = tmp_path / "hard-link.txt"
    os.link(path, other)
    refused(new(tmp_path, "sizing", "plan"), "new", "exists; choose another NAME or pass --force")
    assert path.read_text() == "mine"
    code, _, err = new(tmp_path, "sizing", "plan", "--force", "-p", "mde=0.2")
    assert code == 0, err
    assert injected(path)["mde"] == 0.2
    assert other.read_text() == "mine"  # the old file was replaced, not written into
    assert (path.stat().st_mode & 0o777) == 0o600  # and the new one keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard-link.txt", "plan.ipynb"]


def test_a_new_file_gets_the_usual_mode(tmp_path):
    old = os.umask(0o022)
    try:
        assert new(tmp_path, "sizing", "plan")[0] == 0
    finally:
        os.umask(old)
    assert ((tmp_path / "plan.ipynb").stat().st_mode & 0o777) == 0o644


def test_a_folder_that_is_a_link_to_a_folder_is_followed(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    assert new(tmp_path / "alias", "sizing", "plan")[0] == 0
    assert (real / "plan.ipynb").is_file()


def test_writing_without_overwrite_is_atomic_against_a_link_planted_late(tmp_path):
    """Even past the checks, a link that appears at the path is not replaced or followed."""
    target = tmp_path / "plan.ipynb"
    target.symlink_to(tmp_path / "victim")
    with pytest.raises(hk.ValidationError, match="exists; nothing was written"):
        write_text(target, "{}", "the notebook", overwrite=False)
    assert target.is_symlink()
    assert not (tmp_path / "victim").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ipynb"]


def test_the_api_refuses_the_same(tmp_path):
    with pytest.raises(hk.ValidationError, match=r"KIND == '\.\./x'"):
        new_notebook("../x", "plan", folder=tmp_path)
    with pytest.raises(hk.ValidationError, match="control character"):
        new_notebook("sizing", "plan\n", folder=tmp_path)
    with pytest.raises(hk.ValidationError, match="not a finite number"):
        new_notebook("sizing", "plan", {"mde": "1e999"}, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ report
NOT_NOTEBOOKS = [
    (b"", "is not a valid notebook"),
    (b"{}", "is not a valid notebook"),
    (b"[]", "is not a valid notebook"),
    (b"null", "is not a valid notebook"),
    (b"{not json", "is not a valid notebook"),
    (bytes(range(256)), "not UTF-8 text"),
    ('{"cells": []}'.encode("utf-16"), "not UTF-8 text"),
    (b'{"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}', "version 99"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": "no", "metadata": {}}', "not a valid"),
]


@pytest.mark.parametrize(("content", "needle"), NOT_NOTEBOOKS)
def test_report_refuses_what_is_not_a_notebook(tmp_path, content, needle):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    refused(run("report", str(path)), "report", f"NOTEBOOK {str(path)!r}", needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ipynb"]


def test_report_refuses_paths_that_are_not_notebook_files(tmp_path):
    (tmp_path / "dir.ipynb").mkdir()
    (tmp_path / "gone.ipynb").symlink_to(tmp_path / "nowhere.ipynb")
    cases = [
        ("", "NOTEBOOK is empty"),
        (str(tmp_path / "notes.txt"), "must be a .ipynb file"),
        (str(tmp_path / "dir.ipynb"), "is a folder; expected a file"),
        (str(tmp_path / "gone.ipynb"), "is a link to a file that does not exist"),
        (str(tmp_path / "missing.ipynb"), "no such file"),
        ("bad\x00.ipynb", "contains a NUL character"),
    ]
    for path, needle in cases:
        refused(run("report", path), "report", "NOTEBOOK", needle)


def test_report_reads_old_and_id_less_notebooks_quietly(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(
        '{"cells": [{"cell_type": "code", "source": "1 + 1", "metadata": {}, "outputs": [],'
        ' "execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}'
    )
    code, _, err = run("report", str(path))
    assert code == 0, err
    assert err == ""
    odd = tmp_path / "line\nbreak.ipynb"  # a legal file name on POSIX
    odd.write_bytes(path.read_bytes())
    code, _, err = run("report", str(odd))
    assert code == 0, err
    assert (tmp_path / "line\nbreak.html").is_file()


def test_a_failing_cell_is_one_line_naming_the_cell_and_its_error(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "fails.ipynb"
    nbformat.write(nb, path)
    line = refused(
        run("report", str(path), "--execute"),
        "report",
        f"NOTEBOOK {str(path)!r}: cell 2 failed while executing",
        "(ZeroDivisionError: division by zero)",
    )
    assert "Traceback" not in line
    assert not (tmp_path / "fails.html").exists()


def test_a_dying_kernel_and_a_slow_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    path = tmp_path / "dies.ipynb"
    nbformat.write(nb, path)
    refused(run("report", str(path), "--execute"), "report", "the kernel died")
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(30)")]
    slow = tmp_path / "slow.ipynb"
    nbformat.write(nb, slow)
    with pytest.raises(hk.DataError, match="a cell ran longer than 2 s"):
        render_report(slow, execute=True, timeout=2)
