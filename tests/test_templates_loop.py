"""Every template on a product manager's own project, as they would run it.

A project folder with their CSV (other columns, segments and variant labels than the
shipped example) and their registry; ``hypokit new`` run in that folder with relative
paths; the notebook run in its own folder (``notebooks/``), as Jupyter runs it. No
output may show a traceback, and what the notebook saves lands in the project's
registry, never in a second one under ``notebooks/``.
"""

import datetime as dt
import re
import shlex

import nbformat
import pytest
import yaml
from nbclient.exceptions import CellExecutionError

import hypokit as hk
from hypokit._cli import main
from tests._loop import START, errors, execute, make_project, text_of, tracebacks


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "shop"
    make_project(root)
    monkeypatch.chdir(root)
    return root


def new(*args: str) -> None:
    assert main(["new", *args]) == 0


def clean(nb) -> None:
    assert tracebacks(nb) == []
    assert errors(nb) == []


def no_second_registry(project) -> None:
    assert not (project / "notebooks" / "records").exists()


ANALYSIS = [
    "-p", "data_path=data/checkout.csv", "-p", "registry_path=records",
    "-p", "hypothesis_id=one-tap", "-p", "as_of=2026-10-19",
]  # fmt: skip


def test_the_analysis_template_concludes_and_saves_on_your_own_data(project):
    new("analysis", "one-tap", *ANALYSIS)
    nb = execute(
        project / "notebooks" / "one-tap.ipynb",
        "print(picker.parameters())",
        "conclude.save_button.click()\nprint(conclude.message_texts())",
        "conclude.progress_button.click()\nprint(conclude.message_texts())",
    )
    clean(nb)
    text = text_of(nb)
    assert "Data: data/checkout.csv (in '..', where hypokit new ran)" in text
    assert "Metrics picked from the data's columns" in text
    assert "{'proportion_metrics': ['converted'], 'mean_metrics': {'revenue': None}" in text
    assert "Criteria: those of hypothesis 'one-tap'" in text
    assert "If we offer one-tap checkout on mobile" in text
    assert "Saved learnings/one-tap-2026-10-19.yaml, experiments/one-tap-test.yaml, " in text
    assert "Recorded kr-conversion: " in text
    records = project / "records"
    hypothesis = yaml.safe_load((records / "hypotheses" / "one-tap.yaml").read_text())
    assert hypothesis["status"] == "validated"
    assert (records / "learnings" / "one-tap-2026-10-19.yaml").is_file()
    kr = yaml.safe_load((records / "key_results" / "kr-conversion.yaml").read_text())
    assert kr["measured"] == dt.date(2026, 10, 19)
    no_second_registry(project)


def test_the_criteria_are_the_registrys_when_a_hypothesis_is_named(project):
    registry = hk.Registry(project / "records")
    h = registry.get("one-tap", hk.Hypothesis)
    stricter = [c.model_copy(update={"min_effect": 5.0}) if c.segment == "mobile" else c
                for c in h.criteria]  # fmt: skip
    registry.save(h.model_copy(update={"criteria": tuple(stricter)}))
    new("analysis", "one-tap", *ANALYSIS)
    nb = execute(project / "notebooks" / "one-tap.ipynb", "print(verdicts.by_segment())")
    clean(nb)
    # a +500% bar: the edit in the registry is what the notebook judges
    assert "{'mobile': 'not met', 'desktop': 'met'}" in text_of(nb)


def test_a_planned_hypothesis_gets_a_start_button_not_a_traceback(tmp_path, monkeypatch):
    root = tmp_path / "shop"
    make_project(root, status="planned")
    monkeypatch.chdir(root)
    new("analysis", "one-tap", *ANALYSIS)
    nb = execute(
        root / "notebooks" / "one-tap.ipynb",
        "import html\nprint(html.unescape(conclude.status.value))",
        f"conclude.fields['start_date'].value = datetime.date.fromisoformat({START.isoformat()!r})"
        "\nconclude.start_button.click()\nconclude.save_button.click()"
        "\nprint(conclude.message_texts())",
    )
    clean(nb)
    text = text_of(nb)
    assert "is planned: only a running hypothesis can be concluded" in text
    assert "Saved learnings/one-tap-2026-10-19.yaml" in text
    saved = hk.Registry(root / "records").get("one-tap", hk.Hypothesis)
    assert [(c.status, c.date) for c in saved.history][-2:] == [
        ("running", START),
        ("validated", dt.date(2026, 10, 19)),
    ]


def test_the_monitor_template_says_what_next_and_its_command_runs(project):
    new(
        "monitor", "one-tap-monitor", "-p", "data_path=data/checkout.csv",
        "-p", "registry_path=records", "-p", "experiment_id=one-tap-test",
        "-p", "date_column=day", "-p", "as_of=2026-10-18",
    )  # fmt: skip
    nb = execute(project / "notebooks" / "one-tap-monitor.ipynb")
    clean(nb)
    text = text_of(nb)
    assert "Experiment: 'one-tap-test' (experiments/one-tap-test.yaml, running" in text
    assert "Monitor on 2026-10-18" in text
    assert "mobile (one_tap): ready to analyse" in text
    commands = re.findall(r"`(hypokit new analysis [^`]+)`", text)
    assert commands
    assert commands[0] == (
        "hypokit new analysis one-tap-analysis -p data_path=data/checkout.csv "
        "-p registry_path=records -p hypothesis_id=one-tap -p as_of=2026-10-18"
    )
    # The command it gives, run where hypokit new ran, writes an analysis that runs.
    assert main(shlex.split(commands[0])[1:]) == 0
    nb = execute(
        project / "notebooks" / "one-tap-analysis.ipynb",
        "import html\nprint(html.unescape(conclude.status.value))",
    )
    clean(nb)
    assert "Hypothesis 'one-tap' would be validated on 2026-10-18" in text_of(nb)
    no_second_registry(project)


def test_the_review_templates_link_back_to_the_next_notebook(project):
    new("learning-review", "review", "-p", "registry_path=records", "-p", "as_of=2026-10-20",
        "-p", "renew={}")  # fmt: skip
    nb = execute(project / "notebooks" / "review.ipynb")
    clean(nb)
    text = text_of(nb)
    assert "Registry: records (in '..', where hypokit new ran) (4 records)." in text
    # past its planned end: the analysis of one-tap is next
    assert (
        "hypokit new analysis one-tap-analysis -p data_path=data/checkout.csv "
        "-p registry_path=records -p hypothesis_id=one-tap" in text
    )
    new("okr-review", "okr", "-p", "registry_path=records", "-p", "as_of=2026-10-12",
        "-p", "current={'kr-conversion': 0.1}", "-p", "source=bi")  # fmt: skip
    nb = execute(project / "notebooks" / "okr.ipynb")
    clean(nb)
    assert "hypokit new monitor one-tap-monitor" in text_of(nb)
    kr = yaml.safe_load((project / "records" / "key_results" / "kr-conversion.yaml").read_text())
    assert (kr["current"], kr["source"]) == (0.1, "bi")
    no_second_registry(project)


def test_the_hypothesis_template_saves_to_the_projects_registry(project):
    before = sorted(p.relative_to(project) for p in (project / "records").rglob("*.yaml"))
    new("hypothesis", "ideas", "-p", "registry_path=records", "-p", "as_of=2026-10-20")
    nb = execute(project / "notebooks" / "ideas.ipynb")
    clean(nb)
    # By default the template's own example records stay out of the user's registry.
    after = sorted(p.relative_to(project) for p in (project / "records").rglob("*.yaml"))
    assert after == before
    new("hypothesis", "kept", "-p", "registry_path=records", "-p", "save=True")
    clean(execute(project / "notebooks" / "kept.ipynb"))
    assert (project / "records" / "hypotheses" / "notify-ready.yaml").is_file()
    no_second_registry(project)


def test_the_sizing_template_records_its_plan_on_the_projects_hypothesis(tmp_path, monkeypatch):
    root = tmp_path / "shop"
    make_project(root, status="idea")
    monkeypatch.chdir(root)
    new(
        "sizing", "size-one-tap", "-p", "registry_path=records", "-p", "hypothesis_id=one-tap",
        "-p", "baseline={'mobile': 0.08, 'desktop': 0.12}", "-p", "traffic={'mobile': 600, "
        "'desktop': 400}", "-p", "mde=0.25", "-p", "relative=True", "-p", "record=True",
        "-p", "as_of=2026-10-01", "-p", "start=2026-10-05",
    )  # fmt: skip
    nb = execute(root / "notebooks" / "size-one-tap.ipynb")
    clean(nb)
    assert "recorded the plan on one-tap: one-tap-test.yaml" in text_of(nb)
    registry = hk.Registry(root / "records")
    hypothesis = registry.get("one-tap", hk.Hypothesis)
    assert hypothesis.status == "planned"
    assert hypothesis.history[-1].date == dt.date(2026, 10, 1)
    experiment = registry.get("one-tap-test", hk.Experiment)
    assert experiment.start == dt.date(2026, 10, 5)
    assert {p.segment for p in experiment.plan} >= {"mobile", "desktop"}
    no_second_registry(root)


def test_the_status_template_shows_the_projects_board(project):
    new("status", "board", "-p", "registry_path=records", "-p", "as_of=2026-10-12")
    nb = execute(project / "notebooks" / "board.ipynb")
    clean(nb)
    shown = text_of(nb)
    assert "Registry: records (in '..', where hypokit new ran)" in shown
    assert "one-tap" in shown
    no_second_registry(project)


# ---------------------------------------------------------- parameters, first cell
FIRST_CELL = [
    ("analysis", ANALYSIS, "alpha = 5", "alpha = 5: expected a number in (0, 1)."),
    ("analysis", ANALYSIS, "data_path = 'data/checkout_test.csv'",
     "data_path = 'data/checkout_test.csv': no such file in '..' (where hypokit new ran)"),
    ("analysis", ANALYSIS, "ratio_metrics = [('revenue', 'visits')]",
     "ratio_metrics[0][1]: no column 'visits' in data/checkout.csv"),
    ("monitor", ["-p", "registry_path=records", "-p", "data_path=data/checkout.csv",
                 "-p", "date_column=day"], "experiment_id = 'one-tap-tset'",
     "experiment_id = 'one-tap-tset': no experiment 'one-tap-tset' in records"),
    ("okr-review", ["-p", "registry_path=records"], "objective = 'Checkout'",
     "objective = 'Checkout': expected a record id"),
    ("sizing", ["-p", "registry_path=records"], "alpha = 1.5",
     "alpha = 1.5: expected a number in (0, 1)."),
    ("status", ["-p", "registry_path=records"], "registry_path = 'record'",
     "registry_path = 'record': no such folder in '..' (where hypokit new ran)"),
    ("learning-review", ["-p", "registry_path=records"], "registry_path = 'record'",
     "registry_path = 'record': no such folder in '..' (where hypokit new ran)"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "args", "edit", "needle"), FIRST_CELL)
def test_a_wrong_parameter_stops_the_first_cell_in_one_line(project, kind, args, edit, needle):
    new(kind, "x", *args)
    path = project / "notebooks" / "x.ipynb"
    nb = nbformat.read(path, as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    injected.source += f"\n{edit}"  # as a product manager edits the parameters
    nbformat.write(nb, path)
    with pytest.raises(CellExecutionError) as info:
        execute(path)
    nb = info.value.nb
    [error] = errors(nb)
    [line] = error["traceback"]
    assert needle in line
    assert line.startswith("\x1b[31mCheck the parameters: ")
    check = next(i for i, c in enumerate(nb.cells) if "check_parameters(" in c.source)
    assert error in nb.cells[check].outputs
    assert all(not c.get("outputs") for c in nb.cells[check + 1 :])
    assert tracebacks(nb) == []


def test_a_hypokit_error_later_is_one_line_too(project):
    new("analysis", "x", *ANALYSIS, "-p", "control=Control")  # a label the data does not have
    with pytest.raises(CellExecutionError) as info:
        execute(project / "notebooks" / "x.ipynb")
    [error] = errors(info.value.nb)
    [line] = error["traceback"]
    assert "Control" in line
    assert tracebacks(info.value.nb) == []
