"""The whole loop of a product manager in a real browser: JupyterLab and headless Chromium.

A new product manager starts from a project folder that holds only their CSV
(``data/checkout.csv``: ``user_id, day, variant, segment, converted, revenue``; segments
mobile and desktop; variants control and one_tap), no registry. They write each
notebook with ``hypokit new KIND NAME -p ...`` run in that folder, with relative paths
only, start JupyterLab there, and in the browser open each notebook, run all cells and
use its widgets, typing no Python:

1. hypothesis: fill the hypothesis form (the change, ``converted``, mobile with a
   success criterion, desktop with a guardrail), Save, then move it to planned under
   Lifecycle;
2. sizing: the sizing panel, filled from the parameters, with the data source typed,
   records its plan on the hypothesis (**Record the plan**): its experiment holds it;
3. status: the board shows the hypothesis, planned; **Start it** starts it and its
   experiment, and the board gives the command that writes its monitor;
4. monitor (written with that command, and the CSV's date column): it reads the data
   so far, says it is ready to analyse, and gives the analysis command;
5. analysis (written with that command): the metric picker lists the CSV's columns;
   the conclude panel shows the verdicts and a drafted learning, which the product
   manager rewrites, then **Save the conclusion**;
6. learning-review and okr-review: open and run cleanly.

After each notebook no cell and no click may have raised (:func:`cell_errors`, and
:func:`kernel_errors` for the widgets' callbacks, whose tracebacks show in no cell),
and what it did is checked in the YAML files of the project's ``records/``, never on
the page alone; no second registry appears under ``notebooks/``.

One JupyterLab server serves the module. A step that fails leaves a screenshot of the
page in ``$HYPOKIT_TEST_ARTIFACTS`` or ``test-artifacts/``. Without Playwright or
Chromium the test skips, except under CI (``$CI`` set), where it fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import hypokit as hk
from hypokit._cli import main
from tests._browser import (
    JupyterLab,
    cell_errors,
    chromium_browser,
    kernel_barrier,
    kernel_errors,
    new_page,
    open_notebook,
    require_browser,
    run_all_cells,
    screenshot,
    set_field,
    watch_kernel,
)
from tests._loop import RATES, TRAFFIC, user_data

HYPOTHESIS = "one-tap"
EXPERIMENT = f"{HYPOTHESIS}-test"
# The days of the loop: the data runs from 2026-10-05 for 14 days (tests/_loop.py).
PLANNED_ON = dt.date(2026, 10, 1)
STARTED_ON = dt.date(2026, 10, 5)
BOARD_READ_ON = dt.date(2026, 10, 6)  # the start is dated back to the day it went live
LOOKED_ON = dt.date(2026, 10, 18)
REVIEWED_ON = dt.date(2026, 10, 20)

# What the product manager types in the hypothesis form.
TYPED = {
    "id": HYPOTHESIS,
    "title": "One-tap checkout",
    "change": "offer one-tap checkout on mobile",
    "metric": "converted",
    "outcome": "checkout conversion",
    "direction": "increase",
    "expected_effect": 0.25,
    "time_frame_days": 14,
    "audience": "shoppers",
    "because": "typing card details on a phone is where mobile buyers give up",
}
MOBILE = {"segment": "mobile", "min_effect": 0.10}
DESKTOP = {
    "segment": "desktop",
    "priority": 2,
    "guardrail_only": True,
    "guardrail_metric": "converted",
    "guardrail_margin": 0.10,
}
# ... and in the conclude panel, over the drafted learning.
LEARNING_TITLE = "One tap lifts mobile checkout"
LEARNED = "Mobile buyers finish checkout more often when paying takes one tap."

RECORDS = "records"
DATA = "data/checkout.csv"
# How long a widget may take to show once its cell has run (ms): views render after.
SHOWN = 20_000


# ------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def chromium():
    return require_browser()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The product manager's folder: their CSV, nothing else."""
    root = tmp_path_factory.mktemp("shop")
    (root / "data").mkdir()
    user_data().to_csv(root / DATA, index=False)
    return root


@pytest.fixture(scope="module")
def lab(project, chromium, tmp_path_factory):
    """JupyterLab started in the project's folder, as the product manager starts it."""
    with JupyterLab(project, tmp_path_factory.mktemp("jupyter")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    with chromium_browser(chromium) as browser:
        yield browser


@pytest.fixture
def page(browser, lab):
    page = new_page(browser)
    try:
        yield page
    finally:
        page.context.close()


# ------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def step(page: Any, lab: JupyterLab, name: str) -> Iterator[None]:
    """One notebook of the loop: its time is printed; on failure, a screenshot."""
    began = time.monotonic()
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            screenshot(page, f"browser-loop-{name}-failure.png")
        print(lab.log()[-4000:])
        raise
    print(f"{name}: {time.monotonic() - began:.1f} s")


def new(kind: str, name: str, *parameters: str) -> str:
    """``hypokit new KIND NAME -p ...`` in the project's folder; the notebook's path there."""
    args = [p for key_value in parameters for p in ("-p", key_value)]
    assert main(["new", kind, name, *args]) == 0
    return f"notebooks/{name}.ipynb"


def hypokit(command: str, *more: str) -> str:
    """A ``hypokit new`` command a notebook gave, run as it says (with ``more`` arguments).

    Returns the notebook's path in the project.
    """
    args = [*shlex.split(command), *more]
    assert args[:2] == ["hypokit", "new"], command
    assert main(args[1:]) == 0
    return f"notebooks/{args[3]}.ipynb"


def run(page: Any, lab: JupyterLab, path: str) -> None:
    """Open the notebook, run all its cells, and check that none raised."""
    open_notebook(page, lab, path)
    watch_kernel(page, path)
    run_all_cells(page, path, timeout=180)
    clean(page, path)


def clean(page: Any, path: str) -> None:
    """No cell and no widget's callback raised in the kernel of ``path`` so far."""
    assert cell_errors(page, path) == []
    assert kernel_errors(page, path) == []


def click(page: Any, path: str, target: Any) -> None:
    """Click a button that shows its whole label, wait for the kernel, check it raised nothing."""
    target.wait_for(state="visible")
    label, cut = target.evaluate("e => [e.textContent.trim(), e.scrollWidth > e.clientWidth]")
    assert not cut, f"the button {label!r} shows only part of its label"
    target.click()
    kernel_barrier(page, path)
    clean(page, path)


def read(project: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((project / RECORDS / rel).read_text())
    return data


def files(project: Path) -> dict[str, bytes]:
    """Every YAML file of the project's registry, by path in it, with its bytes."""
    records = project / RECORDS
    return {p.relative_to(records).as_posix(): p.read_bytes() for p in records.rglob("*.yaml")}


def no_second_registry(project: Path) -> None:
    assert not (project / "notebooks" / RECORDS).exists()


def selected(select: Any) -> str:
    label: str = select.evaluate("e => e.options[e.selectedIndex].label")
    return label.replace("\xa0", " ")


# ---------------------------------------------------------------------- the steps
def write_the_hypothesis(page: Any, lab: JupyterLab, project: Path) -> None:
    from playwright.sync_api import expect

    path = new(
        "hypothesis", "ideas", f"registry_path={RECORDS}", f"as_of={PLANNED_ON}",
        "save=False",  # the template's example objective and hypotheses are not theirs
    )  # fmt: skip
    run(page, lab, path)
    form = page.locator(".hk-hypothesis-form").first
    expect(form).to_be_visible(timeout=SHOWN)
    for name, value in TYPED.items():
        set_field(form, name, value)
    rows = form.locator(".hk-segment")
    for i, criteria in enumerate([MOBILE, DESKTOP]):
        click(page, path, form.locator(".hk-add-segment").first)
        expect(rows).to_have_count(i + 1)
        for name, value in criteria.items():
            set_field(rows.nth(i), name, value)
    messages = form.locator(".hk-messages").first
    click(page, path, form.locator(".hk-save").first)
    expect(messages).to_contain_text(f"Saved hypotheses/{HYPOTHESIS}.yaml")

    saved = read(project, f"hypotheses/{HYPOTHESIS}.yaml")
    assert {name: saved[name] for name in TYPED} == {
        **TYPED,
        "expected_effect": pytest.approx(TYPED["expected_effect"]),
    }
    assert saved["relative"] is True
    assert saved["status"] == "idea"
    mobile, desktop = saved["criteria"]
    assert (mobile["segment"], mobile["min_effect"]) == ("mobile", pytest.approx(0.10))
    assert (desktop["segment"], desktop["min_effect"], desktop["priority"]) == ("desktop", None, 2)
    assert desktop["guardrails"] == [
        {"metric": "converted", "margin": pytest.approx(0.10), "direction": "increase",
         "relative": True}
    ]  # fmt: skip

    # Lifecycle: the saved idea moves to planned, dated.
    expect(form.locator(".hk-status").first).to_contain_text("Status: idea")
    set_field(form, "move_to", "planned")
    click(page, path, form.locator(".hk-move").first)
    expect(messages).to_contain_text(
        f"Moved {HYPOTHESIS}: idea → planned on {PLANNED_ON} (hypotheses/{HYPOTHESIS}.yaml)."
    )
    expect(form.locator(".hk-status").first).to_contain_text("Status: planned")
    saved = read(project, f"hypotheses/{HYPOTHESIS}.yaml")
    assert saved["status"] == "planned"
    assert saved["history"] == [{"status": "planned", "date": PLANNED_ON}]
    assert list(files(project)) == [f"hypotheses/{HYPOTHESIS}.yaml"]


def size_it(page: Any, lab: JupyterLab, project: Path) -> None:
    from playwright.sync_api import expect

    path = new(
        "sizing", f"{HYPOTHESIS}-sizing", f"registry_path={RECORDS}",
        f"hypothesis_id={HYPOTHESIS}", f"baseline={RATES!r}", f"traffic={TRAFFIC!r}",
        "mde=0.25", f"as_of={PLANNED_ON}", f"start={STARTED_ON}",
    )  # fmt: skip
    run(page, lab, path)
    panel = page.locator(".hk-sizing-panel").first
    expect(panel).to_be_visible(timeout=SHOWN)
    assert selected(panel.locator(".hk-field-hypothesis select").first).startswith(
        f"{HYPOTHESIS} (planned)"
    )
    set_field(panel, "data_source", DATA)  # where its data will be: the board says so
    record = panel.locator(".hk-record-plan").first
    expect(record).to_be_enabled()
    click(page, path, record)
    expect(panel.locator(".hk-record-messages").first).to_contain_text(
        f"Recorded the plan on {HYPOTHESIS}: experiments/{EXPERIMENT}.yaml (2 segment(s)"
    )

    experiment = read(project, f"experiments/{EXPERIMENT}.yaml")
    assert experiment["hypothesis"] == HYPOTHESIS
    assert experiment["status"] == "planned"
    assert experiment["start"] == STARTED_ON
    assert experiment["data_source"] == DATA
    # The plan of the parameters, as hk.size makes it (the template's defaults).
    expected = hk.size(
        hk.Proportion(baseline=RATES), mde=0.25, relative=True, traffic=TRAFFIC,
        correction="holm", whole_weeks=True,
    )  # fmt: skip
    assert {p["segment"]: (p["n_per_arm"], p["days"]) for p in experiment["plan"]} == {
        r.segment: (r.n_per_arm, r.days) for r in expected.rows
    }
    assert experiment["planned_end"] == STARTED_ON + dt.timedelta(days=expected.days)
    hypothesis = read(project, f"hypotheses/{HYPOTHESIS}.yaml")
    assert hypothesis["status"] == "planned"
    assert hypothesis["history"] == [{"status": "planned", "date": PLANNED_ON}]


def start_it_on_the_board(page: Any, lab: JupyterLab, project: Path) -> str:
    """Start it on the board; return the command the board gives to monitor it."""
    from playwright.sync_api import expect

    path = new("status", "board", f"registry_path={RECORDS}", f"as_of={BOARD_READ_ON}")
    run(page, lab, path)
    board = page.locator(".hk-board").first
    card = board.locator(".hk-board-planned .hk-board-card").filter(has_text=HYPOTHESIS)
    expect(card).to_have_count(1, timeout=SHOWN)
    expect(card).to_contain_text(f"experiment '{EXPERIMENT}' planned")
    expect(board.locator(".hk-field-move_date input").first).to_have_value(str(BOARD_READ_ON))
    set_field(board, "move_date", str(STARTED_ON))
    click(page, path, card.locator(".hk-board-start").first)
    messages = board.locator(".hk-messages").first
    expect(messages).to_contain_text(
        f"Moved {HYPOTHESIS}: planned → running on {STARTED_ON} (hypotheses/{HYPOTHESIS}.yaml)."
    )
    expect(messages).to_contain_text(f"Started experiment {EXPERIMENT} on {STARTED_ON}")
    # Redrawn: the card is running now, and says how to monitor it.
    running = board.locator(".hk-board-running .hk-board-card").filter(has_text=HYPOTHESIS)
    command = running.locator(".hk-board-instruction code").first
    expect(command).to_have_text(
        f"hypokit new monitor {HYPOTHESIS}-monitor -p data_path={DATA} "
        f"-p registry_path={RECORDS} -p experiment_id={EXPERIMENT}"
    )
    expect(board.locator(".hk-board-planned .hk-board-card")).to_have_count(0)

    hypothesis = read(project, f"hypotheses/{HYPOTHESIS}.yaml")
    assert hypothesis["status"] == "running"
    assert hypothesis["history"][-1] == {"status": "running", "date": STARTED_ON}
    experiment = read(project, f"experiments/{EXPERIMENT}.yaml")
    assert (experiment["status"], experiment["start"]) == ("running", STARTED_ON)
    return command.inner_text()


def monitor_it(page: Any, lab: JupyterLab, project: Path, command: str) -> str:
    """Write the monitor with the board's command and run it; return the command it gives."""
    from playwright.sync_api import expect

    before = files(project)
    # Their CSV's date column is "day"; the day of this look is the last of the data.
    path = hypokit(command, "-p", "date_column=day", "-p", f"as_of={LOOKED_ON}")
    run(page, lab, path)
    outputs = page.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    decision = outputs.filter(has_text=re.compile("Ready to analyse")).first
    expect(decision).to_be_visible(timeout=SHOWN)
    expect(decision).to_contain_text("'desktop', 'mobile' reached the planned units")
    commands = [
        text
        for text in decision.locator("code").all_inner_texts()
        if text.startswith("hypokit new analysis")
    ]
    assert commands == [
        f"hypokit new analysis {HYPOTHESIS}-analysis -p data_path={DATA} "
        f"-p registry_path={RECORDS} -p hypothesis_id={HYPOTHESIS} -p as_of={LOOKED_ON}"
    ]
    assert files(project) == before  # a look writes nothing
    return commands[0]


def analyse_and_conclude(page: Any, lab: JupyterLab, project: Path, command: str) -> None:
    """Write the analysis with the monitor's command, run it and conclude in its panel."""
    from playwright.sync_api import expect

    path = hypokit(command)
    run(page, lab, path)

    picker = page.locator(".hk-metric-picker").first
    expect(picker).to_be_visible(timeout=SHOWN)
    rows = picker.locator(".hk-metric-row")
    expect(rows).to_have_count(4, timeout=SHOWN)  # variant and segment are not metrics
    columns = [t.strip() for t in rows.locator(".hk-metric-column b").all_inner_texts()]
    assert columns == ["user_id", "day", "converted", "revenue"]
    kinds = {
        column: selected(rows.nth(i).locator(".hk-field-kind select").first)
        for i, column in enumerate(columns)
    }
    assert kinds == {
        "user_id": "not a metric",
        "day": "not a metric",
        "converted": "proportion (0/1)",
        "revenue": "mean",
    }

    conclude = page.locator(".hk-conclude").first
    expect(conclude.locator(".hk-conclude-status").first).to_contain_text(
        f"Hypothesis '{HYPOTHESIS}' would be validated on {LOOKED_ON}", timeout=SHOWN
    )
    verdicts = conclude.locator(".hk-verdicts tr")
    expect(verdicts.filter(has_text="mobile")).to_contain_text("met")
    expect(verdicts.filter(has_text="desktop")).to_contain_text("met")
    expect(conclude.locator(".hk-learning").first).to_contain_text("The drafted learning")
    learned = conclude.locator(".hk-field-learned textarea").first
    expect(learned).to_have_value(re.compile(r"validated"))
    assert files(project).keys() == {
        f"hypotheses/{HYPOTHESIS}.yaml",
        f"experiments/{EXPERIMENT}.yaml",
    }  # nothing written before the confirmation

    set_field(conclude, "title", LEARNING_TITLE)
    set_field(conclude, "learned", LEARNED)
    click(page, path, conclude.locator(".hk-conclude-save").first)
    learning_id = f"{HYPOTHESIS}-{LOOKED_ON}"
    expect(conclude.locator(".hk-messages").first).to_contain_text(
        f"Saved learnings/{learning_id}.yaml, experiments/{EXPERIMENT}.yaml, "
        f"hypotheses/{HYPOTHESIS}.yaml."
    )
    expect(conclude.locator(".hk-next").first).to_contain_text(f"Review the learning {learning_id}")

    hypothesis = read(project, f"hypotheses/{HYPOTHESIS}.yaml")
    assert hypothesis["status"] in ("validated", "invalidated", "inconclusive")
    assert hypothesis["status"] == "validated"  # one tap lifts mobile, leaves desktop alone
    assert hypothesis["verdicts"] == {"mobile": "met", "desktop": "met"}
    assert hypothesis["concluded"] == LOOKED_ON
    assert hypothesis["history"][-1] == {"status": "validated", "date": LOOKED_ON}
    learning = read(project, f"learnings/{learning_id}.yaml")
    assert (learning["title"], learning["learned"]) == (LEARNING_TITLE, LEARNED)
    assert (learning["hypothesis"], learning["recorded"]) == (HYPOTHESIS, LOOKED_ON)
    assert learning["segments"] == ["mobile", "desktop"]
    experiment = read(project, f"experiments/{EXPERIMENT}.yaml")
    assert (experiment["status"], experiment["end"]) == ("concluded", LOOKED_ON)


def review(page: Any, lab: JupyterLab, project: Path) -> None:
    from playwright.sync_api import expect

    before = files(project)
    path = new("learning-review", "review", f"registry_path={RECORDS}", f"as_of={REVIEWED_ON}")
    run(page, lab, path)
    expect(page.locator(".hk-review-queue").first).to_be_visible(timeout=SHOWN)
    expect(page.locator(".hk-learning-form").first).to_be_visible(timeout=SHOWN)
    assert files(project) == before

    path = new("okr-review", "okr", f"registry_path={RECORDS}", f"as_of={REVIEWED_ON}")
    run(page, lab, path)
    assert files(project) == before


# ------------------------------------------------------------------------ the loop
@pytest.mark.slow
def test_a_product_manager_runs_the_whole_loop_in_the_browser(page, lab, project, monkeypatch):
    monkeypatch.chdir(project)  # where the product manager runs hypokit new
    assert [p.relative_to(project).as_posix() for p in project.rglob("*")] == ["data", DATA]
    with step(page, lab, "1-hypothesis"):
        write_the_hypothesis(page, lab, project)
        no_second_registry(project)
    with step(page, lab, "2-sizing"):
        size_it(page, lab, project)
        no_second_registry(project)
    with step(page, lab, "3-status"):
        command = start_it_on_the_board(page, lab, project)
        no_second_registry(project)
    with step(page, lab, "4-monitor"):
        command = monitor_it(page, lab, project, command)
        no_second_registry(project)
    with step(page, lab, "5-analysis"):
        analyse_and_conclude(page, lab, project, command)
        no_second_registry(project)
    with step(page, lab, "6-reviews"):
        review(page, lab, project)
        no_second_registry(project)
    assert sorted(files(project)) == [
        f"experiments/{EXPERIMENT}.yaml",
        f"hypotheses/{HYPOTHESIS}.yaml",
        f"learnings/{HYPOTHESIS}-{LOOKED_ON}.yaml",
    ]
