"""The board of the loop: stages under key results, and the next action as a button."""

import datetime as dt
import html
import re
import shlex

import pytest

import hypokit as hk
from hypokit._cli import main
from hypokit._records import Evidence
from hypokit.widgets import Board, ReviewQueue, SizingPanel

AS_OF = dt.date(2026, 12, 1)


def hypothesis(id, status="idea", kr="kr-conv", **kw):
    return hk.Hypothesis(
        id=id, change=f"change {id}", metric="converted", expected_effect=0.1,
        time_frame_days=14, key_result=kr, status=status,
        criteria=[hk.SegmentCriteria(segment="new"), hk.SegmentCriteria(segment="returning")],
        **kw,
    )  # fmt: skip


def learning(id, hypothesis, recorded, **kw):
    return hk.Learning(
        id=id, believed="b", observed="o", learned="l", decision="persevere",
        evidence=[Evidence(kind="ab_test")], hypothesis=hypothesis, recorded=recorded, **kw,
    )  # fmt: skip


PLAN = hk.size(hk.Proportion(baseline=0.05), mde=0.1, relative=True)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    reg = hk.Registry(path)
    reg.save(hk.Objective(id="checkout", title="Checkout converts"))
    reg.save(
        hk.KeyResult(
            id="kr-conv", objective="checkout", title="Conversion from 5% to 6%",
            metric="converted", baseline=0.05, target=0.06, deadline=dt.date(2027, 3, 31),
        )
    )  # fmt: skip
    reg.save(hypothesis("a-idea"))
    reg.save(hypothesis("b-idea-sized"))
    reg.save(hk.Experiment(id="b-test", hypothesis="b-idea-sized", plan=PLAN))
    reg.save(hypothesis("c-planned", "planned"))
    reg.save(hk.Experiment(id="c-test", hypothesis="c-planned", plan=PLAN))
    reg.save(hypothesis("d-running", "running"))
    reg.save(
        hk.Experiment(id="d-test", hypothesis="d-running", plan=PLAN, status="running",
                      start=dt.date(2026, 11, 1), planned_end=dt.date(2026, 12, 20))
    )  # fmt: skip
    reg.save(hypothesis("e-overdue", "running"))
    reg.save(
        hk.Experiment(id="e-test", hypothesis="e-overdue", plan=PLAN, status="running",
                      start=dt.date(2026, 10, 1), planned_end=dt.date(2026, 11, 15))
    )  # fmt: skip
    reg.save(hypothesis("f-done", "validated"))
    reg.save(hypothesis("g-learned", "validated"))
    reg.save(learning("g-learning", "g-learned", dt.date(2026, 11, 20)))
    reg.save(hypothesis("h-stale", "invalidated", kr=None))
    reg.save(learning("h-learning", "h-stale", dt.date(2025, 1, 5)))
    reg.save(hypothesis("i-old", "archived", kr=None))
    return path


def plain(markup):
    return html.unescape(re.sub(r"<br>", " ", re.sub(r"<(?!br>)[^>]+>", "", markup))).strip()


def text(card):
    return plain(card.instruction.value)


def column(board, key_result, stage):
    group = next(g for g in board.board_box.children if key_result in g.children[0].value)
    col = next(c for c in group.children[1].children if f"hk-board-{stage}" in c._dom_classes)
    return list(col.children[1:])


def test_every_hypothesis_by_stage_under_its_key_result(folder):
    board = Board(folder, as_of=AS_OF)
    assert "hk-board" in board.widget._dom_classes
    assert board.caption.value == (
        "<i>The loop on 2026-12-01: 2 idea, 1 planned, 2 running, 3 concluded, 1 archived.</i>"
    )
    headings = [g.children[0].value for g in board.board_box.children]
    assert headings == [
        "<h4>kr-conv: Conversion from 5% to 6% <small>(objective Checkout converts)</small></h4>",
        "<h4>(no key result)</h4>",
    ]
    ideas = column(board, "kr-conv", "idea")
    assert ideas == [board.cards["a-idea"].box, board.cards["b-idea-sized"].box]
    assert column(board, "kr-conv", "running") == [
        board.cards["d-running"].box,
        board.cards["e-overdue"].box,
    ]
    assert column(board, "(no key result)", "archived") == [board.cards["i-old"].box]
    assert "hk-stage-running" in board.cards["d-running"].box._dom_classes
    actions = {
        hid: (card.action.description if card.action else None) for hid, card in board.cards.items()
    }
    assert actions == {
        "a-idea": "Size it",
        "b-idea-sized": "Plan it",
        "c-planned": "Start it",
        "d-running": None,
        "e-overdue": None,
        "f-done": None,
        "g-learned": None,
        "h-stale": "Review its learning",
        "i-old": None,
    }
    assert "experiment 'd-test', planned end 2026-12-20" in plain(
        board.cards["d-running"].label.value
    )
    assert text(board.cards["g-learned"]) == "nothing to do"


def test_monitor_and_analyse_give_the_exact_command(folder, tmp_path):
    board = Board(folder, as_of=AS_OF)
    path = str(board.registry.path)
    monitor = text(board.cards["d-running"])
    assert monitor.startswith(
        "monitor it: write its monitor notebook hypokit new monitor d-running-monitor -p "
    )
    assert f"-p registry_path={path} " in monitor or f"'registry_path={path}'" in monitor
    assert "-p experiment_id=d-test" in monitor
    analyse = text(board.cards["e-overdue"])
    command = re.search(r"hypokit new analysis \S+(?: -p \S+)+", analyse).group(0)
    assert command == (
        f"hypokit new analysis e-overdue-analysis -p registry_path={path} "
        "-p hypothesis_id=e-overdue"
    )
    # The commands run as they are.
    args = [*shlex.split(command)[1:], "--folder", str(tmp_path / "nb")]
    assert main(args) == 0
    assert (tmp_path / "nb" / "e-overdue-analysis.ipynb").is_file()
    command = re.search(r"hypokit new monitor \S+(?: -p \S+)+", monitor).group(0)
    assert main([*shlex.split(command)[1:], "--folder", str(tmp_path / "nb")]) == 0
    assert (tmp_path / "nb" / "d-running-monitor.ipynb").is_file()
    record = text(board.cards["f-done"])
    assert "hypokit new analysis f-done-analysis -p " in record
    assert record.startswith("record its learning: the analysis notebook concludes it")


def test_plan_it_and_start_it_move_dated(folder):
    board = Board(folder, as_of=AS_OF)
    board.date.value = dt.date(2026, 12, 2)
    board.cards["b-idea-sized"].action.click()
    assert board.message_texts() == [
        "Moved b-idea-sized: idea → planned on 2026-12-02 (hypotheses/b-idea-sized.yaml)."
    ]
    card = board.cards["b-idea-sized"]
    assert card.row["stage"] == "planned"
    assert card.action.description == "Start it"
    card.action.click()
    assert board.message_texts() == [
        "Moved b-idea-sized: planned → running on 2026-12-02 (hypotheses/b-idea-sized.yaml).",
        "Started experiment b-test on 2026-12-02 (experiments/b-test.yaml).",
    ]
    reg = hk.Registry(folder)
    h = reg.get("b-idea-sized")
    assert [(c.status, c.date) for c in h.history] == [
        ("planned", dt.date(2026, 12, 2)),
        ("running", dt.date(2026, 12, 2)),
    ]
    assert reg.get("b-test").status == "running"
    assert text(board.cards["b-idea-sized"]).startswith("monitor it: ")


def test_size_it_opens_a_panel_that_records_the_plan(folder):
    board = Board(folder, as_of=AS_OF)
    board.cards["a-idea"].action.click()
    panel = board.sizing_panel
    assert isinstance(panel, SizingPanel)
    assert board.sizing_area.children == (panel.widget,)
    assert board.message_texts() == [
        "Size a-idea below: its expected effect as the MDE, its segments, baseline 0.05 (the "
        "baseline of kr-conv). Give each segment's traffic, then Record the plan."
    ]
    assert [r.fields["segment"].value for r in panel.rows] == ["new", "returning"]
    assert panel.fields["mde"].value == 0.1
    assert panel.fields["correction"].value == "holm"
    assert panel.hypothesis.value == "a-idea"
    assert panel.record_button.description == "Record the plan on a-idea"
    panel.rows[0].fields["traffic"].value = 3000
    panel.rows[1].fields["traffic"].value = 1200
    panel.record_button.click()
    assert board.message_texts()[-1] == "Recorded the plan of a-idea on experiment a-idea-test."
    assert board.cards["a-idea"].row["stage"] == "planned"
    assert board.cards["a-idea"].action.description == "Start it"
    assert hk.Registry(folder).get("a-idea-test").plan[0].segment == "new"


def test_review_its_learning_opens_the_queue(folder):
    board = Board(folder, as_of=AS_OF)
    board.cards["h-stale"].action.click()
    queue = board.review_queue
    assert isinstance(queue, ReviewQueue)
    assert board.review_area.children == (queue.widget,)
    assert "h-learning" in queue.items
    assert board.message_texts() == ["The learnings to review are below. h-learning is among them."]
    queue.renew("h-learning", dt.date(2027, 5, 1))
    assert board.cards["h-stale"].action is None  # the board followed
    assert text(board.cards["h-stale"]) == "nothing to do"


def carrying(widget, cls):
    """The widgets under ``widget`` (itself included) that have the class ``cls``."""
    found = [widget] if cls in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += carrying(child, cls)
    return found


def test_a_class_names_one_kind_of_element(folder):
    board = Board(folder, as_of=AS_OF)
    board.cards["h-stale"].action.click()  # the review queue opens below the board
    board.act("a-idea")  # and a sizing panel
    # hk-board-review is the button's: the area the queue opens in has a class of its own
    assert carrying(board.widget, "hk-board-review") == [board.cards["h-stale"].action]
    assert carrying(board.widget, "hk-board-review-area") == [board.review_area]
    assert carrying(board.widget, "hk-board-size") == [board.cards["a-idea"].action]
    assert carrying(board.widget, "hk-board-sizing-area") == [board.sizing_area]


def test_a_contradicted_learning_is_in_the_queue(folder):
    reg = hk.Registry(folder)
    reg.save(learning("newer", "f-done", dt.date(2026, 11, 25), contradicts=["g-learning"]))
    board = Board(folder, as_of=AS_OF)
    assert board.cards["g-learned"].action.description == "Review its learning"
    queue = board.act("g-learned")
    assert "g-learning" in queue.items
    assert "contradicted by newer" in queue.items["g-learning"].label.value


def test_a_refused_move_is_said(folder):
    board = Board(folder, as_of=AS_OF)
    card = board.cards["c-planned"]
    hk.Registry(folder).move("c-planned", "archived", as_of=AS_OF)  # elsewhere, meanwhile
    card.action.click()
    assert board.message_texts()[0].startswith("Nothing moved: hypothesis 'c-planned': status")
    assert board.cards["c-planned"].row["stage"] == "archived"  # redrawn as it is now


def test_an_empty_or_unusable_registry(tmp_path):
    board = Board(tmp_path / "records", as_of=AS_OF)
    assert "No hypotheses yet" in board.board_box.children[0].value
    path = tmp_path / "a-file"
    path.write_text("")
    board = Board(path, as_of=AS_OF)
    assert "is a file" in board.message_texts()[0]


def test_the_status_table_rows_name_the_experiment_and_learning(folder):
    rows = {r["hypothesis"]: r for r in hk.Registry(folder).status(as_of=AS_OF).rows}
    assert (rows["c-planned"]["experiment"], rows["c-planned"]["learning"]) == ("c-test", None)
    assert (rows["g-learned"]["experiment"], rows["g-learned"]["learning"]) == (
        None,
        "g-learning",
    )
