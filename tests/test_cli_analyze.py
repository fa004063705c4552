"""``hypokit analyze``: the per-segment analysis on the command line."""

import json
import re
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

import hypokit as hk
from hypokit._cli import _parse_metric, main
from hypokit.datasets import checkout_experiment

METRIC_ARGS = [
    "--metric", "converted:proportion",
    "--metric", "revenue:mean:pre_revenue",
    "--metric", "revenue/sessions:ratio",
]  # fmt: skip
METRICS = [
    hk.Proportion("converted"),
    hk.Mean("revenue", covariate="pre_revenue"),
    hk.Ratio("revenue", "sessions"),
]
BASE = ["--variant", "variant", "--control", "control"]


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "experiment.csv"
    checkout_experiment().to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def expected(csv_path):
    """The API's answer on the same file, segmented, with the three metrics."""
    return hk.analyze(
        csv_path, variant="variant", control="control", segments="segment", metrics=METRICS
    )


def run(capsys, *args):
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    return code, out, err


def full(csv_path, *extra):
    return [csv_path, *BASE, "--segments", "segment", *METRIC_ARGS, *extra]


def pct(x):
    return f"{x:+.1%}"


def pvalue(x):
    return "<0.0001" if x < 1e-4 else f"{x:.4f}"


# ------------------------------------------------------------------------------ the table
def test_prints_the_table_warnings_and_srm(capsys, csv_path, expected):
    code, out, err = run(capsys, *full(csv_path))
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("segment"))
    for column in ("metric", "variant", "n_control", "n_variant", "lift", "95% CI", "p",
                   "p (holm)", "significant"):  # fmt: skip
        assert column in header
    assert "Warnings:" in lines
    warnings = [line for line in lines if line.startswith("- [")]
    assert warnings == [f"- [{f.kind}] {f.message}" for f in expected.warnings]
    assert any("[segment_opposes]" in w and "'new'" in w for w in warnings)
    assert lines[-1].startswith("Sample ratio: ok (chi-square p = 0.8208 overall")
    assert "control: 27,395, express_pay: 27,342" in lines[-1]


def test_table_numbers_equal_the_api(capsys, csv_path, expected):
    _, out, _ = run(capsys, *full(csv_path))
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("segment"))
    body = lines[start + 1 : start + 1 + len(expected.rows)]
    assert len(body) == len(expected.rows) == 12
    for line, row in zip(body, expected.rows, strict=True):
        cells = re.split(r"\s{2,}", line.strip())
        assert cells[:5] == [row["segment"], row["metric"], row["variant"],
                             f"{row['n_control']:,}", f"{row['n_variant']:,}"]  # fmt: skip
        assert cells[5] == pct(row["lift"])
        assert cells[6] == f"[{pct(row['lift_ci_low'])}, {pct(row['lift_ci_high'])}]"
        assert cells[7] == pvalue(row["p_value"])
        assert cells[8] == pvalue(row["p_adjusted"])
        assert cells[9] == ("yes" if row["significant"] else "no")
    # The documented example: conversion fell 24% for business, rose 17% for new users.
    assert re.search(r"^business\s+converted\s+express_pay.*-24\.2%.*\byes$", out, re.M)
    assert re.search(r"^new\s+converted\s+express_pay.*\+17\.1%.*\byes$", out, re.M)


def test_csv_format_prints_every_column_and_warnings_go_to_stderr(capsys, csv_path, expected):
    code, out, err = run(capsys, *full(csv_path, "--format", "csv"))
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out))
    pd.testing.assert_frame_equal(table, expected.to_pandas(), check_dtype=False, rtol=1e-12)
    assert "Warnings:" in err
    assert "Sample ratio: ok" in err


def test_quiet_prints_only_the_table(capsys, csv_path, expected):
    code, out, err = run(capsys, *full(csv_path, "--quiet"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("segment")
    assert len(lines) == 1 + len(expected.rows)
    assert "Warnings" not in out
    assert "Sample ratio" not in out
    assert err == ""


def test_without_segments_and_with_options(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "converted:proportion", "--alpha",
                       "0.1", "--correction", "none", "--lift", "fieller",
                       "--alternative", "greater")  # fmt: skip
    assert code == 0
    api = hk.analyze(csv_path, variant="variant", control="control", alpha=0.1,
                     correction=None, lift="fieller", alternative="greater",
                     metrics=hk.Proportion("converted"))  # fmt: skip
    row = api.rows[0]
    assert "no segments" in out
    assert "90% CI" in out
    assert "p (unadjusted)" in out
    assert f"[{pct(row['lift_ci_low'])}, +inf]" in out  # one-sided: unbounded above
    assert "Warnings: none" in out


def test_several_segment_columns_combine(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--segments", "segment", "--segments", "date",
                       "--metric", "converted:proportion", "--format", "json")  # fmt: skip
    assert code == 0
    api = hk.analyze(csv_path, variant="variant", control="control",
                     segments=["segment", "date"], metrics=hk.Proportion("converted"))  # fmt: skip
    rows = json.loads(out)["rows"]
    assert [r["segment"] for r in rows] == [r["segment"] for r in api.rows]
    assert len(rows) == 1 + 3 * 21
    assert [r["p_adjusted"] for r in rows] == pytest.approx([r["p_adjusted"] for r in api.rows])


def test_metric_names_and_allocation(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "revenue:mean=revenue_raw",
                       "--metric", "revenue:mean:pre_revenue=revenue_cuped",
                       "--allocation", "control=0.6", "--allocation", "express_pay=0.4",
                       "--format", "json")  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result["metrics"] == ["revenue_raw", "revenue_cuped"]
    raw, cuped = result["rows"]
    assert cuped["variance_reduction"] > 0.1
    assert not raw["variance_reduction"]  # no covariate: null (NaN) or 0
    assert result["srm"]["mismatch"] is True  # 50/50 against a planned 60/40
    assert [w["kind"] for w in result["warnings"]] == ["srm"]
    assert result["warnings"][0]["severity"] == "warning"


# ------------------------------------------------------------------------------ outputs
def test_output_csv(capsys, csv_path, expected, tmp_path):
    path = tmp_path / "result.csv"
    code, out, err = run(capsys, *full(csv_path, "--output", str(path)))
    assert code == 0
    assert "Warnings:" in out  # the table is printed as well
    assert f"wrote {path}" in err
    table = pd.read_csv(path)
    pd.testing.assert_frame_equal(table, expected.to_pandas(), check_dtype=False, rtol=1e-12)


def test_output_html_is_a_standalone_page(capsys, csv_path, expected, tmp_path):
    path = tmp_path / "report.html"
    code, _, _ = run(capsys, *full(csv_path, "--output", str(path), "--quiet"))
    assert code == 0
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    assert "<title>hypokit analysis: " in page
    assert "experiment.csv</title>" in page
    assert "<style>" in page
    assert expected._repr_html_() in page
    assert "segment_opposes" in page


def test_json_format(capsys, csv_path, expected):
    code, out, _ = run(capsys, *full(csv_path, "--format", "json"))
    assert code == 0

    def strict(name):
        raise AssertionError(f"not valid JSON: {name}")

    result = json.loads(out, parse_constant=strict)
    assert set(result) >= {"rows", "warnings", "srm"}
    assert len(result["rows"]) == len(expected.rows)
    for got, want in zip(result["rows"], expected.rows, strict=True):
        assert got["segment"] == want["segment"]
        assert got["metric"] == want["metric"]
        assert got["lift"] == want["lift"]
        assert got["p_adjusted"] == want["p_adjusted"]
        assert got["significant"] == want["significant"]
    assert [(w["kind"], w["message"]) for w in result["warnings"]] == [
        (f.kind, f.message) for f in expected.warnings
    ]
    assert [(w["segment"], w["columns"]) for w in result["warnings"]] == [
        (f.segment, list(f.columns)) for f in expected.warnings
    ]
    assert ["segment"] in [w["columns"] for w in result["warnings"]]
    assert result["srm"]["p_value"] == pytest.approx(expected.srm.p_value)
    assert [r["segment"] for r in result["srm"]["rows"]] == ["(all)", "business", "new",
                                                            "returning"]  # fmt: skip


def test_json_has_null_for_unbounded_intervals(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "revenue:mean",
                       "--alternative", "less", "--format", "json")  # fmt: skip
    assert code == 0
    assert "Infinity" not in out
    assert "NaN" not in out
    row = json.loads(out)["rows"][0]
    assert row["effect_ci_low"] is None
    assert row["effect_ci_high"] < 0


def test_parquet_glob_over_two_files(capsys, csv_path, tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    con = duckdb.connect()
    source = csv_path.replace("'", "''")
    for i, half in enumerate(("< 27000", ">= 27000")):
        target = str(folder / f"part-{i}.parquet").replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM read_csv('{source}', header = true) "
            f"WHERE CAST(substr(user_id, 2) AS INTEGER) {half}) TO '{target}' (FORMAT parquet)"
        )
    con.close()
    args = [*BASE, "--segments", "segment", *METRIC_ARGS, "--format", "json"]
    code, out, err = run(capsys, str(folder / "*.parquet"), *args)
    assert code == 0, err
    from_glob = json.loads(out)["rows"]
    code, out, _ = run(capsys, csv_path, *args)
    from_csv = json.loads(out)["rows"]
    same_rows(from_glob, from_csv)
    # The same two files named one by one, as a shell expands the glob.
    code, out, _ = run(capsys, *sorted(str(p) for p in folder.glob("*.parquet")), *args)
    assert code == 0
    same_rows(json.loads(out)["rows"], from_csv)


def same_rows(got_rows, want_rows):
    """Equal up to rounding: DuckDB may sum the files in a different order."""
    assert len(got_rows) == len(want_rows) == 12
    for got, want in zip(got_rows, want_rows, strict=True):
        assert (got["segment"], got["metric"]) == (want["segment"], want["metric"])
        assert (got["n_control"], got["n_variant"]) == (want["n_control"], want["n_variant"])
        for key in ("lift", "lift_ci_low", "lift_ci_high", "p_value", "p_adjusted"):
            assert got[key] == pytest.approx(want[key], rel=1e-9), key
        assert got["significant"] == want["significant"]


# ------------------------------------------------------------------------------ exit codes
def test_fail_on_warning_exits_1(capsys, csv_path):
    code, out, err = run(capsys, *full(csv_path, "--fail-on-warning"))
    assert code == 1
    assert "Warnings:" in out
    assert "--fail-on-warning" in err


def test_fail_on_warning_exits_0_without_warnings(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "converted:proportion",
                       "--fail-on-warning")  # fmt: skip
    assert code == 0
    assert "Warnings: none" in out


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("converted", "no kind after the column"),
        ("converted:avg", "unknown kind 'avg'"),
        ("converted:proportion:pre_revenue", "a proportion takes no covariate"),
        ("revenue:ratio", "a ratio needs NUM/DEN columns"),
        ("revenue/:ratio", "a ratio needs NUM/DEN columns"),
        ("revenue/sessions:mean", "NUM/DEN columns make a ratio, not a mean"),
        ("revenue:mean:pre:extra", "too many ':'"),
        (":mean", "an empty column, kind or covariate"),
        ("revenue:mean=", "the name after '=' is empty"),
    ],
)
def test_bad_metric_spec_exits_2_naming_it_and_the_forms(capsys, csv_path, spec, problem):
    code, out, err = run(capsys, csv_path, *BASE, "--metric", spec)
    assert code == 2
    assert out == ""
    assert err.startswith(f"hypokit analyze: error: --metric {spec!r}: {problem}")
    assert "accepted forms: COL:proportion, COL:mean, COL:mean:COVARIATE, NUM/DEN:ratio" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", *BASE, "--metric", "converted:proportion"],
         r"PATH_OR_GLOB 'missing\.csv': no such file"),
        (["{data}", "--variant", "arm", "--control", "control", "--metric",
          "converted:proportion"], r"variant == 'arm': no such column; data has 'user_id'"),
        (["{data}", *BASE, "--metric", "bought:proportion"], r"'bought': no such column"),
        (["{data}", *BASE, "--segments", "country", "--metric", "converted:proportion"],
         r"segments == 'country': no such column"),
        (["{data}", "--variant", "variant", "--control", "ctrl", "--metric",
          "converted:proportion"],
         r"control == 'ctrl': no such variant in column 'variant'; the data has 'control', "
         r"'express_pay'"),
        (["{data}", *BASE, "--metric", "revenue:mean", "--metric", "revenue:mean:pre_revenue"],
         r"both named 'revenue'; end one of them in =NAME"),
        (["{data}", *BASE, "--metric", "converted:proportion", "--allocation", "control"],
         r"--allocation 'control': expected VARIANT=SHARE"),
        (["{data}", *BASE, "--metric", "converted:proportion", "--allocation", "control=1"],
         r"allocation has no share for variant 'express_pay'"),
        (["{data}", *BASE, "--metric", "converted:proportion", "--alpha", "5"],
         r"alpha == 5\.0, must be in \(0, 1\)"),
        (["{data}", *BASE, "--metric", "converted:proportion", "--output", "out.xlsx"],
         r"--output 'out\.xlsx': expected a \.csv or \.html file name"),
        (["{data}", *BASE, "--metric", "converted:proportion", "--output", "no/such/out.csv"],
         r"--output 'no/such/out\.csv': no such folder"),
        (["a.csv", "b.parquet", *BASE, "--metric", "converted:proportion"],
         r"mix CSV and Parquet files"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_clear_message(capsys, csv_path, args, message):
    code, out, err = run(capsys, *[csv_path if a == "{data}" else a for a in args])
    assert code == 2
    assert out == ""
    assert err.startswith("hypokit analyze: error: ")
    assert re.search(message, err), err


def test_missing_required_options_is_a_usage_error(capsys, csv_path):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", csv_path, "--metric", "converted:proportion"])
    assert exc.value.code == 2
    assert "--variant" in capsys.readouterr().err


# ------------------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("spec", "metric"),
    [
        ("converted:proportion", hk.Proportion("converted")),
        ("converted:Proportion=conversion", hk.Proportion("converted", name="conversion")),
        ("revenue:mean", hk.Mean("revenue")),
        ("revenue:mean:pre_revenue", hk.Mean("revenue", covariate="pre_revenue")),
        ("revenue/sessions:ratio", hk.Ratio("revenue", "sessions")),
        ("revenue/sessions:ratio:pre_revenue",
         hk.Ratio("revenue", "sessions", covariate="pre_revenue")),
        ("revenue/sessions:ratio:pre_revenue/pre_sessions=rps",
         hk.Ratio("revenue", "sessions", covariate="pre_revenue",
                  covariate_denominator="pre_sessions", name="rps")),
    ],
)  # fmt: skip
def test_metric_specs(spec, metric):
    assert _parse_metric(spec) == metric


# ------------------------------------------------------------------------------ help, entry
def test_help_documents_options_and_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--variant", "--control", "--metric", "--segments", "--alpha",
                   "--correction", "--alternative", "--lift", "--allocation", "--srm-alpha",
                   "--format", "--output", "--quiet", "--fail-on-warning",
                   "COL:mean:COVARIATE", "NUM/DEN:ratio", "examples:"):  # fmt: skip
        assert option in out


def test_analyze_is_available_and_the_rest_still_planned(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert re.search(r"analyze\s+analyze an A/B test", out)
    assert "analyze an A/B test per segment from CSV or Parquet files (not" not in out
    assert "not available yet" not in out


def test_python_dash_m_hypokit_analyze(csv_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hypokit", "analyze", csv_path, *BASE, "--segments", "segment",
         "--metric", "converted:proportion"],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^business\s+converted\s+express_pay.*-24\.2%", proc.stdout, re.M)
    assert "Warnings:" in proc.stdout
    assert "Sample ratio: ok" in proc.stdout


@pytest.mark.parametrize("mode", ["on", "off", "auto"])
def test_progress_option(capsys, csv_path, mode):
    code = main(
        ["analyze", csv_path, *BASE, "--metric", "converted:proportion", "--progress", mode]
    )
    assert code == 0
    assert "converted" in capsys.readouterr().out


# ------------------------------------------------------------------------- methods, days
def table_rows(out, n):
    """The cells of the ``n`` rows under the table's header."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("segment", "date")))
    return lines[start], [re.split(r"\s{2,}", line.strip()) for line in lines[start + 1 :][:n]]


def test_sequential_method_equals_the_api(capsys, csv_path):
    code, out, err = run(capsys, *full(csv_path, "--method", "sequential", "--n-tune", "20000",
                                       "--format", "json"))  # fmt: skip
    assert code == 0, err
    api = hk.analyze(csv_path, variant="variant", control="control", segments="segment",
                     metrics=METRICS, method="sequential", n_tune=20000)  # fmt: skip
    result = json.loads(out)
    assert result["method"] == "sequential"
    assert len(result["rows"]) == len(api.rows) == 12
    for got, want in zip(result["rows"], api.rows, strict=True):
        for key in ("lift", "lift_ci_low", "lift_ci_high", "effect_ci_low", "effect_ci_high",
                    "p_value", "p_adjusted"):  # fmt: skip
            assert got[key] == pytest.approx(want[key], rel=1e-9), key
        assert got["significant"] == want["significant"]
    code, out, _ = run(capsys, *full(csv_path, "--method", "sequential", "--n-tune", "20000"))
    assert "sequential: always-valid intervals and p-values, n_tune 20,000" in out
    _, rows = table_rows(out, len(api.rows))
    for cells, row in zip(rows, api.rows, strict=True):
        assert cells[6] == f"[{pct(row['lift_ci_low'])}, {pct(row['lift_ci_high'])}]"
        assert cells[8] == pvalue(row["p_adjusted"])


def test_sequential_default_n_tune_is_named(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "converted:proportion",
                       "--method", "sequential")  # fmt: skip
    assert code == 0
    assert "n_tune 5,000 (default)" in out
    api = hk.analyze(csv_path, variant="variant", control="control",
                     metrics=hk.Proportion("converted"), method="sequential")  # fmt: skip
    _, [cells] = table_rows(out, 1)
    assert cells[7] == pvalue(api.rows[0]["p_value"])


def test_bayesian_table_shows_probability_and_loss_not_p_values(capsys, csv_path, tmp_path):
    path = tmp_path / "bayes.csv"
    code, out, err = run(capsys, csv_path, *BASE, "--segments", "segment",
                         "--metric", "converted:proportion", "--metric", "revenue:mean",
                         "--method", "bayesian", "--prior-a", "2", "--prior-b", "30",
                         "--prior-sd", "0.1", "--output", str(path))  # fmt: skip
    assert code == 0, err
    api = hk.analyze(csv_path, variant="variant", control="control", segments="segment",
                     metrics=[hk.Proportion("converted"), hk.Mean("revenue")],
                     method="bayesian",
                     prior=hk.Prior(a=2, b=30, effect_sd=0.1))  # fmt: skip
    assert "Beta(2, 30) prior on rates, a normal prior on the lift (sd 0.1)" in out
    assert "no p-values, no correction" in out
    assert "holm" not in out.splitlines()[0]
    header, rows = table_rows(out, len(api.rows))
    assert re.split(r"\s{2,}", header) == [
        "segment", "metric", "variant", "n_control", "n_variant", "lift", "95% credible",
        "prob_beats_control", "expected_loss", "significant",
    ]  # fmt: skip
    assert len(rows) == len(api.rows) == 8
    for cells, row in zip(rows, api.rows, strict=True):
        assert cells[:3] == [row["segment"], row["metric"], row["variant"]]
        assert cells[5] == pct(row["lift"])
        assert cells[6] == f"[{pct(row['lift_ci_low'])}, {pct(row['lift_ci_high'])}]"
        assert cells[7] == f"{row['prob_beats_control']:.1%}"
        assert cells[8] == f"{row['expected_loss']:.4g}"
        assert cells[9] == ("yes" if row["significant"] else "no")

    written = pd.read_csv(path)
    pd.testing.assert_frame_equal(written, api.to_pandas(), check_dtype=False, rtol=1e-9)
    assert written["p_value"].isna().all()
    assert written["p_adjusted"].isna().all()


def test_bayesian_default_prior_json(capsys, csv_path):
    code, out, _ = run(capsys, csv_path, *BASE, "--metric", "converted:proportion",
                       "--method", "bayesian", "--format", "json")  # fmt: skip
    assert code == 0
    api = hk.analyze(csv_path, variant="variant", control="control",
                     metrics=hk.Proportion("converted"), method="bayesian")  # fmt: skip
    result = json.loads(out)
    assert result["method"] == "bayesian"
    [row] = result["rows"]
    assert row["p_value"] is None  # NaN in the table: null in JSON
    assert row["p_adjusted"] is None
    for key in ("prob_beats_control", "expected_loss", "expected_loss_control", "lift_ci_low",
                "lift_ci_high"):  # fmt: skip
        assert row[key] == pytest.approx(api.rows[0][key], rel=1e-9), key


def test_over_time_prints_the_days(capsys, csv_path):
    args = [csv_path, *BASE, "--metric", "converted:proportion", "--method", "sequential",
            "--date", "date", "--over-time"]  # fmt: skip
    code, out, err = run(capsys, *args, "--quiet")
    assert code == 0, err
    days = hk.analyze(csv_path, variant="variant", control="control",
                      metrics=hk.Proportion("converted"), method="sequential",
                      date="date").over_time()  # fmt: skip
    lines = out.splitlines()
    assert len(lines) == 1 + len(days.rows) == 22
    header, rows = table_rows(out, len(days.rows))
    assert header.startswith("date  ")
    for cells, row in zip(rows, days.rows, strict=True):
        assert cells[0] == row["date"]
        assert cells[4:6] == [f"{row['n_control']:,}", f"{row['n_variant']:,}"]
        assert cells[7] == f"[{pct(row['lift_ci_low'])}, {pct(row['lift_ci_high'])}]"
        assert cells[9] == pvalue(row["p_adjusted"])
    assert rows[0][0] == "2026-10-19"
    assert rows[-1][0] == "2026-11-08"

    code, out, err = run(capsys, *args, "--format", "csv")
    assert code == 0
    table = pd.read_csv(__import__("io").StringIO(out), dtype={"date": str})
    pd.testing.assert_frame_equal(table, days.to_pandas(), check_dtype=False, rtol=1e-9)
    assert "Sample ratio: ok" in err


def test_over_time_bayesian_json_and_outputs(capsys, csv_path, tmp_path):
    args = [csv_path, *BASE, "--metric", "revenue:mean", "--segments", "segment",
            "--method", "bayesian", "--date", "date", "--over-time"]  # fmt: skip
    api = hk.analyze(csv_path, variant="variant", control="control", segments="segment",
                     metrics=hk.Mean("revenue"), method="bayesian", date="date")  # fmt: skip
    days = api.over_time()
    path = tmp_path / "days.csv"
    code, out, err = run(capsys, *args, "--output", str(path))
    assert code == 0
    header, rows = table_rows(out, len(days.rows))
    assert "prob_beats_control" in header
    assert "p (holm)" not in header
    assert [cells[8] for cells in rows] == [f"{r['prob_beats_control']:.1%}" for r in days.rows]
    assert "Warnings:" in out
    assert f"wrote {path}" in err
    written = pd.read_csv(path, dtype={"date": str})
    pd.testing.assert_frame_equal(written, days.to_pandas(), check_dtype=False, rtol=1e-9)

    page = tmp_path / "days.html"
    code, out, _ = run(capsys, *args, "--format", "json", "--output", str(page))
    assert code == 0
    result = json.loads(out)
    assert len(result["rows"]) == len(api.rows)  # the final table as well
    assert result["over_time"]["date"] == "date"
    got = result["over_time"]["rows"]
    assert [(r["date"], r["segment"]) for r in got] == [
        (r["date"], r["segment"]) for r in days.rows
    ]
    assert [r["expected_loss"] for r in got] == pytest.approx(
        [r["expected_loss"] for r in days.rows], rel=1e-9
    )
    text = page.read_text(encoding="utf-8")
    assert "<h2>Day by day</h2>" in text
    assert "prob_beats_control" in text
    assert "2026-11-08" in text
    assert api._repr_html_() in text


def test_date_without_over_time_leaves_the_table_unchanged(capsys, csv_path, expected):
    code, out, _ = run(capsys, *full(csv_path, "--date", "date", "--format", "json"))
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["segment"] for r in rows] == [r["segment"] for r in expected.rows]
    assert [r["p_adjusted"] for r in rows] == pytest.approx(
        [r["p_adjusted"] for r in expected.rows], rel=1e-9
    )  # the same sums, added per day first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-tune", "1000"], r"n_tune == 1000\.0 tunes method='sequential'; method is "
                               r"'frequentist'"),
        (["--method", "bayesian", "--n-tune", "1000"], r"method is 'bayesian'"),
        (["--method", "sequential", "--n-tune", "0"], r"n_tune == 0\.0, must be greater than 0"),
        (["--prior-sd", "0.1"], r"prior is for method='bayesian'; method is 'frequentist'"),
        (["--method", "sequential", "--prior-a", "2"], r"prior is for method='bayesian'"),
        (["--method", "bayesian", "--prior-a", "0"],
         r"--prior-a: a == 0\.0, must be greater than 0"),
        (["--method", "bayesian", "--prior-b", "-1"], r"--prior-b: b == -1\.0"),
        (["--method", "bayesian", "--prior-sd", "0"], r"--prior-sd: effect_sd == 0\.0"),
        (["--over-time"], r"--over-time needs --date COL"),
        (["--date", "day", "--over-time"], r"date == 'day': no such column"),
        (["--date", "segment", "--segments", "segment"],
         r"date == 'segment' is also a segment column"),
    ],
)  # fmt: skip
def test_bad_method_options_exit_2(capsys, csv_path, args, message):
    code, out, err = run(capsys, csv_path, *BASE, "--metric", "converted:proportion", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("hypokit analyze: error: ")
    assert re.search(message, err), err


def test_method_choices_are_checked_by_the_parser(capsys, csv_path):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", csv_path, *BASE, "--metric", "converted:proportion",
              "--method", "bootstrap"])  # fmt: skip
    assert exc.value.code == 2
    assert "invalid choice: 'bootstrap'" in capsys.readouterr().err


def test_help_documents_methods_and_days(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    for option in ("--method", "{frequentist,sequential,bayesian}", "--n-tune", "--prior-a",
                   "--prior-b", "--prior-sd", "--date", "--over-time",
                   "prob_beats_control", "expected_loss"):  # fmt: skip
        assert option in out
