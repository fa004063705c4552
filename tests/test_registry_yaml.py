"""How the registry reads and writes YAML: the fast reader and comments kept on saves."""

import datetime as dt

import pytest
import yaml

from hypokit._records import SegmentCriteria
from hypokit._registry import Registry, _BadYamlError, _parse

# Documents of every shape a hand-written record may take.
DOCUMENTS = [
    "id: a\ntitle: plain\n",
    "id: a\nn: 12\nx: 0.5\ny: 1.0e-05\nz: .inf\nflag: yes\nnothing: ~\nempty:\nday: 2026-11-10\n",
    "id: a\nwhen: 2026-11-10 10:30:00\nquoted: '2026-11-10'\noctal: 0o17\nold_octal: 017\n",
    "id: a\nlist:\n  - one\n  - 2\n  - [3, 4]\nnested: {a: {b: {c: [1, {d: e}]}}}\n",
    "id: a\ntext: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "id: a\nbase: &b [1, 2]\nagain: *b\nmap: &m {k: v}\ncopy: *m\nword: &w hello\nsame: *w\n",
    "id: a\nbase: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # a merge key: the slow way
    "id: a\nset: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\nbin: !!binary aGk=\n",
    "id: a\nstr: !!str 12\nint: !!int '12'\nfloat: !!float '1'\nbool: !!bool 'true'\n",
    "- a\n- b\n",
    "just text\n",
    "{}\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_fast_reader_reads_what_pyyaml_reads(text):
    _, data = _parse(text)
    expected = yaml.load(text, Loader=yaml.SafeLoader)
    assert data == expected
    assert type(data) is type(expected)
    if isinstance(data, dict) and "again" in data:
        assert data["again"] is data["base"]  # an alias is its anchor's object, as in PyYAML


def test_a_key_that_is_a_list_is_refused_as_pyyaml_does():
    with pytest.raises(yaml.constructor.ConstructorError, match="found unhashable key"):
        _parse("id: a\n? [1, 2]\n: a list as a key\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: 1\nb: 2\na: 3\n", "given twice, on lines 1 and 3"),
        ("day: 2026-02-30\n", "not a valid date"),
        ("n: !!int ''\n", "not a valid whole number"),
        ("a: &x [1, *x]\n", "an alias refers to the value that contains it"),
    ],
)
def test_the_fast_reader_refuses_what_the_checks_refuse(text, problem):
    with pytest.raises(_BadYamlError, match=problem):
        _parse(text)


def test_unsafe_tags_are_never_constructed():
    with pytest.raises(yaml.constructor.ConstructorError, match="python/object"):
        _parse("a: !!python/object/apply:os.system ['true']\n")


# ------------------------------------------------------------ comments kept on saves
HYPOTHESIS = """\
# owner: growth team (ask Dana before archiving)
id: express-pay
# why: paying takes five steps today
change: add express pay to the cart  # the idea from the offsite
metric: converted
expected_effect: 0.10
time_frame_days: 21
key_result: kr-conversion
because: paying takes new customers five steps
criteria:
  # the segment that matters most
  - segment: new  # first-time buyers
    min_effect: 0.05
  - segment: returning
    priority: 2  # less important
learnings:
  - payment-step
status: idea
"""

LEARNING = """\
# owner: research
id: payment-step
believed: new customers leave at login
# from the funnel dashboard
observed: they leave at the payment step  # 60% of them
learned: payment loses new customers
decision: pivot
evidence:
  # the funnel, September
  - kind: analytics
    sample_size: 12000
recorded: 2026-09-01
"""

AS_OF = "2026-11-10"


def comment_lines(text):
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def keys(text):
    return [line.split(":", 1)[0] for line in text.splitlines() if line[:1].isalpha()]


def in_order(original, now):
    """Every key of ``original`` that is still in ``now`` comes in the same order."""
    kept = [k for k in now if k in original]
    return kept == [k for k in original if k in now]


@pytest.fixture
def folder(tmp_path):
    from tests.test_registry import experiment, key_result, objective

    root = tmp_path / "records"
    registry = Registry(root)
    registry.save(objective())
    registry.save(key_result())
    registry.save(experiment(status="planned", start=None, planned_end=None))
    for rel, text in (("hypotheses/express-pay.yaml", HYPOTHESIS),
                      ("learnings/payment-step.yaml", LEARNING)):  # fmt: skip
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_text(text)
    kr = root / "key_results" / "kr-conversion.yaml"
    kr.write_text("# owner: finance\n" + kr.read_text().replace("\nbaseline:", "  # Q3\nbaseline:"))
    assert Registry(root).errors == []
    return root


def test_comments_and_key_order_survive_ten_edits_through_forms_cli_and_api(folder, capsys):
    from hypokit._cli import main
    from hypokit.widgets import HypothesisForm, LearningForm

    h_file = folder / "hypotheses" / "express-pay.yaml"
    l_file = folder / "learnings" / "payment-step.yaml"
    h_comments, l_comments = comment_lines(HYPOTHESIS), comment_lines(LEARNING)
    h_keys, l_keys = keys(HYPOTHESIS), keys(LEARNING)

    def cli(*args):
        assert main([*args, "--registry", str(folder), "--as-of", AS_OF]) == 0, capsys.readouterr()

    def kept():
        for file, comments, order in ((h_file, h_comments, h_keys), (l_file, l_comments, l_keys)):
            text = file.read_text()
            assert comment_lines(text) == comments, text
            assert in_order(order, keys(text)), text
            assert text.startswith("# owner: "), text
        return Registry(folder)

    # 1. the hypothesis form
    form = HypothesisForm(folder, as_of=AS_OF, hypothesis_id="express-pay")
    form.fields["because"].value = "paying takes new customers six steps"
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/express-pay.yaml"]
    assert kept().get("express-pay").because == "paying takes new customers six steps"
    assert "expected_effect: 0.10\n" in h_file.read_text()  # unchanged values keep their text
    # 2. the learning form
    form = LearningForm(folder, as_of=AS_OF, learning_id="payment-step")
    form.fields["learned"].value = "payment, not login, loses new customers"
    form.save_button.click()
    assert kept().get("payment-step").learned == "payment, not login, loses new customers"
    # 3, 4. the command line: renew a learning, plan the hypothesis
    cli("learnings", "renew", "payment-step", "--until", "2027-06-30")
    assert kept().get("payment-step").expires == dt.date(2027, 6, 30)
    cli("hypotheses", "plan", "express-pay")
    assert kept().get("express-pay").status == "planned"
    # 5. the API: a changed value in a nested list, a new criterion
    registry = Registry(folder)
    h = registry.get("express-pay")
    criteria = [h.criteria[0], h.criteria[1].model_copy(update={"priority": 3}),
                SegmentCriteria(segment="business", min_effect=0.2)]  # fmt: skip
    registry.save(h.model_copy(update={"criteria": criteria}))
    saved = kept().get("express-pay")
    assert [(c.segment, c.priority) for c in saved.criteria] == [
        ("new", 1),
        ("returning", 3),
        ("business", 1),
    ]
    assert "priority: 3  # less important\n" in h_file.read_text()
    # 6. the command line starts it (and its planned experiment)
    cli("hypotheses", "start", "express-pay")
    assert kept().get("express-pay").status == "running"
    assert Registry(folder).get("express-pay-test").status == "running"
    # 7. the API: progress on the key result, then the hypothesis moved back to planned
    registry = Registry(folder)
    registry.record_progress("kr-conversion", 0.08, as_of=AS_OF)
    kr = (folder / "key_results" / "kr-conversion.yaml").read_text()
    assert kr.startswith("# owner: finance\n")
    assert "  # Q3\n" in kr
    assert Registry(folder).get("kr-conversion").current == 0.08
    registry.move("express-pay", "planned", as_of=dt.date(2026, 11, 11))
    assert kept().get("express-pay").status == "planned"
    # 8. the command line moves it, 9. retires the learning
    cli("hypotheses", "move", "express-pay", "archived")
    cli("learnings", "retire", "payment-step")
    final = kept()
    assert final.get("express-pay").status == "archived"
    assert final.get("payment-step").retired == dt.date(2026, 11, 10)
    # 10. the API: a field removed (the reason), another changed
    final.save(final.get("express-pay").model_copy(update={"because": "", "metric": "paid"}))
    text = h_file.read_text()
    assert "because" not in text
    assert "metric: paid\n" in text
    assert comment_lines(text) == h_comments
    assert Registry(folder).errors == []
    # The files read as the records they hold, and a fresh save of them would too.
    again = Registry(folder)
    for record in again:
        assert again.get(record.id) == record
    assert Registry(folder).check(as_of=dt.date(2026, 11, 12)) is not None


def _saved(tmp_path, text, change):
    """Write ``text`` as objective ``o``, save it changed by ``change``; the new text."""
    from hypokit._records import Objective

    (tmp_path / "objectives").mkdir(parents=True, exist_ok=True)
    (tmp_path / "objectives" / "o.yaml").write_text(text)
    registry = Registry(tmp_path)
    assert registry.errors == []
    record = registry.get("o", Objective).model_copy(update=change)
    registry.save(record)
    again = Registry(tmp_path)
    assert again.get("o") == record  # the values are right, whatever the path taken
    return (tmp_path / "objectives" / "o.yaml").read_text()


def test_a_file_as_hypokit_writes_it_is_written_as_before(tmp_path):
    from hypokit._records import Objective
    from hypokit._registry import to_yaml

    old = Objective(id="o", title="Before", description="a\nb")
    text = _saved(tmp_path, to_yaml(old), {"title": "After"})
    assert text == to_yaml(old.model_copy(update={"title": "After"}))


def test_the_users_key_order_is_kept_and_new_keys_come_last_in_field_order(tmp_path):
    text = _saved(
        tmp_path,
        "title: Before  # t\nid: o\n",
        {"title": "yes", "description": "1_000", "end": dt.date(2027, 1, 1)},
    )
    # The comment keeps its column; 'yes' and '1_000' are quoted, PyYAML would read them
    # as true and 1000.
    assert text == (
        "title: 'yes'   # t\nid: o\ndescription: '1_000'\nstatus: active\nend: 2027-01-01\n"
    )


def test_anchors_and_aliases_never_give_wrong_values(tmp_path):
    text = _saved(tmp_path, "# c\nid: o\ntitle: &t Same\ndescription: *t\n", {"title": "Other"})
    assert text.startswith("# c\nid: o\ntitle: Other\n")


def test_when_the_round_trip_fails_the_file_is_written_afresh(tmp_path, monkeypatch):
    import hypokit._yaml_edit

    def broken(*args):
        raise RuntimeError("no")

    monkeypatch.setattr(hypokit._yaml_edit, "edited", broken)
    assert _saved(tmp_path, "# c\nid: o\ntitle: Before\n", {"title": "After"}) == (
        "id: o\ntitle: After\nstatus: active\n"
    )
