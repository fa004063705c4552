"""The ``hypokit`` command line."""

import io
import json
import math
import re
import subprocess
import sys

import pandas as pd
import pytest

import hypokit as hk
from hypokit._cli import main
from hypokit.datasets import checkout_history


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("size", "demo", "analyze", "new", "learnings", "check"):
        assert command in out


def test_size_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["size", "--help"])
    out = capsys.readouterr().out
    for option in ("--baseline", "--mde", "--relative", "--alpha", "--power", "--alternative",
                   "--ratio", "--arms", "--correction", "--margin", "--traffic",
                   "--segments-csv", "--whole-weeks", "--data", "--format"):  # fmt: skip
        assert option in out


def test_size_proportion_matches_the_api(capsys):
    code, out, _ = run(
        capsys, "size", "--metric", "proportion", "--baseline", "0.1", "--mde", "0.02"
    )
    assert code == 0
    assert "3,841" in out  # R: power.prop.test(p1 = .1, p2 = .12, power = .8) n = 3840.9


def test_size_json_and_csv(capsys):
    code, out, _ = run(capsys, "size", "--metric", "mean", "--sd", "1", "--mde", "1",
                       "--power", "0.9", "--format", "json")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["n_per_arm"] == 23  # R: power.t.test(power = .9, delta = 1) n = 22.02
    code, out, _ = run(capsys, "size", "--baseline", "0.1", "--mde", "0.02", "--traffic", "500",
                       "--format", "csv")  # fmt: skip
    assert out.splitlines()[0].startswith("segment,")
    assert out.splitlines()[1].split(",")[0] == "(all)"


def test_size_per_segment_from_csv(capsys, tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("segment,traffic,baseline\nnew,2000,0.05\nreturning,800,0.12\n")
    code, out, _ = run(capsys, "size", "--mde", "0.1", "--relative", "--segments-csv",
                       str(path), "--correction", "holm", "--format", "csv")  # fmt: skip
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out))
    expected = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}), mde=0.1, relative=True,
        traffic={"new": 2000, "returning": 800}, correction="holm",
    ).to_pandas()  # fmt: skip
    assert table["n_per_arm"].tolist() == expected["n_per_arm"].tolist()
    assert table["days"].tolist() == expected["days"].tolist()


def test_size_from_history(capsys, tmp_path):
    path = tmp_path / "history.csv"
    checkout_history().to_csv(path, index=False)
    code, out, _ = run(capsys, "size", "--mde", "0.1", "--relative", "--data", str(path),
                       "--column", "converted", "--segment-column", "segment",
                       "--date-column", "date", "--whole-weeks", "--format", "json")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert [r["segment"] for r in rows] == ["business", "new", "returning"]
    assert all(r["days"] % 7 == 0 for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baseline", "1.5", "--mde", "0.02"], r"baseline == 1\.5, must be in \(0, 1\)"),
        (["--baseline", "0.1", "--mde", "0"], r"mde == 0\.0, must not be 0"),
        (["--baseline", "0.1", "--mde", "0.02", "--traffic", "-5"], r"traffic == -5\.0"),
        (["--mde", "0.02"], r"baseline == None"),
        (["--mde", "0.1", "--segments-csv", "missing.csv"], r"missing\.csv.*no such file"),
    ],
)
def test_size_bad_input_exits_2_with_a_clear_message(capsys, args, message):
    code, _, err = run(capsys, "size", *args)
    assert code == 2
    assert pytest.importorskip("re").search(message, err), err


def test_segments_csv_with_a_bad_value_names_the_line(capsys, tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("segment,traffic,baseline\nnew,2000,0.05\nreturning,lots,0.12\n")
    code, _, err = run(capsys, "size", "--mde", "0.1", "--segments-csv", str(path))
    assert code == 2
    assert "line 3" in err
    assert "'traffic'" in err


def test_new_without_a_kind_says_what_to_give(capsys):
    code, _, err = run(capsys, "new")
    assert code == 2
    assert "give KIND and NAME" in err


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2
    assert "usage: hypokit" in out


def test_demo_prints_per_segment_plans_and_writes_the_report(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--output-dir", str(tmp_path / "demo"))
    assert code == 0
    report = tmp_path / "demo" / "checkout-analysis.html"
    assert f"HTML report: {report}" in out
    assert "Sample ratio" in report.read_text(encoding="utf-8")
    for segment in ("new", "returning", "business"):
        assert segment in out
    assert "n_per_arm" in out
    assert "days" in out


def test_demo_shows_no_kernel_warning(tmp_path):
    # ipykernel warns on its stderr that it runs over TCP without encryption; the
    # report's kernel keeps its start-up messages to itself.
    result = subprocess.run(
        [sys.executable, "-m", "hypokit", "demo", "--output-dir", str(tmp_path / "demo")],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "without encryption" not in result.stderr
    assert "Kernel is running" not in result.stderr


def test_console_script_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "hypokit", "size", "--baseline", "0.1", "--mde", "0.02"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "3,841" in out


# ------------------------------------------------------------------------- planned looks
# R: power.prop.test(p1 = 0.02, p2 = 0.07, sig.level = 0.05, power = 0.8) n = 268.6625277
R_FIXED_N = 268.6625277


def test_size_looks_prints_the_plan_then_the_schedule(capsys):
    code, out, _ = run(capsys, "size", "--baseline", "0.02", "--mde", "0.05", "--traffic",
                       "100", "--looks", "5")  # fmt: skip
    assert code == 0
    plan_text, schedule_text = out.split("\n\n")
    # rpact: getDesignCharacteristics(getDesignGroupSequential(kMax = 5, alpha = 0.05,
    #   sided = 2, typeOfDesign = "asOF", beta = 0.2))$inflationFactor = 1.024719881
    assert "5 looks (obrien-fleming spending, inflation 1.025)" in plan_text
    assert re.search(r"\b269\s+276\s+552\b", plan_text)  # n_fixed, n_per_arm, n_total
    assert math.ceil(R_FIXED_N * 1.024719881) == 276
    assert schedule_text.startswith("Planned looks (obrien-fleming alpha spending")
    lines = schedule_text.strip().splitlines()
    assert len(lines) == 2 + 5
    api = hk.size(hk.Proportion(baseline=0.02), mde=0.05, traffic=100, looks=5)
    assert schedule_text.strip() == api.schedule().to_string()
    # rpact: getDesignGroupSequential(kMax = 5, alpha = 0.05, sided = 2,
    #   typeOfDesign = "asOF")$criticalValues = 4.876884949 3.357011922 2.680280067
    #   2.289816774 2.031032048
    z = [float(re.split(r"\s+", line.strip())[6]) for line in lines[2:]]
    assert z == pytest.approx([4.877, 3.357, 2.680, 2.290, 2.031], abs=6e-4)


def test_size_looks_fractions_pocock_csv_and_json(capsys):
    args = ["size", "--baseline", "0.02", "--mde", "0.05", "--looks", "0.2,0.5,1",
            "--spending", "pocock"]  # fmt: skip
    code, out, _ = run(capsys, *args, "--format", "csv")
    assert code == 0
    plan_csv, schedule_csv = out.split("\n\n")
    plan = pd.read_csv(io.StringIO(plan_csv))
    schedule = pd.read_csv(io.StringIO(schedule_csv))
    # rpact: getDesignCharacteristics(getDesignGroupSequential(kMax = 3, alpha = 0.05,
    #   sided = 2, typeOfDesign = "asP", informationRates = c(0.2, 0.5, 1),
    #   beta = 0.2))$inflationFactor = 1.147242599
    assert plan["n_per_arm"].tolist() == [math.ceil(R_FIXED_N * 1.147242599)] == [309]
    assert plan["n_fixed"].tolist() == [269]
    # rpact: ...(typeOfDesign = "asP", informationRates = c(0.2, 0.5, 1))$criticalValues
    #   = 2.437976688 2.332825132 2.224700876
    assert schedule["information"].tolist() == [0.2, 0.5, 1.0]
    assert schedule["z"].tolist() == pytest.approx([2.437977, 2.332825, 2.224701], abs=1e-4)
    api = hk.size(hk.Proportion(baseline=0.02), mde=0.05, looks=[0.2, 0.5, 1],
                  spending="pocock")  # fmt: skip
    assert schedule["n_per_arm"].tolist() == [r["n_per_arm"] for r in api.schedule().rows]

    code, out, _ = run(capsys, *args, "--format", "json")
    assert code == 0
    design = json.loads(out)
    assert design["looks"] == 3
    assert design["spending"] == "pocock"
    assert design["inflation"] == pytest.approx(1.147242599, rel=1e-6)
    assert design["plan"] == json.loads(json.dumps(api.to_records(), default=float))
    assert [r["p_boundary"] for r in design["schedule"]] == pytest.approx(
        [r["p_boundary"] for r in api.schedule().rows], rel=1e-12
    )
    assert design["schedule"][0]["day"] is None  # no traffic: null, not NaN


def test_size_looks_per_segment_schedule(capsys, tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("segment,traffic,baseline\nnew,2000,0.05\nreturning,800,0.12\n")
    code, out, _ = run(capsys, "size", "--mde", "0.1", "--relative", "--segments-csv",
                       str(path), "--correction", "holm", "--looks", "3",
                       "--format", "json")  # fmt: skip
    assert code == 0
    schedule = json.loads(out)["schedule"]
    api = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}), mde=0.1, relative=True,
        traffic={"new": 2000, "returning": 800}, correction="holm", looks=3,
    ).schedule()  # fmt: skip
    assert [(r["segment"], r["look"], r["day"]) for r in schedule] == [
        (r["segment"], r["look"], r["day"]) for r in api.rows
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spending", "pocock"], r"--spending pocock needs --looks"),
        (["--spending", "obrien-fleming"], r"--spending obrien-fleming needs --looks"),
        (["--looks", "many"], r"--looks 'many': expected a number of looks"),
        (["--looks", "0"], r"looks == 0, must be at least 1"),
        (["--looks", "0.5,0.3,1"], r"must be strictly increasing"),
        (["--looks", "0.25,0.5"], r"must end at 1"),
    ],
)
def test_size_bad_looks_exit_2(capsys, args, message):
    code, out, err = run(capsys, "size", "--baseline", "0.1", "--mde", "0.02", *args)
    assert code == 2
    assert out == ""
    assert re.search(message, err), err


def test_size_help_documents_looks(capsys):
    with pytest.raises(SystemExit):
        main(["size", "--help"])
    out = capsys.readouterr().out
    for text in ("--looks", "--spending", "obrien-fleming", "pocock", "0.25,0.5,1"):
        assert text in out


def test_top_level_help_keeps_one_line_per_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert re.search(r"^    size\s+sample size, power, days of traffic and looks per segment$",
                     out, re.M)  # fmt: skip
