"""The board of the loop: each hypothesis's stage and next action."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import hypokit as hk
from hypokit._records import Evidence
from hypokit._status import board

DAY = dt.date(2026, 12, 1)


def _hypothesis(id: str, status: str = "idea", kr: str | None = "kr-conv") -> hk.Hypothesis:
    return hk.Hypothesis(
        id=id, change=f"change {id}", metric="converted", expected_effect=0.1,
        time_frame_days=14, key_result=kr, status=status,
    )  # fmt: skip


def _learning(id: str, hypothesis: str, recorded: dt.date, **kw: object) -> hk.Learning:
    return hk.Learning(
        id=id, believed="b", observed="o", learned="l", decision="persevere",
        evidence=[Evidence(kind="ab_test")], hypothesis=hypothesis, recorded=recorded, **kw,
    )  # fmt: skip


def test_board_says_what_to_do_next(tmp_path: Path) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(hk.Objective(id="checkout", title="Checkout converts"))
    reg.save(
        hk.KeyResult(id="kr-conv", objective="checkout", metric="converted", baseline=0.05,
                     target=0.06, deadline=dt.date(2027, 3, 31))
    )  # fmt: skip
    plan = hk.size(hk.Proportion(baseline=0.05), mde=0.1, relative=True)
    reg.save(_hypothesis("a-idea"))
    reg.save(_hypothesis("b-idea-sized"))
    reg.save(hk.Experiment(id="b-test", hypothesis="b-idea-sized", plan=plan))
    reg.save(_hypothesis("c-planned", "planned"))
    reg.save(hk.Experiment(id="c-test", hypothesis="c-planned", plan=plan))
    reg.save(_hypothesis("d-running", "running"))
    reg.save(
        hk.Experiment(id="d-test", hypothesis="d-running", plan=plan, status="running",
                      start=dt.date(2026, 11, 1), planned_end=dt.date(2026, 12, 20))
    )  # fmt: skip
    reg.save(_hypothesis("e-overdue", "running"))
    reg.save(
        hk.Experiment(id="e-test", hypothesis="e-overdue", plan=plan, status="running",
                      start=dt.date(2026, 10, 1), planned_end=dt.date(2026, 11, 15))
    )  # fmt: skip
    reg.save(_hypothesis("f-done", "validated"))
    reg.save(_hypothesis("g-learned", "validated"))
    reg.save(_learning("g-learning", "g-learned", dt.date(2026, 11, 20)))
    reg.save(_hypothesis("h-stale", "invalidated", kr=None))
    reg.save(_learning("h-learning", "h-stale", dt.date(2025, 1, 5)))
    got = {r["hypothesis"]: (r["stage"], r["action"]) for r in board(reg, as_of=DAY).rows}
    assert got == {
        "a-idea": ("idea", "size"),
        "b-idea-sized": ("idea", "plan"),
        "c-planned": ("planned", "start"),
        "d-running": ("running", "monitor"),
        "e-overdue": ("running", "analyse"),
        "f-done": ("concluded", "record learning"),
        "g-learned": ("concluded", "none"),
        "h-stale": ("concluded", "review learning"),
    }
    table = board(reg, as_of=DAY)
    assert [r["key_result"] for r in table.rows][-1] == "(no key result)"
    assert table.rows[0]["objective"] == "checkout"
    assert "expired" in next(r for r in table.rows if r["hypothesis"] == "h-stale")["detail"]
    # The next step names the hypothesis, never a placeholder.
    steps = {r["hypothesis"]: r["next"] for r in table.rows}
    assert steps["b-idea-sized"] == (
        "plan it: hypokit hypotheses plan b-idea-sized (or registry.move('b-idea-sized', "
        "'planned'))"
    )
    assert steps["c-planned"].startswith("start it: hypokit hypotheses start c-planned ")
    assert not any(" ID" in s or "(ID" in s for s in steps.values())
    assert str(table).startswith(
        "The loop on 2026-12-01: 2 idea, 1 planned, 2 running, 3 concluded"
    )


def test_contradicted_learnings_ask_for_review(tmp_path: Path) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(_hypothesis("old", "validated"))
    reg.save(_learning("old-learning", "old", dt.date(2026, 11, 1)))
    reg.save(_hypothesis("new", "invalidated"))
    reg.save(_learning("new-learning", "new", dt.date(2026, 11, 25), contradicts=["old-learning"]))
    got = {r["hypothesis"]: r["action"] for r in board(reg, as_of=DAY).rows}
    assert got["old"] == "review learning"
    assert got["new"] == "none"


def test_empty_registry(tmp_path: Path) -> None:
    table = board(hk.Registry(tmp_path), as_of=DAY)
    assert table.rows == ()
    assert "no hypotheses yet" in str(table)


def test_hypokit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hypokit._cli import main

    reg = hk.Registry(tmp_path)
    reg.save(_hypothesis("a-idea"))
    reg.save(_hypothesis("h-stale", "invalidated", kr=None))
    code = main(["status", "--registry", str(tmp_path), "--as-of", "2026-12-01"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "The loop on 2026-12-01: 1 idea, 1 concluded"
    assert "  [idea] a-idea: change a-idea" in out
    assert "      next: size it" in out
    code = main(
        ["status", "--registry", str(tmp_path), "--as-of", "2026-12-01", "--format", "json"]
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(r["hypothesis"], r["action"]) for r in rows] == [
        ("a-idea", "size"),
        ("h-stale", "record learning"),
    ]
