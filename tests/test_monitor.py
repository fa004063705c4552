"""hk.monitor: keep running, stop for harm or mismatch, or analyse, per segment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hypokit as hk
from hypokit._aggregate import ALL


def _days(
    n_per_day: dict[str, int], days: int, *, rate: dict[str, tuple[float, float]], seed: int = 1,
    share: float = 0.5,
) -> pd.DataFrame:  # fmt: skip
    """Units per day per segment; rate = (control, variant) conversion per segment."""
    rng = np.random.default_rng(seed)
    parts = []
    start = dt.date(2026, 11, 2)
    for d in range(days):
        for seg, n in n_per_day.items():
            arm = np.where(rng.random(n) < share, "treatment", "control")
            p = np.where(arm == "control", rate[seg][0], rate[seg][1])
            parts.append(
                pd.DataFrame(
                    {
                        "day": (start + dt.timedelta(days=d)).isoformat(),
                        "segment": seg,
                        "arm": arm,
                        "buy": (rng.random(n) < p).astype(int),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def run(data: pd.DataFrame, **kw: object) -> hk.Monitor:
    options: dict[str, object] = {
        "variant": "arm",
        "control": "control",
        "metrics": [hk.Proportion("buy")],
        "segments": "segment",
        "date": "day",
    }
    options.update(kw)
    return hk.monitor(data, **options)  # type: ignore[arg-type]


def test_keep_running_with_the_expected_end_from_the_traffic() -> None:
    data = _days({"a": 200, "b": 100}, 7, rate={"a": (0.1, 0.1), "b": (0.2, 0.2)})
    plan = hk.size(
        hk.Proportion(baseline={"a": 0.1, "b": 0.2}), mde=0.03, traffic={"a": 200, "b": 100}
    )
    report = run(data, plan=plan)
    rows = {r["segment"]: r for r in report.rows}
    assert report.as_of == dt.date(2026, 11, 8)
    assert report.result.method == "sequential"
    for seg in ("a", "b"):
        r = rows[seg]
        need = plan[seg].n_per_arm
        assert r["planned_per_arm"] == need
        assert r["progress"] == pytest.approx(min(r["n_control"], r["n_variant"]) / need)
        assert r["decision"] == "keep running"
        # Units per day so far (both arms) over 7 days; the arm furthest from its target.
        per_day = (r["n_control"] + r["n_variant"]) / 7
        missing = need - min(r["n_control"], r["n_variant"])
        assert r["days_left"] == int(np.ceil(missing * 2 / per_day))
        assert r["expected_end"] == report.as_of + dt.timedelta(days=r["days_left"])
    assert report.exit_code == 0
    assert report.headline().startswith("keep running; expected to reach the plan by")


def test_ready_to_analyse_when_every_arm_has_its_units() -> None:
    data = _days({"a": 400}, 10, rate={"a": (0.1, 0.1)})
    plan = hk.size(hk.Proportion(baseline={"a": 0.1}), mde=0.05, traffic={"a": 400})
    report = run(data, plan=plan)
    (row,) = [r for r in report.rows if r["segment"] == "a"]
    assert row["progress"] >= 1
    assert row["decision"] == "ready to analyse"
    assert row["days_left"] == 0
    assert report.exit_code == 1


def test_stop_for_harm_with_an_always_valid_interval() -> None:
    # The variant halves conversion in b: a guardrail of -5% is breached.
    data = _days({"a": 300, "b": 300}, 10, rate={"a": (0.2, 0.2), "b": (0.2, 0.1)})
    report = run(data, guardrails=[hk.Criterion("buy", margin=0.05)])
    rows = {r["segment"]: r for r in report.rows}
    assert rows["b"]["decision"] == "stop for harm"
    assert "no drop beyond 5.0%" in rows["b"]["guardrails_breached"]
    assert "always-valid" in rows["b"]["reason"]
    assert rows["a"]["decision"] == "keep running"
    # The interval it read is the sequential one, wider than the fixed-horizon one.
    seq = report.result.row("buy", "b")
    fixed = hk.analyze(data, variant="arm", control="control", segments="segment",
                       metrics=[hk.Proportion("buy")]).row("buy", "b")  # fmt: skip
    assert (
        seq["effect_ci_high"] - seq["effect_ci_low"]
        > fixed["effect_ci_high"] - fixed["effect_ci_low"]
    )
    assert report.exit_code == 1
    assert report.headline() == (
        "stop for harm: the whole population (treatment), segment 'b' (treatment)."
    )


def test_no_harm_is_claimed_from_noise() -> None:
    data = _days({"a": 300}, 10, rate={"a": (0.2, 0.2)}, seed=3)
    report = run(data, guardrails=[hk.Criterion("buy", margin=0.05)])
    assert {r["decision"] for r in report.rows} == {"keep running"}


def test_sample_ratio_mismatch_stops_first() -> None:
    data = _days({"a": 400}, 10, rate={"a": (0.2, 0.1)}, share=0.45)
    report = run(data, guardrails=[hk.Criterion("buy", margin=0.05)])
    rows = {r["segment"]: r for r in report.rows}
    assert rows["a"]["srm_p_value"] < 0.001
    assert rows["a"]["decision"] == "stop: sample ratio mismatch"  # before the harm
    assert report.decision == "stop: sample ratio mismatch"


def test_plan_from_an_experiment_record() -> None:
    data = _days({"a": 200}, 5, rate={"a": (0.1, 0.1)})
    plan = hk.size(hk.Proportion(baseline={"a": 0.1}), mde=0.03, traffic={"a": 200})
    exp = hk.Experiment(id="t", hypothesis="h", plan=plan, status="running")
    by_record = run(data, plan=exp).to_pandas()
    by_plan = run(data, plan=plan).to_pandas()
    pd.testing.assert_frame_equal(by_record, by_plan)


def test_without_dates_or_plan() -> None:
    data = _days({"a": 200}, 3, rate={"a": (0.1, 0.1)})
    report = run(data, date=None)
    row = next(r for r in report.rows if r["segment"] == ALL)
    assert row["expected_end"] is None
    assert np.isnan(row["progress"])
    assert row["decision"] == "keep running"
    assert "no plan" in row["reason"]


def test_bad_guardrails_are_refused() -> None:
    data = _days({"a": 50}, 2, rate={"a": (0.1, 0.1)})
    with pytest.raises(hk.ValidationError, match=r"margin="):
        run(data, guardrails=[hk.Criterion("buy")])
    with pytest.raises(hk.ValidationError, match="as_of"):
        run(data, as_of="tomorrow")


# ------------------------------------------------------------------ the command line
def _csv(tmp_path: Path, data: pd.DataFrame) -> str:
    path = tmp_path / "events.csv"
    data.to_csv(path, index=False)
    return str(path)


BASE = ["--variant", "arm", "--control", "control", "--segments", "segment", "--date", "day"]


def test_hypokit_monitor_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hypokit._cli import main

    calm = _csv(tmp_path, _days({"a": 300}, 10, rate={"a": (0.2, 0.2)}, seed=3))
    code = main(["monitor", calm, *BASE, "--metric", "buy:proportion", "--guardrail", "buy:0.05"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith("Monitor on 2026-11-11: keep running")
    harmed = _csv(tmp_path, _days({"b": 300}, 10, rate={"b": (0.2, 0.1)}))
    code = main(["monitor", harmed, *BASE, "--metric", "buy:proportion", "--guardrail",
                 "buy:0.05", "--format", "json"])  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["decision"] == "stop for harm"
    assert document["exit_code"] == 1
    assert {r["segment"]: r["decision"] for r in document["rows"]}["b"] == "stop for harm"


def test_hypokit_monitor_reads_the_plan_and_guardrails_from_the_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypokit._cli import main

    data = _days({"b": 300}, 10, rate={"b": (0.2, 0.1)})
    reg = hk.Registry(tmp_path / "records")
    reg.save(
        hk.Hypothesis(
            id="h", change="c", metric="buy", expected_effect=0.1, time_frame_days=14,
            status="planned", criteria=[hk.SegmentCriteria(
                segment="b", guardrails=[hk.Guardrail(metric="buy", margin=0.05)])],
        )
    )  # fmt: skip
    plan = hk.size(hk.Proportion(baseline={"b": 0.2}), mde=0.1, relative=True, traffic={"b": 300})
    reg.save(hk.Experiment(id="h-test", hypothesis="h", plan=plan))
    args = ["monitor", _csv(tmp_path, data), *BASE, "--metric", "buy:proportion"]
    code = main([*args, "--registry", str(tmp_path / "records"), "--experiment", "h-test"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "b (treatment): stop for harm" in out
    assert f"{plan['b'].n_per_arm:,}" in out
    # Errors are one line, exit 2.
    for bad, says in (
        (["--guardrail", "buy"], "expected METRIC:MARGIN"),
        (["--guardrail", "buy:x"], "is not a number"),
        (["--guardrail", "buy:0.05:up"], "unknown up"),
        (["--experiment", "h-test"], "--experiment needs --registry"),
    ):
        code = main([*args, *bad])
        _, err = capsys.readouterr()
        assert code == 2, bad
        assert says in err
        assert err.count("\n") == 1
