"""The YAML registry: files, round trips, errors, safe writes, shelf life, tables, checks."""

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

import hypokit as hk
from hypokit._errors import RegistryError, ValidationError
from hypokit._findings import Finding
from hypokit._records import (
    ICE,
    Evidence,
    Experiment,
    Guardrail,
    Hypothesis,
    KeyResult,
    Learning,
    Objective,
    PlanSegment,
    SegmentCriteria,
)
from hypokit._registry import RecordFileError, Registry, to_yaml
from hypokit.datasets import checkout_experiment
from tests._counts import REORDER, SHARES, proportion_result

AS_OF = dt.date(2026, 11, 10)


def objective(**kw):
    return Objective(**{"id": "checkout", "title": "Make checkout effortless", **kw})


def key_result(**kw):
    fields = {
        "id": "kr-conversion",
        "objective": "checkout",
        "title": "Checkout conversion from 7.5% to 8.5%",
        "metric": "converted",
        "baseline": 0.075,
        "target": 0.085,
        "deadline": dt.date(2026, 12, 31),
    }
    return KeyResult(**{**fields, **kw})


def hypothesis(**kw):
    fields = {
        "id": "express-pay",
        "change": "add express pay to the cart",
        "metric": "converted",
        "outcome": "checkout conversion",
        "expected_effect": 0.1,
        "time_frame_days": 21,
        "key_result": "kr-conversion",
        "because": "paying takes new customers five steps",
        "learnings": ["payment-step"],
        "criteria": [
            SegmentCriteria(segment="new", min_effect=0.05),
            SegmentCriteria(segment="returning", priority=2),
            SegmentCriteria(
                segment="business",
                min_effect=None,
                priority=3,
                guardrails=[Guardrail(metric="converted", margin=0.05)],
            ),
        ],
        "status": "running",
        "ice": ICE(impact=8, confidence=6, ease=5),
    }
    return Hypothesis(**{**fields, **kw})


def experiment(**kw):
    fields = {
        "id": "express-pay-test",
        "hypothesis": "express-pay",
        "status": "running",
        "data_source": "warehouse.checkout_events",
        "start": dt.date(2026, 10, 19),
        "planned_end": dt.date(2026, 11, 16),
        "plan": [
            PlanSegment(segment="new", n_per_arm=17943, n_total=35886, days=24),
            PlanSegment(segment="returning", n_per_arm=6011, n_total=12022, days=14),
        ],
    }
    return Experiment(**{**fields, **kw})


def learning(**kw):
    fields = {
        "id": "payment-step",
        "believed": "new customers leave at login",
        "observed": "60% of new customers who leave do so on the payment step",
        "learned": "payment, not login, loses new customers",
        "decision": "pivot",
        "evidence": [Evidence(kind="analytics", sample_size=12000, segment="new")],
        "segments": ["new"],
        "context": {"audience": "customers", "objective": "checkout", "method": "funnel"},
        "recorded": dt.date(2026, 9, 1),
    }
    return Learning(**{**fields, **kw})


def fill(registry, *records):
    for record in records:
        registry.save(record)
    return registry


@pytest.fixture
def registry(tmp_path):
    """A clean registry: one record of each kind, all linked, nothing to report."""
    return fill(
        Registry(tmp_path / "records"),
        objective(),
        key_result(),
        hypothesis(),
        experiment(),
        learning(),
    )


@pytest.fixture(scope="module")
def result():
    return hk.analyze(
        checkout_experiment(),
        variant="variant",
        control="control",
        segments="segment",
        metrics=[hk.Proportion("converted")],
    )


def kinds(findings):
    return [f.kind for f in findings]


# ------------------------------------------------------------------------ files
def test_layout_one_file_per_record_grouped_by_kind(registry):
    root = registry.path
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        ".hypokit.lock",  # the lock that saves take
        ".hypokit.lock.holder",  # who holds it
        "experiments/express-pay-test.yaml",
        "hypotheses/express-pay.yaml",
        "key_results/kr-conversion.yaml",
        "learnings/payment-step.yaml",
        "objectives/checkout.yaml",
    ]


def test_files_are_plain_yaml_in_field_order(registry):
    text = (registry.path / "hypotheses" / "express-pay.yaml").read_text()
    assert text.startswith("id: express-pay\nchange: add express pay to the cart\n")
    assert "!!python" not in text
    data = yaml.safe_load(text)
    assert list(data) == [
        "id", "change", "metric", "outcome", "direction", "expected_effect", "relative",
        "time_frame_days", "audience", "key_result", "because", "learnings", "criteria",
        "status", "ice",
    ]  # fmt: skip
    assert data["criteria"][0] == {"segment": "new", "min_effect": 0.05, "priority": 1}
    text = (registry.path / "learnings" / "payment-step.yaml").read_text()
    assert "recorded: 2026-09-01\nexpires: 2026-12-30\n" in text  # dates, not strings


def test_multiline_text_is_a_block():
    text = to_yaml(objective(description="line one\nline two"))
    assert "description: |-\n  line one\n  line two\n" in text


@pytest.mark.parametrize(
    "record", [objective(), key_result(), hypothesis(), experiment(), learning()], ids=str
)
def test_round_trip_of_every_kind(tmp_path, record):
    first = Registry(tmp_path)
    path = first.save(record)
    again = Registry(tmp_path)
    assert again.errors == []
    assert again.get(record.id) == record
    assert type(again.get(record.id)) is type(record)
    before = path.read_bytes()
    again.save(again.get(record.id))
    assert path.read_bytes() == before  # saving an unchanged record changes nothing


def test_round_trip_of_a_concluded_hypothesis_and_its_learning(tmp_path, result):
    registry = fill(Registry(tmp_path), objective(), key_result(), hypothesis(), experiment())
    drafts = registry.conclude("express-pay", result, as_of=AS_OF)
    for record in drafts:
        registry.save(record)
    again = Registry(tmp_path)
    assert again.get("express-pay") == drafts.hypothesis
    assert again.get(drafts.learning.id) == drafts.learning
    assert again.get("express-pay-test") == drafts.experiment


def test_no_temporary_files_are_left(registry):
    registry.save(hypothesis(title="renamed"))
    assert sorted(p.relative_to(registry.path) for p in registry.path.rglob(".*")) == [
        Path(".hypokit.lock"),
        Path(".hypokit.lock.holder"),
    ]


def test_get_records_and_containers(registry):
    assert registry.get("express-pay", Hypothesis).status == "running"
    assert [h.id for h in registry.records(Hypothesis)] == ["express-pay"]
    assert len(registry) == 5
    assert "checkout" in registry
    assert "nope" not in registry
    assert [r.kind for r in registry] == [
        "experiment", "hypothesis", "key_result", "learning", "objective",
    ]  # fmt: skip
    assert registry.path_of("checkout") == registry.path / "objectives" / "checkout.yaml"
    assert "1 hypotheses" in repr(registry)
    with pytest.raises(RegistryError, match=r"no record 'express-py' .*did you mean 'express-pay'"):
        registry.get("express-py")
    with pytest.raises(RegistryError, match="'checkout' is a objective, not a hypothesis"):
        registry.get("checkout", Hypothesis)


def test_an_empty_or_missing_folder_is_an_empty_registry(tmp_path):
    registry = Registry(tmp_path / "not-yet")
    assert len(registry) == 0
    assert registry.check(as_of=AS_OF) == []
    assert registry.learnings(as_of=AS_OF).empty
    assert not (tmp_path / "not-yet").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(RegistryError, match="is a file; a registry is a folder"):
        Registry(tmp_path / "file")


# ----------------------------------------------------------------- malformed files
def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


GOOD = "id: checkout\ntitle: Make checkout effortless\n"


def test_bad_yaml_names_the_file_and_line_and_the_rest_loads(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", GOOD)
    path = write(
        tmp_path,
        "hypotheses/broken.yaml",
        "id: broken\nchange: add express pay\nmetric: [converted\nexpected_effect: 0.1\n",
    )
    registry = Registry(tmp_path)
    assert registry.get("checkout").title == "Make checkout effortless"
    (error,) = registry.errors
    assert isinstance(error, RecordFileError)
    assert isinstance(error, RegistryError)
    assert error.path == path
    assert error.line == 4
    assert str(error).startswith("hypotheses/broken.yaml, line 4: not valid YAML")
    with pytest.raises(RegistryError, match=r"'broken' could not be read: hypotheses/broken\.yaml"):
        registry.get("broken")
    (finding,) = registry.check(as_of=AS_OF)
    assert finding.kind == "unreadable_file"
    assert finding.severity == "warning"
    assert "hypotheses/broken.yaml, line 4" in finding.message


def test_a_tab_indent_is_reported_on_its_line(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", "id: checkout\ntitle: t\n\tstatus: active\n")
    (error,) = Registry(tmp_path).errors
    assert error.line == 3


def test_a_wrong_type_names_the_field_and_its_line(tmp_path):
    write(
        tmp_path,
        "hypotheses/express-pay.yaml",
        "id: express-pay\nchange: add express pay\nmetric: converted\n"
        "expected_effect: 0.1\ntime_frame_days: a week\n",
    )
    (error,) = Registry(tmp_path).errors
    assert error.field == "time_frame_days"
    assert error.line == 5
    assert str(error) == (
        "hypotheses/express-pay.yaml, line 5: field 'time_frame_days' == 'a week': "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_a_nested_wrong_value_names_its_path_and_line(tmp_path):
    write(
        tmp_path,
        "hypotheses/express-pay.yaml",
        "id: express-pay\nchange: add express pay\nmetric: converted\nexpected_effect: 0.1\n"
        "time_frame_days: 7\ncriteria:\n  - segment: new\n  - segment: returning\n"
        "    min_effect: -0.1\n",
    )
    (error,) = Registry(tmp_path).errors
    assert error.field == "criteria[1].min_effect"
    assert error.line == 9
    assert "field 'criteria[1].min_effect' == -0.1" in str(error)


def test_an_unknown_field_names_the_file_and_field(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", GOOD + "titel: typo\nowner: ana\n")
    (error,) = Registry(tmp_path).errors
    assert error.field == "titel"
    assert error.line == 3
    assert str(error) == (
        "objectives/checkout.yaml, line 3: unknown field 'titel' (did you mean 'title'?)"
    )


def test_missing_fields_are_named(tmp_path):
    write(tmp_path, "key_results/kr.yaml", "id: kr\nobjective: checkout\nmetric: converted\n")
    (error,) = Registry(tmp_path).errors
    assert "field 'baseline' is missing" in str(error)
    assert "field 'deadline' is missing" in str(error)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("objectives/checkout.yaml", "", "the file is empty"),
        ("objectives/checkout.yaml", "- id: checkout\n", "should hold one objective"),
        ("objectives/other.yaml", GOOD, "id 'checkout' does not match the file name"),
        ("objectives/checkout.yml", GOOD, "rename it to checkout.yaml"),
        ("learnings/checkout.yaml", "id: checkout\n", "field 'believed' is missing"),
    ],
)
def test_other_malformed_files(tmp_path, name, text, message):
    write(tmp_path, name, text)
    registry = Registry(tmp_path)
    assert len(registry.errors) == 1
    assert message in str(registry.errors[0])


def test_non_utf8_and_duplicate_ids(tmp_path):
    (tmp_path / "objectives").mkdir()
    (tmp_path / "objectives" / "latin.yaml").write_bytes(b"id: latin\ntitle: caf\xe9\n")
    write(tmp_path, "objectives/checkout.yaml", GOOD)
    write(tmp_path, "learnings/checkout.yaml", "id: checkout\n")  # broken anyway
    write(
        tmp_path,
        "hypotheses/checkout.yaml",
        "id: checkout\nchange: c\nmetric: m\nexpected_effect: 1\ntime_frame_days: 1\n",
    )
    messages = [str(e) for e in Registry(tmp_path).errors]
    assert any(m.startswith("objectives/latin.yaml, line 2: not UTF-8 text") for m in messages)
    assert any(
        "hypotheses/checkout.yaml: id 'checkout' is already used by objectives/checkout.yaml" in m
        for m in messages
    )


def test_unsafe_yaml_tags_are_refused(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", "id: !!python/object:os.system ls\ntitle: t\n")
    (error,) = Registry(tmp_path).errors
    assert "not valid YAML" in str(error)


def test_hidden_and_other_files_are_ignored(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", GOOD)
    write(tmp_path, "objectives/.checkout.yaml.abc.tmp", "garbage: [")
    write(tmp_path, "objectives/README.md", "# notes")
    write(tmp_path, "README.md", "# records")
    registry = Registry(tmp_path)
    assert registry.errors == []
    assert len(registry) == 1


def test_saving_over_a_broken_file_repairs_it(tmp_path):
    write(tmp_path, "objectives/checkout.yaml", GOOD + "titel: typo\n")
    registry = Registry(tmp_path)
    assert len(registry.errors) == 1
    registry.save(objective())
    assert registry.errors == []
    assert Registry(tmp_path).errors == []


# --------------------------------------------------------------------- safe writes
def test_a_record_changed_on_disk_since_it_was_read_is_not_overwritten(registry):
    mine = Registry(registry.path)
    theirs = Registry(registry.path)
    theirs.save(hypothesis(title="their edit"))
    with pytest.raises(RegistryError, match=r"hypotheses/express-pay\.yaml changed on disk since"):
        mine.save(hypothesis(title="my edit"))
    assert Registry(registry.path).get("express-pay", Hypothesis).title == "their edit"
    mine.reload()
    mine.save(mine.get("express-pay", Hypothesis).model_copy(update={"because": "both"}))
    merged = Registry(registry.path).get("express-pay", Hypothesis)
    assert (merged.title, merged.because) == ("their edit", "both")


def test_a_hand_edit_is_not_overwritten(registry):
    path = registry.path / "objectives" / "checkout.yaml"
    path.write_text(path.read_text() + "owner: ana\n")
    with pytest.raises(RegistryError, match="changed on disk"):
        registry.save(objective(title="New title"))
    assert "owner: ana" in path.read_text()


def test_a_record_created_or_deleted_elsewhere_is_not_overwritten(registry):
    mine = Registry(registry.path)
    Registry(registry.path).save(objective(id="retention", title="Keep customers"))
    with pytest.raises(RegistryError, match="was created on disk after this registry read"):
        mine.save(objective(id="retention", title="Mine"))
    (registry.path / "objectives" / "checkout.yaml").unlink()
    with pytest.raises(RegistryError, match="was deleted on disk since this registry read it"):
        mine.save(objective(title="Mine"))


def test_save_validates_copies_again(registry):
    bad = registry.get("express-pay", Hypothesis).model_copy(update={"time_frame_days": 0})
    with pytest.raises(
        RegistryError, match="hypothesis 'express-pay' cannot be saved: field 'time_"
    ):
        registry.save(bad)


def test_save_enforces_status_transitions(registry):
    h = registry.get("express-pay", Hypothesis)
    with pytest.raises(RegistryError, match="status 'running' → 'idea' is not allowed"):
        registry.save(h.model_copy(update={"status": "idea"}))
    registry.save(h.transition("inconclusive"))
    registry.save(registry.get("express-pay", Hypothesis).transition("running"))
    assert Registry(registry.path).get("express-pay", Hypothesis).status == "running"


def test_ids_are_unique_across_kinds(registry):
    with pytest.raises(RegistryError, match="id 'checkout' is already used by the objective"):
        registry.save(hypothesis(id="checkout"))


def test_delete(registry):
    with pytest.raises(RegistryError, match="learnings are kept, even expired ones"):
        registry.delete("payment-step")
    registry.delete("express-pay-test")
    assert "express-pay-test" not in registry
    assert "express-pay-test" not in Registry(registry.path)
    path = registry.path / "hypotheses" / "express-pay.yaml"
    path.write_text(path.read_text() + "title: edited\n")
    with pytest.raises(RegistryError, match="changed on disk"):
        registry.delete("express-pay")
    assert path.exists()


def test_renew_and_retire_are_saved(registry):
    renewed = registry.renew("payment-step", dt.date(2027, 6, 30), as_of=dt.date(2026, 12, 1))
    assert renewed.expires == dt.date(2027, 6, 30)
    on_disk = Registry(registry.path).get("payment-step", Learning)
    assert on_disk.revalidated == dt.date(2026, 12, 1)
    retired = registry.retire("payment-step", as_of=dt.date(2026, 12, 2))
    assert Registry(registry.path).get("payment-step", Learning) == retired
    with pytest.raises(RegistryError, match="already retired"):
        registry.retire("payment-step", as_of=dt.date(2026, 12, 3))
    with pytest.raises(RegistryError, match="is retired; it cannot be renewed"):
        registry.renew("payment-step", dt.date(2027, 6, 30), as_of=dt.date(2026, 12, 3))
    with pytest.raises(RegistryError, match="'checkout' is a objective, not a learning"):
        registry.retire("checkout", as_of=dt.date(2026, 12, 3))


# ----------------------------------------------------------------------- shelf life
def test_default_shelf_life_without_pyproject(tmp_path):
    registry = Registry(tmp_path / "records")
    if registry.pyproject is not None:  # pragma: no cover - a pyproject above /tmp
        pytest.skip(f"found {registry.pyproject} above the temporary folder")
    assert registry.shelf_life["ab_test"] == 180


def test_shelf_life_from_the_nearest_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.hypokit.shelf_life]\nab_test = 999\n")
    project = tmp_path / "project"
    (project / "records" / "learnings").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hypokit.shelf_life]\nab_test = 365\nusability = 30\n'
    )
    write(
        project / "records",
        "learnings/checkout-usability.yaml",
        "id: checkout-usability\nbelieved: b\nobserved: o\nlearned: l\ndecision: persevere\n"
        "evidence:\n  - kind: usability\nrecorded: 2026-01-01\n",
    )
    write(
        project / "records",
        "learnings/ab.yaml",
        "id: ab\nbelieved: b\nobserved: o\nlearned: l\ndecision: persevere\n"
        "evidence:\n  - kind: ab_test\nrecorded: 2026-01-01\n",
    )
    registry = Registry(project / "records")
    assert registry.errors == []
    assert registry.pyproject == (project / "pyproject.toml").resolve()
    assert registry.shelf_life["ab_test"] == 365
    assert registry.shelf_life["usability"] == 30
    assert registry.shelf_life["qualitative"] == 90  # defaults stay
    assert registry.get("checkout-usability", Learning).expires == dt.date(2026, 1, 31)
    assert registry.get("ab", Learning).expires == dt.date(2027, 1, 1)
    # Saving writes the expiry out, so the file says when it expires.
    registry.save(registry.get("ab"))
    assert "expires: 2027-01-01" in (project / "records" / "learnings" / "ab.yaml").read_text()
    draft = Learning.create(
        shelf_life=registry.shelf_life,
        **{**learning().to_dict(), "expires": None, "evidence": [{"kind": "ab_test"}]},
    )
    assert draft.expires == dt.date(2026, 9, 1) + dt.timedelta(days=365)


def test_a_pyproject_without_the_section_gives_the_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    registry = Registry(tmp_path / "records")
    assert registry.pyproject == (tmp_path / "pyproject.toml").resolve()
    assert registry.shelf_life["ab_test"] == 180


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.hypokit.shelf_life\n", "not valid TOML"),
        ("[tool.hypokit]\nshelf_life = 3\n", "must be a table"),
        ("[tool.hypokit.shelf_life]\nab_test = 0\n", "ab_test == 0, must be a whole number"),
        ('[tool.hypokit.shelf_life]\nab_test = "long"\n', "ab_test == 'long'"),
        ('[tool.hypokit.shelf_life]\n"A/B" = 3\n', "is not a valid id"),
    ],
)
def test_a_bad_shelf_life_names_the_pyproject(tmp_path, toml, message):
    (tmp_path / "pyproject.toml").write_text(toml)
    with pytest.raises(RegistryError, match=r"pyproject\.toml") as info:
        Registry(tmp_path / "records")
    assert message in str(info.value)


# ------------------------------------------------------------------------ tables
def learnings_registry(tmp_path):
    base = {"believed": "b", "observed": "o", "learned": "l", "decision": "persevere"}
    ab = [Evidence(kind="ab_test")]
    return fill(
        Registry(tmp_path),
        # recorded 2026-01-01 + 90 days: expired on 2026-04-01
        Learning(id="old", evidence=[Evidence(kind="qualitative")], segments=["new"],
                 recorded=dt.date(2026, 1, 1), **base),
        # expires 2026-06-10: due for review on 2026-06-01
        Learning(id="soon", evidence=ab, recorded=dt.date(2026, 1, 1),
                 expires=dt.date(2026, 6, 10), segments=["new", "returning"], **base),
        Learning(id="fresh", evidence=ab, recorded=dt.date(2026, 5, 1),
                 segments=["business"], contradicts=["old"], **base),
        Learning(id="gone", evidence=ab, recorded=dt.date(2026, 1, 1),
                 retired=dt.date(2026, 2, 1), **base),
    )  # fmt: skip


JUNE = dt.date(2026, 6, 1)


def test_learnings_table(tmp_path):
    table = learnings_registry(tmp_path).learnings(as_of=JUNE)
    assert list(table.columns) == [
        "id", "title", "status", "recorded", "expires", "days_left", "decision", "segments",
        "evidence", "objective", "hypothesis", "learned", "contradicted_by", "file",
    ]  # fmt: skip
    assert list(table["id"]) == ["old", "soon", "gone", "fresh"]  # soonest expiry first
    assert dict(zip(table["id"], table["status"], strict=True)) == {
        "gone": "retired",
        "old": "expired",
        "soon": "due for review",
        "fresh": "active",
    }
    row = table.set_index("id").loc["soon"]
    assert row["days_left"] == 9
    assert row["segments"] == "new, returning"
    assert row["file"] == "learnings/soon.yaml"
    assert table.set_index("id").loc["old", "contradicted_by"] == "fresh"


def test_learnings_filters(tmp_path):
    registry = learnings_registry(tmp_path)

    def ids(**kw):
        return list(registry.learnings(as_of=JUNE, **kw)["id"])

    assert ids(expired=True) == ["old"]
    assert ids(expired=False) == ["soon", "gone", "fresh"]
    assert ids(due_within=30) == ["soon"]
    assert ids(due_within=5) == []
    assert ids(expired=True, due_within=30) == ["old", "soon"]
    assert ids(segment="new") == ["old", "soon"]
    assert ids(segment="new", expired=False) == ["soon"]
    assert ids(segment="enterprise") == []
    # The same records on another day.
    assert list(registry.learnings(as_of=dt.date(2026, 3, 1), expired=True)["id"]) == []
    assert list(registry.learnings(as_of="2027-01-01", expired=True)["id"]) == [
        "old", "soon", "fresh",
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="due_within == -1, must be at least 0"):
        registry.learnings(as_of=JUNE, due_within=-1)
    with pytest.raises(ValidationError, match="as_of == 'June'"):
        registry.learnings(as_of="June")


def test_hypotheses_table_and_prioritize(registry):
    registry.save(
        hypothesis(id="one-click", change="offer one-click reorder", status="idea",
                   ice=ICE(impact=9, confidence=9, ease=9), learnings=[])
    )  # fmt: skip
    table = registry.hypotheses()
    assert list(table["id"]) == ["express-pay", "one-click"]
    row = table.iloc[0]
    assert row["segments"] == "new, returning, business"
    assert row["expected_effect"] == "+10%"
    assert row["ice"] == 240.0
    assert row["statement"].startswith("If we add express pay to the cart, checkout conversion")
    assert list(registry.hypotheses(status="idea")["id"]) == ["one-click"]
    assert list(registry.hypotheses(status=["running", "idea"])["id"]) == [
        "express-pay", "one-click",
    ]  # fmt: skip
    ranked = registry.prioritize()
    assert list(ranked["id"]) == ["one-click"]  # running ones are already being tested
    ranked = registry.prioritize(status=("idea", "running"))
    assert list(ranked["id"]) == ["one-click", "express-pay"]


def test_okr_table_and_impact_map(registry):
    registry.save(objective(id="retention", title="Keep customers"))
    table = registry.okr()
    assert list(table["objective"]) == ["checkout", "retention"]
    row = table.iloc[0]
    assert (row["key_result"], row["hypotheses"], row["running"]) == ("kr-conversion", 1, 1)
    assert pd.isna(table.iloc[1]["key_result"])
    tree = registry.impact_map("checkout").to_text()
    assert tree.splitlines()[0] == "Make checkout effortless (checkout)"
    assert "├── new customers" in tree
    assert "business" not in tree  # guardrail-only: not an actor
    assert "Keep customers" in registry.impact_map().to_text()
    assert registry.impact_map().to_mermaid().startswith("flowchart LR\n")


def test_okr_shows_current_value_and_progress(registry):
    table = registry.okr()
    assert list(table.columns) == [
        "objective", "objective_title", "objective_status", "key_result", "title", "metric",
        "baseline", "target", "deadline", "current", "measured", "progress", "source",
        "hypotheses", "running",
    ]  # fmt: skip
    row = table.iloc[0]
    assert pd.isna(row["current"])
    assert pd.isna(row["progress"])
    assert row["measured"] is None
    # kr-conversion: from 7.5% to 8.5%; 7.9% is 40% of the way.
    kr = registry.record_progress("kr-conversion", 0.079, as_of=AS_OF, source="bi dashboard")
    assert (kr.current, kr.measured, kr.source) == (0.079, AS_OF, "bi dashboard")
    row = Registry(registry.path).okr().iloc[0]  # saved
    assert (row["current"], row["measured"], row["source"]) == (0.079, AS_OF, "bi dashboard")
    assert row["progress"] == pytest.approx(0.4)
    text = (registry.path / "key_results" / "kr-conversion.yaml").read_text()
    assert text.endswith("current: 0.079\nmeasured: 2026-11-10\nsource: bi dashboard\n")


def test_record_progress_from_an_analysis_weighs_the_segment(registry):
    registry.save(key_result(baseline=0.04, target=0.05))
    result = proportion_result(SHARES)
    kr = registry.record_progress("kr-conversion", result, as_of=AS_OF, segment="new")
    # 0.04 + 0.25 × 0.007: new customers hold a quarter of the units.
    assert kr.current == pytest.approx(0.04175)
    assert kr.current_progress == pytest.approx(0.175)
    assert kr.source == (
        "analysis: 'variant' against 'control' shipped to new, 25.0% of the units, effect +0.007"
    )
    assert registry.okr().iloc[0]["progress"] == pytest.approx(0.175)
    kr = registry.record_progress(
        "kr-conversion", result, as_of="2026-11-12", source="reorder-again-test"
    )
    assert (kr.current, kr.measured, kr.source) == (
        pytest.approx(0.04175), dt.date(2026, 11, 12), "reorder-again-test",
    )  # fmt: skip


def test_record_progress_refusals_change_nothing(registry):
    path = registry.path / "key_results" / "kr-conversion.yaml"
    before = path.read_bytes()
    with pytest.raises(ValidationError, match=r"segment and variant choose an analysis's row"):
        registry.record_progress("kr-conversion", 0.08, as_of=AS_OF, segment="new")
    with pytest.raises(ValidationError, match="value == 'high', must be a number"):
        registry.record_progress("kr-conversion", "high", as_of=AS_OF)
    with pytest.raises(ValidationError, match="as_of == None, must be the date"):
        registry.record_progress("kr-conversion", 0.08, as_of=None)
    with pytest.raises(ValidationError, match="as_of == 'soon'"):
        registry.record_progress("kr-conversion", 0.08, as_of="soon")
    with pytest.raises(RegistryError, match="'express-pay' is a hypothesis, not a key_result"):
        registry.record_progress("express-pay", 0.08, as_of=AS_OF)
    assert path.read_bytes() == before


# ------------------------------------------------------------------------- checks
def test_a_clean_registry_has_no_findings(registry):
    assert registry.check(as_of=AS_OF) == []


def test_every_finding_is_a_warning_finding(registry):
    registry.save(experiment(planned_end=dt.date(2026, 11, 1)))
    (finding,) = registry.check(as_of=AS_OF)
    assert isinstance(finding, Finding)
    assert finding.severity == "warning"
    assert str(finding) == finding.message


def test_dangling_links(registry):
    registry.save(hypothesis(key_result="kr-missing", learnings=["payment-step", "checkout"]))
    registry.save(experiment(hypothesis="nope"))
    registry.save(
        learning(
            evidence=[Evidence(kind="analytics", experiments=["ghost-test"])],
            superseded_by="payment-step-v2",
        )
    )
    registry.save(key_result(objective="growth"))
    messages = [f.message for f in registry.check(as_of=AS_OF) if f.kind == "dangling_link"]
    assert messages == [
        "experiment 'express-pay-test' (experiments/express-pay-test.yaml): hypothesis 'nope' "
        "does not exist.",
        "hypothesis 'express-pay' (hypotheses/express-pay.yaml): key_result 'kr-missing' "
        "does not exist.",
        "hypothesis 'express-pay' (hypotheses/express-pay.yaml): learnings[1] 'checkout' "
        "is a objective, not a learning.",
        "key result 'kr-conversion' (key_results/kr-conversion.yaml): objective 'growth' "
        "does not exist.",
        "learning 'payment-step' (learnings/payment-step.yaml): evidence[0].experiments "
        "'ghost-test' does not exist.",
        "learning 'payment-step' (learnings/payment-step.yaml): superseded_by "
        "'payment-step-v2' does not exist.",
    ]


def test_an_open_hypothesis_citing_an_expired_learning(registry):
    # payment-step: analytics, recorded 2026-09-01, expires 2026-12-30.
    registry.save(experiment(status="concluded", end=AS_OF))
    registry.save(learning(id="test-result", evidence=[{"experiments": ["express-pay-test"]}]))
    assert kinds(registry.check(as_of=dt.date(2026, 12, 29))) == []
    later = registry.check(as_of=dt.date(2026, 12, 30))
    assert "expired_learning" in kinds(later)
    (finding,) = [f for f in later if f.kind == "expired_learning"]
    assert finding.message == (
        "hypothesis 'express-pay' (hypotheses/express-pay.yaml) is running and cites learning "
        "'payment-step', which expired on 2026-12-30: check it again (registry.renew) or stop "
        "relying on it."
    )
    # Renewed, it no longer counts; a concluded hypothesis is not checked.
    registry.renew("payment-step", dt.date(2027, 6, 30), as_of=dt.date(2026, 12, 30))
    assert "expired_learning" not in kinds(registry.check(as_of=dt.date(2026, 12, 31)))
    registry.save(hypothesis(status="validated"))
    assert "expired_learning" not in kinds(registry.check(as_of=dt.date(2027, 12, 31)))


def test_an_open_hypothesis_citing_a_contradicted_learning(registry):
    registry.save(
        learning(id="login-matters", recorded=dt.date(2026, 10, 1), contradicts=["payment-step"],
                 learned="login does lose new customers", decision="keep testing")
    )  # fmt: skip
    # Not yet contradicted before the contradicting learning was recorded.
    assert "contradicted_learning" not in kinds(registry.check(as_of=dt.date(2026, 9, 15)))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "contradicted_learning"]
    assert "cites learning 'payment-step', which is contradicted by 'login-matters'" in (
        finding.message
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"superseded_by": "checkout"}, "which was superseded by 'checkout'"),
        ({"retired": dt.date(2026, 10, 1)}, "which was retired on 2026-10-01"),
    ],
)
def test_a_superseded_or_retired_learning_counts_as_contradicted(registry, change, why):
    registry.save(registry.get("payment-step").model_copy(update=change))
    found = [f for f in registry.check(as_of=AS_OF) if f.kind == "contradicted_learning"]
    assert len(found) == 1
    assert why in found[0].message


def test_a_learning_whose_objective_is_no_longer_active(registry):
    registry.save(objective(status="abandoned"))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "inactive_objective"]
    assert finding.message.startswith(
        "learning 'payment-step' (learnings/payment-step.yaml) is about objective 'checkout', "
        "which is abandoned"
    )
    registry.save(objective(end=dt.date(2026, 10, 31)))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "inactive_objective"]
    assert "which is ended on 2026-10-31" in finding.message
    # An expired or retired learning is not reported: it is no longer relied on.
    registry.retire("payment-step", as_of=AS_OF)
    assert "inactive_objective" not in kinds(registry.check(as_of=AS_OF))


def test_a_running_experiment_past_its_planned_end(registry):
    # planned_end 2026-11-16
    assert "overdue_experiment" not in kinds(registry.check(as_of=dt.date(2026, 11, 16)))
    (finding,) = [
        f for f in registry.check(as_of=dt.date(2026, 11, 20)) if f.kind == "overdue_experiment"
    ]
    assert "is still running 4 day(s) after its planned end (2026-11-16)" in finding.message
    registry.save(experiment(status="stopped"))
    assert "overdue_experiment" not in kinds(registry.check(as_of=dt.date(2026, 11, 20)))


def test_a_concluded_experiment_without_a_learning(registry):
    registry.save(experiment(status="concluded", end=AS_OF))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "missing_learning"]
    assert finding.message.startswith(
        "experiment 'express-pay-test' (experiments/express-pay-test.yaml) is concluded but no "
        "learning records what it taught"
    )
    # A learning citing it in its evidence settles it ...
    registry.save(
        learning(id="express-pay-result", recorded=AS_OF,
                 evidence=[Evidence(kind="ab_test", experiments=["express-pay-test"])])
    )  # fmt: skip
    assert "missing_learning" not in kinds(registry.check(as_of=AS_OF))


def test_a_learning_of_the_hypothesis_after_the_start_also_counts(registry):
    registry.save(experiment(status="concluded", end=AS_OF))
    registry.save(learning(id="before", hypothesis="express-pay", recorded=dt.date(2026, 10, 1)))
    assert "missing_learning" in kinds(registry.check(as_of=AS_OF))
    registry.save(learning(id="after", hypothesis="express-pay", recorded=AS_OF))
    assert "missing_learning" not in kinds(registry.check(as_of=AS_OF))


def test_a_hypothesis_with_one_set_of_criteria_for_several_segments(registry):
    same = [SegmentCriteria(segment=s, min_effect=0.05) for s in ("new", "returning", "business")]
    registry.save(hypothesis(criteria=same))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "uniform_criteria"]
    assert finding.metric == "converted"
    assert "expects the same outcome in new, returning, business with one set of criteria" in (
        finding.message
    )
    # Priorities alone do not make the criteria differ; a different min effect does.
    same[1] = same[1].model_copy(update={"priority": 2})
    registry.save(hypothesis(criteria=same))
    assert "uniform_criteria" in kinds(registry.check(as_of=AS_OF))
    same[1] = same[1].model_copy(update={"min_effect": 0.02})
    registry.save(hypothesis(criteria=same))
    assert "uniform_criteria" not in kinds(registry.check(as_of=AS_OF))


def test_criteria_for_everyone_on_a_test_sized_per_segment(registry):
    registry.save(hypothesis(criteria=[SegmentCriteria(segment="(all)")]))
    (finding,) = [f for f in registry.check(as_of=AS_OF) if f.kind == "uniform_criteria"]
    assert "is tested in segments new, returning but has one set of criteria" in finding.message
    registry.save(hypothesis(criteria=[]))
    assert "uniform_criteria" in kinds(registry.check(as_of=AS_OF))
    registry.save(experiment(plan=[PlanSegment(segment="(all)", n_per_arm=10, n_total=20)]))
    assert "uniform_criteria" not in kinds(registry.check(as_of=AS_OF))


def test_check_lists_every_kind_at_once(registry):
    write(registry.path, "objectives/bad.yaml", "id: bad\ntitle: [\n")
    registry.reload()
    registry.save(
        hypothesis(
            key_result="nope", criteria=[SegmentCriteria(segment=s) for s in ("new", "returning")]
        )
    )
    registry.save(
        experiment(
            id="done-test",
            status="concluded",
            start=dt.date(2026, 12, 1),
            end=dt.date(2026, 12, 20),
            planned_end=dt.date(2026, 12, 20),
        )
    )
    registry.save(objective(status="missed"))
    registry.save(learning(id="contra", recorded=dt.date(2026, 12, 1), contradicts=["nothing"]))
    found = kinds(registry.check(as_of=dt.date(2026, 12, 31)))  # fmt: skip
    assert found == [
        "unreadable_file",
        "dangling_link",
        "dangling_link",
        "expired_learning",
        "inactive_objective",
        "overdue_experiment",
        "missing_learning",
        "uniform_criteria",
    ]


# ------------------------------------------------------------------------ conclude
def test_registry_conclude_fills_in_the_links(tmp_path, result):
    (tmp_path / "pyproject.toml").write_text("[tool.hypokit.shelf_life]\nab_test = 90\n")
    registry = fill(
        Registry(tmp_path / "records"), objective(), key_result(), hypothesis(), experiment(),
        learning(),
    )  # fmt: skip
    drafts = registry.conclude("express-pay", result, as_of=AS_OF)
    assert drafts.hypothesis.status == "invalidated"
    assert drafts.experiment is not None
    assert drafts.experiment.status == "concluded"
    assert drafts.experiment.verdicts == drafts.hypothesis.verdicts
    assert drafts.learning.context.objective == "checkout"
    assert drafts.learning.expires == AS_OF + dt.timedelta(days=90)
    assert all(e.experiments == ("express-pay-test",) for e in drafts.learning.evidence)
    named = registry.conclude("express-pay", result, as_of=AS_OF, experiment="express-pay-test")
    assert named == drafts
    # Nothing is saved until asked.
    assert registry.get("express-pay", Hypothesis).status == "running"
    for record in drafts:
        registry.save(record)
    assert registry.check(as_of=AS_OF) == []
    with pytest.raises(ValidationError, match="only a running one can be concluded"):
        registry.conclude("express-pay", result, as_of=AS_OF)  # concluded already


# ------------------------------------------------------------------ contradictions
JULY = dt.date(2026, 7, 6)


def reorder_registry(tmp_path, **old):
    """The issue's registry: a learning that a running hypothesis cites, and a re-test.

    ``reorder-works`` concluded ``reorder`` in July (one-click reorder lifted returning
    customers' conversion by 9%); ``reminders`` (running) rests on it; ``reorder-again``
    tests the same change again, with its experiment running. ``old`` replaces fields
    of ``reorder-works``.
    """
    base = {"metric": "converted", "expected_effect": 0.05, "time_frame_days": 14,
            "criteria": [SegmentCriteria(segment="returning")]}  # fmt: skip
    return fill(
        Registry(tmp_path / "records"),
        objective(),
        key_result(),
        hypothesis(id="reorder", change="Offer one-click reorder.", status="validated",
                   learnings=[], **base),
        Learning(
            **{
                "id": "reorder-works",
                "believed": "one-click reorder lifts reorders",
                "observed": "returning: converted +9.0% (95% CI +2.0% to +16.0%)",
                "learned": "returning customers reorder more with one click",
                "decision": "persevere",
                "hypothesis": "reorder",
                "evidence": [
                    Evidence(metric="converted", segment="returning", effect=0.09, ci_low=0.02,
                             ci_high=0.16, experiments=["reorder-test"])
                ],
                "recorded": JULY,
                **old,
            }
        ),
        Experiment(id="reorder-test", hypothesis="reorder", status="concluded",
                   start=dt.date(2026, 6, 8), end=JULY),
        hypothesis(id="reminders", change="remind returning customers to reorder",
                   status="running", learnings=["reorder-works"], **base),
        hypothesis(id="reorder-again", change="offer one-click  reorder", status="running",
                   learnings=[], **base),
        Experiment(id="reorder-again-test", hypothesis="reorder-again", status="running",
                   start=dt.date(2026, 10, 12)),
    )  # fmt: skip


@pytest.fixture(scope="module")
def reorder_result():
    return proportion_result(REORDER)


def test_conclude_finds_the_learning_of_the_same_change_it_contradicts(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    assert registry.check(as_of=AS_OF) == []
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    assert drafts.hypothesis.verdicts == {"returning": "not met"}
    # Not cited, but it concludes "Offer one-click reorder.": the same change.
    assert drafts.learning.contradicts == ("reorder-works",)
    # Nothing is saved until asked.
    assert registry.get("reorder-works", Learning).contradicted_by == ()


def test_a_cited_learning_counts_whatever_the_change(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    registry.save(hypothesis(id="reorder", change="another wording", status="validated",
                             learnings=[], metric="converted"))  # fmt: skip
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    assert drafts.learning.contradicts == ()  # the change differs, and it is not cited
    registry.reload()
    registry.save(registry.get("reorder-again", Hypothesis).model_copy(
        update={"learnings": ("reorder-works",)}))  # fmt: skip
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    assert drafts.learning.contradicts == ("reorder-works",)


@pytest.mark.parametrize(
    ("counts", "old", "why"),
    [
        ({"returning": {"control": (2800, 600), "variant": (2800, 580)}}, {},
         "the new interval includes zero"),
        ({}, {"evidence": [Evidence(metric="revenue", segment="returning", effect=0.09)]},
         "another metric"),
        ({}, {"evidence": [Evidence(metric="converted", segment="new", effect=0.09)]},
         "another segment"),
    ],
)  # fmt: skip
def test_no_contradiction(tmp_path, counts, old, why):
    registry = reorder_registry(tmp_path, **old)
    result = proportion_result({**REORDER, **counts})
    drafts = registry.conclude("reorder-again", result, as_of=AS_OF)
    assert drafts.learning.contradicts == (), why
    registry.save_conclusion(drafts)
    assert "contradicted_learning" not in kinds(registry.check(as_of=AS_OF)), why


def test_saving_the_conclusion_records_both_sides_and_check_names_it(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    written = registry.save_conclusion(drafts)
    assert [p.relative_to(registry.path).as_posix() for p in written] == [
        "learnings/reorder-again-2026-11-10.yaml",
        "learnings/reorder-works.yaml",
        "experiments/reorder-again-test.yaml",
        "hypotheses/reorder-again.yaml",
    ]
    again = Registry(registry.path)  # from the YAML files
    assert again.errors == []
    new, old = again.get("reorder-again-2026-11-10", Learning), again.get("reorder-works", Learning)
    assert new.contradicts == ("reorder-works",)
    assert old.contradicted_by == ("reorder-again-2026-11-10",)
    assert old.learned == "returning customers reorder more with one click"  # kept as it was
    assert again.get("reorder-again", Hypothesis).status == "invalidated"
    assert again.get("reorder-again-test", Experiment).status == "concluded"
    (ev,) = new.evidence
    assert (ev.significant, ev.p_adjusted) == (True, pytest.approx(0.0096, abs=5e-5))
    # The YAML reads as it should.
    text = (registry.path / "learnings" / "reorder-works.yaml").read_text()
    assert text.endswith("contradicted_by:\n  - reorder-again-2026-11-10\n")
    text = (registry.path / "learnings" / "reorder-again-2026-11-10.yaml").read_text()
    assert "contradicts:\n  - reorder-works\n" in text
    assert "  significant: true\n" in text
    # The running hypothesis that rests on the old learning is reported.
    (finding,) = again.check(as_of=AS_OF)
    assert finding.kind == "contradicted_learning"
    assert finding.message == (
        "hypothesis 'reminders' (hypotheses/reminders.yaml) is running and cites learning "
        "'reorder-works', which is contradicted by 'reorder-again-2026-11-10': revisit the "
        "reasoning."
    )
    # Not before the new learning was recorded.
    assert again.check(as_of=dt.date(2026, 11, 9)) == []
    table = again.learnings(as_of=AS_OF).set_index("id")
    assert table.loc["reorder-works", "status"] == "contradicted"
    assert table.loc["reorder-works", "contradicted_by"] == "reorder-again-2026-11-10"
    assert table.loc["reorder-again-2026-11-10", "status"] == "active"


def test_either_side_alone_is_enough_for_check(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    # Saved one by one, the old side is missing: the new learning's contradicts suffices.
    for record in drafts:
        registry.save(record)
    assert kinds(registry.check(as_of=AS_OF)) == ["contradicted_learning"]
    # Only the old side (a hand edit): contradicted_by suffices.
    registry.save(drafts.learning.model_copy(update={"contradicts": ()}))
    assert registry.check(as_of=AS_OF) == []
    registry.save(registry.get("reorder-works", Learning).contradicted(drafts.learning.id))
    assert kinds(registry.check(as_of=AS_OF)) == ["contradicted_learning"]
    # A retired contradicting learning no longer counts.
    registry.retire(drafts.learning.id, as_of=AS_OF)
    assert registry.check(as_of=dt.date(2026, 11, 11)) == []


def test_saving_the_conclusion_twice_loses_nothing(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    registry.save_conclusion(drafts)
    files = {p: p.read_bytes() for p in registry.path.rglob("*.yaml")}
    assert registry.save_conclusion(drafts) == []  # nothing to write
    assert Registry(registry.path).save_conclusion(drafts) == []  # nor from another session
    assert {p: p.read_bytes() for p in registry.path.rglob("*.yaml")} == files
    # A learning edited after saving is not overwritten by the older draft.
    edited = drafts.learning.model_copy(update={"learned": "One-click reorder hurts them."})
    registry.save(edited)
    with pytest.raises(RegistryError, match=r"learning 'reorder-again-2026-11-10' in "
                       r"learnings/reorder-again-2026-11-10.yaml differs from this "
                       r"conclusion's.*nothing was saved"):  # fmt: skip
        registry.save_conclusion(drafts)
    assert Registry(registry.path).get(edited.id) == edited


def test_a_later_conclusion_adds_to_contradicted_by(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    first = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    registry.save(hypothesis(id="reorder-mobile", change="offer one-click reorder",
                             status="running", learnings=[], metric="converted",
                             criteria=[SegmentCriteria(segment="returning")]))  # fmt: skip
    later = dt.date(2026, 11, 20)
    second = registry.conclude("reorder-mobile", reorder_result, as_of=later)
    assert second.learning.contradicts == ("reorder-works",)
    registry.save_conclusion(second)
    registry.save_conclusion(first)  # drafted earlier, saved later: both are kept
    registry.save_conclusion(second)
    assert registry.get("reorder-works", Learning).contradicted_by == (
        "reorder-mobile-2026-11-20",
        "reorder-again-2026-11-10",
    )


def test_a_bad_conclusion_writes_nothing(tmp_path, reorder_result):
    registry = reorder_registry(tmp_path)
    drafts = registry.conclude("reorder-again", reorder_result, as_of=AS_OF)
    files = {p: p.read_bytes() for p in registry.path.rglob("*.yaml")}
    ghost = drafts._replace(learning=drafts.learning.model_copy(update={"contradicts": ("ghost",)}))
    with pytest.raises(RegistryError, match="contradicts 'ghost', which does not exist"):
        registry.save_conclusion(ghost)
    wrong = drafts._replace(
        learning=drafts.learning.model_copy(update={"contradicts": ("reorder",)})
    )
    with pytest.raises(RegistryError, match="contradicts 'reorder', which is a hypothesis"):
        registry.save_conclusion(wrong)
    invalid = drafts._replace(learning=drafts.learning.model_copy(update={"believed": ""}))
    with pytest.raises(RegistryError, match="field 'believed'"):
        registry.save_conclusion(invalid)
    registry.save(registry.get("reorder-again", Hypothesis).transition("archived"))
    files = {p: p.read_bytes() for p in registry.path.rglob("*.yaml")}
    with pytest.raises(RegistryError, match=r"hypothesis 'reorder-again' \(archived\)"):
        registry.save_conclusion(drafts)
    assert {p: p.read_bytes() for p in registry.path.rglob("*.yaml")} == files
    with pytest.raises(RegistryError, match=r"must be what registry\.conclude returned"):
        registry.save_conclusion(tuple(drafts))


def test_file_permissions_are_kept(registry):
    path = registry.path / "objectives" / "checkout.yaml"
    os.chmod(path, 0o640)
    registry.reload()
    registry.save(objective(title="New"))
    assert (path.stat().st_mode & 0o777) == 0o640
