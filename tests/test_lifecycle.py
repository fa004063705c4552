"""A hypothesis moves through its lifecycle, dated, by the API and the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import hypokit as hk
from hypokit._cli import main
from hypokit._records import lifecycle_path
from hypokit.datasets import checkout_experiment

DAY = dt.date(2026, 11, 2)


def _idea(**kw: object) -> hk.Hypothesis:
    fields: dict[str, object] = {
        "id": "express-pay", "change": "add express pay to the cart", "metric": "converted",
        "expected_effect": 0.1, "time_frame_days": 7,
        "criteria": [hk.SegmentCriteria(segment="new")],
    }  # fmt: skip
    fields.update(kw)
    return hk.Hypothesis(**fields)  # type: ignore[arg-type]


def test_paths_follow_the_lifecycle() -> None:
    assert lifecycle_path("idea", "running") == ("planned", "running")
    assert lifecycle_path("running", "idea") == ("planned", "idea")
    assert lifecycle_path("idea", "idea") == ()
    with pytest.raises(hk.ValidationError, match="from 'archived' it can move to nothing"):
        lifecycle_path("archived", "idea")


def test_move_records_every_step_with_its_date() -> None:
    h = _idea().move("running", as_of=DAY)
    assert h.status == "running"
    assert [(c.status, c.date) for c in h.history] == [("planned", DAY), ("running", DAY)]
    with pytest.raises(hk.ValidationError, match="is a verdict; conclude it"):
        h.move("validated", as_of=DAY)


def test_registry_move_starts_the_planned_experiment(tmp_path: Path) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(_idea())
    plan = hk.size(hk.Proportion(baseline=0.04), mde=0.1, relative=True)
    reg.save(hk.Experiment(id="express-pay-test", hypothesis="express-pay", plan=plan))
    moved = reg.move("express-pay", "running", as_of=DAY)
    again = hk.Registry(tmp_path)
    assert again.get("express-pay", hk.Hypothesis) == moved
    exp = again.get("express-pay-test", hk.Experiment)
    assert (exp.status, exp.start) == ("running", DAY)
    text = (tmp_path / "hypotheses" / "express-pay.yaml").read_text()
    assert "history:\n  - status: planned\n    date: 2026-11-02\n" in text
    assert "&" not in text  # no YAML anchors for repeated dates


def test_a_jump_without_its_history_is_refused(tmp_path: Path) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(_idea())
    with pytest.raises(hk.RegistryError, match="'idea' → 'running' is not allowed"):
        reg.save(_idea(status="running"))
    # A history that skips a step does not pass either.
    forged = _idea(status="running", history=[hk.StatusChange(status="running", date=DAY)])
    with pytest.raises(hk.RegistryError, match="not allowed"):
        reg.save(forged)
    assert hk.Registry(tmp_path).get("express-pay", hk.Hypothesis).status == "idea"


def test_concluding_an_idea_says_exactly_what_to_run(tmp_path: Path) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(_idea())
    result = hk.analyze(
        checkout_experiment(), variant="variant", control="control", segments="segment",
        metrics=[hk.Proportion("converted")],
    )  # fmt: skip
    with pytest.raises(
        hk.ValidationError,
        match=r"start it first with `hypokit hypotheses start express-pay --as-of YYYY-MM-DD`",
    ):
        reg.conclude("express-pay", result, as_of=DAY)
    # Following the advice works.
    reg.move("express-pay", "running", as_of=DAY)
    drafts = reg.conclude("express-pay", result, as_of=dt.date(2026, 11, 22))
    reg.save_conclusion(drafts)
    done = hk.Registry(tmp_path).get("express-pay", hk.Hypothesis)
    assert done.status == "validated"
    assert [c.status for c in done.history] == ["planned", "running", "validated"]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_line_moves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = hk.Registry(tmp_path)
    reg.save(_idea())
    registry = str(tmp_path)
    code, out, err = _cli(capsys, "hypotheses", "plan", "express-pay", "--registry", registry,
                          "--as-of", "2026-10-30")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("moved express-pay: idea -> planned on 2026-10-30")
    # --registry before the action is kept.
    code, out, err = _cli(capsys, "hypotheses", "--registry", registry, "start", "express-pay",
                          "--as-of", "2026-11-02")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("moved express-pay: planned -> running on 2026-11-02")
    code, out, err = _cli(capsys, "hypotheses", "--registry", registry, "move", "express-pay",
                          "idea", "--as-of", "2026-11-03")  # fmt: skip
    assert code == 0
    assert "running -> planned -> idea" in out
    code, out, err = _cli(capsys, "hypotheses", "--registry", registry, "archive", "express-pay")
    assert code == 0
    code, out, err = _cli(capsys, "hypotheses", "--registry", registry, "start", "express-pay")
    assert code == 2
    assert err.count("\n") == 1
    assert "from 'archived' it can move to nothing" in err
    code, out, err = _cli(capsys, "hypotheses", "--registry", registry, "start", "nope")
    assert code == 2
    assert "no record 'nope'" in err


def test_learnings_action_keeps_a_registry_given_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypokit._records import Evidence

    reg = hk.Registry(tmp_path)
    reg.save(
        hk.Learning(
            id="payment-step", believed="b", observed="o", learned="l", decision="pivot",
            evidence=[Evidence(kind="analytics")], recorded=dt.date(2026, 9, 1),
        )
    )  # fmt: skip
    args = ["learnings", "--registry", str(tmp_path), "renew", "payment-step"]
    code, _, err = _cli(capsys, *args, "--until", "2027-06-30", "--as-of", "2026-12-01")
    assert (code, err) == (0, "")
    assert hk.Registry(tmp_path).get("payment-step", hk.Learning).expires == dt.date(2027, 6, 30)
