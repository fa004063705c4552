"""The record commands: hypokit learnings / hypotheses / okr / check."""

import datetime as dt
import json
import subprocess
import sys

import pytest

from hypokit._cli import main
from hypokit._registry import Registry
from tests._counts import REORDER, proportion_result
from tests.test_registry import (
    experiment,
    hypothesis,
    key_result,
    learning,
    objective,
    reorder_registry,
)

AS_OF = "2026-11-10"


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "records"
    reg = Registry(path)
    for record in (objective(), key_result(), hypothesis(), experiment(), learning()):
        reg.save(record)
    return path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_is_clean_then_finds_the_expired_learning(capsys, records):
    code, out, _ = run(capsys, "check", "--registry", str(records), "--as-of", AS_OF)
    assert code == 0, out
    assert "no findings as of 2026-11-10" in out
    # Half a year later the learning the running hypothesis rests on has expired.
    code, out, _ = run(capsys, "check", "--registry", str(records), "--as-of", "2027-06-01")
    assert code == 1
    assert "expired_learning" in out
    assert "payment-step" in out


def test_check_json(capsys, records):
    code, out, _ = run(
        capsys, "check", "--registry", str(records), "--as-of", "2027-06-01", "--format", "json"
    )
    assert code == 1
    kinds = {f["kind"] for f in json.loads(out)}
    assert "expired_learning" in kinds


def test_check_reports_an_unreadable_file_and_exits_non_zero(capsys, records):
    (records / "learnings" / "broken.yaml").write_text("id: broken\nlearned: [unclosed\n")
    code, out, _ = run(capsys, "check", "--registry", str(records), "--as-of", AS_OF)
    assert code == 1
    assert "broken.yaml" in out


def test_learnings_lists_filters_and_renews(capsys, records):
    code, out, _ = run(capsys, "learnings", "--registry", str(records), "--as-of", AS_OF)
    assert code == 0
    assert "payment-step" in out
    code, out, _ = run(
        capsys, "learnings", "--registry", str(records), "--as-of", AS_OF, "--expired"
    )
    assert "no learnings match" in out
    code, out, _ = run(
        capsys, "learnings", "--registry", str(records), "--as-of", "2027-06-01", "--expired"
    )
    assert "payment-step" in out
    code, out, _ = run(
        capsys, "learnings", "renew", "payment-step", "--until", "2027-12-31",
        "--registry", str(records), "--as-of", "2027-06-01",
    )  # fmt: skip
    assert code == 0, out
    assert "renewed payment-step until 2027-12-31" in out
    assert Registry(records).get("payment-step").expires == dt.date(2027, 12, 31)


def test_learnings_retire_keeps_the_record(capsys, records):
    code, out, _ = run(
        capsys, "learnings", "retire", "payment-step", "--registry", str(records),
        "--as-of", AS_OF,
    )  # fmt: skip
    assert code == 0, out
    assert (records / "learnings" / "payment-step.yaml").exists()
    code, out, _ = run(
        capsys, "learnings", "--registry", str(records), "--as-of", AS_OF, "--format", "json"
    )
    assert json.loads(out)[0]["status"] == "retired"


def test_learnings_unknown_id_exits_2(capsys, records):
    code, _, err = run(
        capsys, "learnings", "retire", "nope", "--registry", str(records), "--as-of", AS_OF
    )
    assert code == 2
    assert "nope" in err


def test_hypotheses_and_okr(capsys, records):
    reg = Registry(records)
    reg.save(hypothesis(id="one-click", status="idea", learnings=[]))
    code, out, _ = run(capsys, "hypotheses", "--registry", str(records))
    assert code == 0
    assert "one-click" in out
    code, out, _ = run(
        capsys, "hypotheses", "--registry", str(records), "--all", "--format", "json"
    )
    assert {h["id"] for h in json.loads(out)} == {"express-pay", "one-click"}
    code, out, _ = run(capsys, "okr", "--registry", str(records))
    assert code == 0
    assert "kr-conversion" in out
    code, out, _ = run(capsys, "okr", "--registry", str(records), "--mermaid")
    assert out.startswith(("graph", "flowchart"))


def test_bad_date_is_a_usage_error(capsys, records):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--registry", str(records), "--as-of", "tomorrow"])
    assert exc.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_check_from_the_shell(records):
    proc = subprocess.run(
        [sys.executable, "-m", "hypokit", "check", "--registry", str(records),
         "--as-of", "2027-06-01"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "expired_learning" in proc.stdout


def test_check_and_learnings_report_a_contradicted_learning(capsys, tmp_path):
    registry = reorder_registry(tmp_path)
    drafts = registry.conclude(
        "reorder-again", proportion_result(REORDER), as_of=dt.date(2026, 11, 10)
    )
    registry.save_conclusion(drafts)
    where = str(registry.path)
    code, out, _ = run(capsys, "check", "--registry", where, "--as-of", AS_OF)
    assert code == 1
    assert out.splitlines()[0] == (
        "contradicted_learning: hypothesis 'reminders' (hypotheses/reminders.yaml) is running "
        "and cites learning 'reorder-works', which is contradicted by "
        "'reorder-again-2026-11-10': revisit the reasoning."
    )
    code, out, _ = run(capsys, "learnings", "--registry", where, "--as-of", AS_OF)
    assert code == 0
    (line,) = [x for x in out.splitlines() if x.split()[0] == "reorder-works"]
    assert "contradicted" in line.split()
    assert line.rstrip().endswith("reorder-again-2026-11-10")
    assert out.splitlines()[0].split()[-1] == "contradicted_by"
    code, out, _ = run(
        capsys, "learnings", "--registry", where, "--as-of", AS_OF, "--format", "json"
    )
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["reorder-works"]["status"] == "contradicted"
    assert rows["reorder-works"]["contradicted_by"] == "reorder-again-2026-11-10"


def test_okr_prints_current_value_and_progress(capsys, records):
    code, out, _ = run(capsys, "okr", "--registry", str(records))
    header, row = out.splitlines()[:2]
    assert header.split()[4:10] == ["baseline", "target", "current", "progress", "measured",
                                    "deadline"]  # fmt: skip
    assert row.split()[:2] == ["checkout", "kr-conversion"]
    assert row.split()[-6:-2] == ["—", "—", "—", "2026-12-31"]  # not measured yet
    Registry(records).record_progress(
        "kr-conversion", 0.079, as_of=dt.date(2026, 11, 10), source="bi-dashboard"
    )
    code, out, _ = run(capsys, "okr", "--registry", str(records))
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split()[-1] == "source"
    assert row.split()[-9:] == [
        "0.075", "0.085", "0.079", "40%", "2026-11-10", "2026-12-31", "1", "1", "bi-dashboard",
    ]  # fmt: skip
    assert "│   kr-conversion: 40% of the way (0.079 on 2026-11-10; 0.075 → 0.085)" in out
    code, out, _ = run(capsys, "okr", "--registry", str(records), "--format", "json")
    (row,) = json.loads(out)
    assert (row["current"], row["progress"], row["source"]) == (0.079, 0.4, "bi-dashboard")
    code, out, _ = run(capsys, "okr", "--registry", str(records), "--mermaid")
    assert "<br/>kr-conversion: 40% of the way" in out


@pytest.mark.parametrize(
    "command",
    [["check", "--as-of", AS_OF], ["learnings", "--as-of", AS_OF], ["okr"], ["okr", "--mermaid"],
     ["hypotheses"], ["learnings", "retire", "payment-step", "--as-of", AS_OF]],
    ids=" ".join,
)  # fmt: skip
@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_registry_that_is_not_a_folder_exits_2_naming_it(capsys, tmp_path, command, kind):
    where = tmp_path / "does-not-exist"
    if kind == "file":
        where = tmp_path / "records.yaml"
        where.write_text("id: checkout\n")
    code, out, err = run(capsys, *command, "--registry", str(where))
    assert code == 2
    assert out == ""
    (line,) = err.splitlines()
    expected = "no such folder" if kind == "missing" else "is a file; a registry is a folder"
    assert line.startswith(f"hypokit {command[0]}: error: --registry {where}: {expected}")
    assert not (tmp_path / "does-not-exist").exists()  # nothing was created


def test_a_mistyped_registry_fails_in_ci(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hypokit", "check", "--registry", "does-not-exist",
         "--as-of", AS_OF],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "hypokit check: error: --registry does-not-exist: no such folder; pass the registry's "
        "folder (--registry DIR or $HYPOKIT_REGISTRY).\n"
    )


def test_the_old_json_flag_still_means_format_json(capsys, records):
    code, new, _ = run(
        capsys, "hypotheses", "--registry", str(records), "--all", "--format", "json"
    )
    code_old, old, _ = run(capsys, "hypotheses", "--registry", str(records), "--all", "--json")
    assert code == code_old == 0
    assert old == new
    assert json.loads(new)
