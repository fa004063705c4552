"""Hostile record files: each is reported, named with its line and field, and the rest loads.

A record file is hand-edited, merged by git and copied around; a bad one (or a hostile
one) must never stop the registry, hang it, or load as something it does not say. Every
case here checks that the good records still load, that loading wrote nothing, and the
exact error. The YAML cases run with libyaml and with PyYAML's pure-Python loader.
"""

import datetime as dt
import os
import string
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypokit._cli import main
from hypokit._errors import RegistryError
from hypokit._records import Learning, Objective
from hypokit._registry import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, Registry
from tests.hostile._registries import (
    AS_OF,
    GOOD_IDS,
    LEARNING,
    load_beside,
    loader,  # noqa: F401 - a fixture, used by pytestmark
    snapshot,
    write_good,
)

pytestmark = pytest.mark.usefixtures("loader")

FAST = 3.0  # seconds: far more than any of these takes; a hang or a blow-up takes minutes


# --------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("rel", "text", "line", "field", "message"),
    [
        (
            "learnings/hostile.yaml",
            LEARNING.replace("2026-09-01", "2026-02-30"),
            8,
            "recorded",
            "field 'recorded' == '2026-02-30': not a valid date (day is out of range for month)",
        ),
        (
            "objectives/hostile.yaml",
            "id: hostile\ntitle: t\nend: 2026-13-01\n",
            3,
            "end",
            "field 'end' == '2026-13-01': not a valid date (month must be in 1..12)",
        ),
        (
            "key_results/hostile.yaml",
            "id: hostile\nobjective: checkout\nmetric: m\nbaseline: 0\ntarget: 1\n"
            "deadline: 2026-04-31\n",
            6,
            "deadline",
            "field 'deadline' == '2026-04-31': not a valid date (day is out of range for month)",
        ),
        (
            "objectives/hostile.yaml",
            "id: hostile\ntitle: t\nstart: 2026-01-01 25:00:00\n",
            3,
            "start",
            "field 'start' == '2026-01-01 25:00:00': not a valid date (hour must be in 0..23)",
        ),
        (
            "objectives/hostile.yaml",
            "id: hostile\ntitle: t\nstart: !!timestamp next tuesday\n",
            3,
            "start",
            "field 'start' == 'next tuesday': not a valid date",
        ),
    ],
    ids=["feb-30", "month-13", "apr-31", "hour-25", "tagged-words"],
)
def test_an_impossible_date_names_the_field_and_line(tmp_path, rel, text, line, field, message):
    _, error = load_beside(tmp_path, rel, text)
    assert str(error) == f"{rel}, line {line}: {message}"
    assert (error.line, error.field) == (line, field)


def test_a_default_expiry_past_the_last_date_names_recorded(tmp_path):
    text = LEARNING.replace("2026-09-01", "9999-12-20")
    registry, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert str(error) == (
        "learnings/hostile.yaml, line 8: field 'recorded': 9999-12-20 plus the shelf life of "
        "ab_test evidence (180 days) is past 9999-12-31, the last date there is: give "
        "expires, or correct recorded"
    )
    assert (error.line, error.field) == (8, "recorded")
    with pytest.raises(RegistryError, match="'hostile' could not be read: learnings/hostile"):
        registry.get("hostile")


def test_the_shortest_shelf_life_is_the_one_named(tmp_path):
    text = LEARNING.replace("2026-09-01", "9999-12-20").replace(
        "  - kind: ab_test\n", "  - kind: ab_test\n  - kind: qualitative\n"
    )
    _, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert "9999-12-20 plus the shelf life of qualitative evidence (90 days)" in str(error)
    assert error.line == 9


def test_a_late_date_with_its_expiry_given_loads(tmp_path):
    write_good(tmp_path)
    text = LEARNING.replace("2026-09-01", "9999-12-20") + "expires: 9999-12-31\n"
    (tmp_path / "learnings" / "hostile.yaml").write_text(text)
    registry = Registry(tmp_path)
    assert registry.errors == []
    assert registry.get("hostile", Learning).expires == dt.date.max
    assert registry.learnings(as_of=AS_OF).set_index("id").loc["hostile", "status"] == "active"


def test_a_long_shelf_life_from_pyproject_that_overflows_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.hypokit.shelf_life]\nab_test = 36500\n")
    root = tmp_path / "records"
    _, error = load_beside(
        root, "learnings/hostile.yaml", LEARNING.replace("2026-09-01", "9950-01-01")
    )
    assert "9950-01-01 plus the shelf life of ab_test evidence (36500 days)" in str(error)


# ------------------------------------------------------------------- duplicate keys
@pytest.mark.parametrize(
    ("text", "line", "field", "first"),
    [
        ("id: hostile\ntitle: Ours\ndescription: d\ntitle: Theirs\n", 4, "title", 2),
        ("id: hostile\ntitle: Ours\n'title': Theirs\n", 3, "title", 2),
        ("id: hostile\ntitle: t\nstatus: active\nstatus: achieved\n", 4, "status", 3),
        ("id: hostile\nid: other\ntitle: t\n", 2, "id", 1),
    ],
    ids=["title", "quoted", "status", "id"],
)
def test_a_key_given_twice_names_the_key_and_both_lines(tmp_path, text, line, field, first):
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert str(error) == (
        f"objectives/hostile.yaml, line {line}: field {field!r}: given twice, on lines "
        f"{first} and {line} (a merge that kept both?): keep one"
    )
    assert (error.line, error.field) == (line, field)


def test_a_nested_key_given_twice_names_its_path(tmp_path):
    text = (
        "id: hostile\nchange: c\nmetric: converted\nexpected_effect: 0.1\ntime_frame_days: 7\n"
        "criteria:\n  - segment: new\n  - segment: returning\n    min_effect: 0.02\n"
        "    segment: business\n"
    )
    _, error = load_beside(tmp_path, "hypotheses/hostile.yaml", text)
    assert (error.line, error.field) == (10, "criteria[1].segment")
    assert "given twice, on lines 8 and 10" in str(error)


def test_a_key_given_twice_on_one_line_in_a_flow_mapping(tmp_path):
    text = LEARNING + "context: {audience: customers, audience: partners}\n"
    _, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert (error.line, error.field) == (9, "context.audience")
    assert "given twice, on lines 9 and 9" in str(error)


def test_a_merge_conflict_left_in_a_file(tmp_path):
    text = "id: hostile\n<<<<<<< HEAD\ntitle: Ours\n=======\ntitle: Theirs\n>>>>>>> main\n"
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert str(error).startswith("objectives/hostile.yaml, line 3: not valid YAML: ")


def test_a_merge_key_may_override_what_it_merges(tmp_path):
    write_good(tmp_path)
    (tmp_path / "hypotheses" / "merged.yaml").write_text(
        "id: merged\nchange: c\nmetric: converted\nexpected_effect: 0.1\ntime_frame_days: 7\n"
        "criteria:\n  - &new {segment: new, min_effect: 0.02}\n"
        "  - <<: *new\n    segment: returning\n"
    )
    registry = Registry(tmp_path)
    assert registry.errors == []
    criteria = registry.get("merged").criteria
    assert [(c.segment, c.min_effect) for c in criteria] == [("new", 0.02), ("returning", 0.02)]


# -------------------------------------------------------------------------- aliases
def billion_laughs(levels: int) -> str:
    """A learning whose segments hold ``9 ** levels`` strings, written in a few lines."""
    lines = ['  - &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        items = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"  - &l{i} [{items}]")
    return LEARNING + "segments:\n" + "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_at_once(tmp_path):
    text = billion_laughs(10)  # 9 ** 10: 3.5 billion strings, in 1 kB
    began = time.perf_counter()
    _, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert time.perf_counter() - began < FAST
    # Refused where the count passes the limit: the sixth list, 9 ** 6 > 100,000.
    assert str(error) == (
        "learnings/hostile.yaml, line 15: field 'segments[5]': more than 100,000 values once "
        "its aliases are expanded (the limit)"
    )
    assert (error.line, error.field) == (15, "segments[5]")
    assert MAX_VALUES == 100_000


def test_aliases_beyond_the_limit_are_refused(tmp_path):
    aliases = ", ".join(["*s"] * (MAX_ALIASES + 1))
    text = LEARNING.replace("decision: pivot", "decision: &s pivot") + f"segments: [{aliases}]\n"
    _, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert str(error) == (
        "learnings/hostile.yaml, line 9: field 'segments': more than 100 aliases (the limit)"
    )


def test_aliases_up_to_the_limit_load(tmp_path):
    write_good(tmp_path)
    aliases = ", ".join(["*s"] * MAX_ALIASES)
    text = LEARNING.replace("decision: pivot", "decision: &s pivot") + f"segments: [{aliases}]\n"
    (tmp_path / "learnings" / "hostile.yaml").write_text(text)
    registry = Registry(tmp_path)
    assert registry.errors == []
    assert registry.get("hostile", Learning).segments == ("pivot",) * MAX_ALIASES


def test_an_alias_inside_what_it_refers_to_is_refused(tmp_path):
    text = LEARNING + "segments: &s [new, *s]\n"
    _, error = load_beside(tmp_path, "learnings/hostile.yaml", text)
    assert str(error) == (
        "learnings/hostile.yaml, line 9: field 'segments': an alias refers to the value "
        "that contains it"
    )


def test_an_alias_that_nests_past_the_limit_is_refused(tmp_path):
    deep = "[" * 20 + "x" + "]" * 20
    text = f"id: hostile\ntitle: t\ndescription: &d {deep}\nowner: {'[' * 15}*d{']' * 15}\n"
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert str(error) == (
        "objectives/hostile.yaml, line 4: field 'owner[0][0][0][0][0][0][0][0][0][0][0][0][0]"
        "[0]': values nested more than 32 levels deep (the limit for a record file) once its "
        "aliases are expanded"
    )


def test_an_undefined_alias(tmp_path):
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", "id: hostile\ntitle: *nope\n")
    # PyYAML adds the alias's name, libyaml does not.
    assert str(error).startswith("objectives/hostile.yaml, line 2: not valid YAML: found undefined")


# ---------------------------------------------------------------- size and nesting
def test_a_file_of_hundreds_of_megabytes_is_not_read(tmp_path):
    write_good(tmp_path)
    huge = tmp_path / "learnings" / "hostile.yaml"
    with huge.open("wb") as fh:  # sparse: 300 MB that take no disk
        fh.write(LEARNING.encode())
        fh.truncate(300 * 2**20)
    began = time.perf_counter()
    registry = Registry(tmp_path)
    assert time.perf_counter() - began < FAST
    assert sorted(r.id for r in registry) == GOOD_IDS
    (error,) = registry.errors
    assert str(error) == (
        "learnings/hostile.yaml: 314,572,800 bytes or more, over the limit of 1,048,576 bytes "
        "for a record file (records are a few KB)"
    )


def record_of_size(size: int) -> bytes:
    head = b"id: hostile\ntitle: t\n# "
    return head + b"x" * (size - len(head) - 1) + b"\n"


def test_a_file_at_the_size_limit_loads_and_one_byte_more_does_not(tmp_path):
    write_good(tmp_path)
    path = tmp_path / "objectives" / "hostile.yaml"
    path.write_bytes(record_of_size(MAX_FILE_BYTES))
    assert Registry(tmp_path).get("hostile", Objective).title == "t"
    path.write_bytes(record_of_size(MAX_FILE_BYTES + 1))
    (error,) = Registry(tmp_path).errors
    assert str(error).startswith("objectives/hostile.yaml: 1,048,577 bytes or more, over the")


@pytest.mark.parametrize("brackets", [40, 900, 5000, 200_000])
def test_thousands_of_nested_brackets(tmp_path, brackets):
    text = "id: hostile\ntitle: " + "[" * brackets + "]" * brackets + "\n"
    began = time.perf_counter()
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert time.perf_counter() - began < FAST
    assert str(error) == (
        "objectives/hostile.yaml, line 2: values nested more than 32 levels deep (the limit "
        "for a record file)"
    )
    assert (error.line, error.field) == (2, None)


def test_deep_block_nesting_names_the_line_where_it_passes_the_limit(tmp_path):
    lines = "".join(" " * i + "a:\n" for i in range(1, 600))
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", "id: hostile\nowner:\n" + lines)
    # The document is level 1 and owner's value (line 3) level 2, its key 'a' level 3:
    # the key on line 33 is the first value at level 33.
    assert str(error) == (
        "objectives/hostile.yaml, line 33: values nested more than 32 levels deep (the limit "
        "for a record file)"
    )


def test_nesting_up_to_the_limit_is_read_and_judged_by_its_fields(tmp_path):
    levels = MAX_DEPTH - 2  # the document, title's list, ... 30 more lists
    text = "id: hostile\ntitle: " + "[" * levels + "x" + "]" * levels + "\n"
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert str(error).startswith("objectives/hostile.yaml, line 2: field 'title' == [[[")
    assert "Input should be a valid string" in str(error)


# --------------------------------------------------------------- text and encoding
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"id: hostile\ntitle: caf\xe9\n",
            "line 2: not UTF-8 text (invalid continuation byte at byte 22)",
        ),
        (
            "id: hostile\ntitle: t\n".encode("utf-16"),
            "line 1: not UTF-8 text (invalid start byte at byte 0)",
        ),
        (bytes(range(256)) * 4, "line 2: not UTF-8 text (invalid start byte at byte 128)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: not UTF-8 text (invalid start byte"),
        (b"id: hostile\ntitle: a\x00b\n", "line 2: not valid YAML: unacceptable character #x0000"),
        (b"id: hostile\ntitle: a\x1bb\n", "line 2: not valid YAML: unacceptable character #x001b"),
        (b"id: hostile\ntitle: t\n\tstatus: active\n", "line 3: not valid YAML: "),
        (b"", "the file is empty; it should hold one objective"),
        (b"  \n\n   \n", "the file is empty; it should hold one objective"),
        (b"# nothing here yet\n", "the file is empty; it should hold one objective"),
        (b"---\n...\n", "the file is empty; it should hold one objective"),
        (b"- id: hostile\n", "should hold one objective as 'field: value' lines, not a list"),
        (b"hostile\n", "should hold one objective as 'field: value' lines, not a str"),
        (b"42\n", "should hold one objective as 'field: value' lines, not a int"),
        (b"id: hostile\ntitle: t\n---\nid: again\n", "line 3: not valid YAML: but found another"),
        (b"? [a, b]\n: 1\n", "line 1: not valid YAML: found unhashable key"),
        (b"id: hostile\n<<: 3\n", "line 2: not valid YAML: expected a mapping or list of "),
        (b"id: hostile\ntitle: !!binary QQ\n", "line 2: not valid YAML: failed to decode base64"),
        (b"id: !!python/object:os.system ls\n", "line 1: not valid YAML: could not determine a "),
        (b"id: hostile\ntitle: !!bool maybe\n", "line 2: field 'title' == 'maybe': not a valid "),
        (b"id: hostile\ntitle: !!int twelve\n", "line 2: field 'title' == 'twelve': not a valid "),
        (b"id: hostile\ntitle: !!float x\n", "line 2: field 'title' == 'x': not a valid number ("),
        (b"id: hostile\ntitle: !!int\n", "line 2: field 'title' == '': not a valid whole number"),
        (b"id: hostile\nend: !!timestamp\n", "line 2: field 'end' == '': not a valid date"),
    ],
    ids=[
        "latin-1", "utf-16", "binary", "png", "nul", "escape", "tab-indent", "empty",
        "whitespace", "comment", "bare-document", "list", "scalar", "int", "two-documents",
        "unhashable-key", "bad-merge", "bad-base64", "python-tag", "bool-tag", "int-tag",
        "float-tag", "empty-int-tag", "empty-timestamp-tag",
    ],
)  # fmt: skip
def test_files_that_are_not_a_record(tmp_path, content, message):
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", content)
    sep = ", " if message.startswith("line") else ": "
    assert str(error).startswith("objectives/hostile.yaml" + sep + message)


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    write_good(tmp_path)
    (tmp_path / "objectives" / "bom.yaml").write_bytes(b"\xef\xbb\xbfid: bom\ntitle: t\n")
    registry = Registry(tmp_path)
    assert registry.errors == []
    assert registry.get("bom", Objective).title == "t"


def test_a_huge_number_or_text_gives_a_short_message(tmp_path):
    digits = "1" * 5000
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", f"id: hostile\ntitle: {digits}\n")
    assert str(error).startswith("objectives/hostile.yaml, line 2: field 'title' == '11111")
    assert "not a valid whole number (Exceeds the limit (4300 digits)" in str(error)
    assert len(str(error)) < 400
    text = "id: hostile\ntitle: [" + "x" * 500_000 + "]\n"
    _, error = load_beside(tmp_path, "objectives/hostile.yaml", text)
    assert "Input should be a valid string" in str(error)
    assert len(str(error)) < 400


# ----------------------------------------------------------- what is not a file
def test_a_folder_named_like_a_record(tmp_path):
    write_good(tmp_path)
    (tmp_path / "learnings" / "hostile.yaml").mkdir()
    (error,) = Registry(tmp_path).errors
    assert str(error) == "learnings/hostile.yaml: a folder, not a record file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_record_does_not_hang_the_loader(tmp_path):
    write_good(tmp_path)
    os.mkfifo(tmp_path / "learnings" / "hostile.yaml")  # opening it to read would block
    began = time.perf_counter()
    registry = Registry(tmp_path)
    assert time.perf_counter() - began < FAST
    assert sorted(r.id for r in registry) == GOOD_IDS
    (error,) = registry.errors
    assert str(error) == "learnings/hostile.yaml: a FIFO, socket or device, not a record file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_link_to_an_endless_device(tmp_path):
    write_good(tmp_path)
    (tmp_path / "learnings" / "hostile.yaml").symlink_to("/dev/zero")
    (error,) = Registry(tmp_path).errors
    assert str(error) == "learnings/hostile.yaml: a FIFO, socket or device, not a record file"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.symlink_to(p.parent / "gone.yaml"), "cannot be read (No such file or"),
        (lambda p: p.symlink_to(p), "cannot be read (a symbolic link loop: too many levels"),
    ],
    ids=["broken-link", "link-loop"],
)
def test_links_that_lead_nowhere(tmp_path, make, message):
    write_good(tmp_path)
    make(tmp_path / "learnings" / "hostile.yaml")
    registry = Registry(tmp_path)
    assert sorted(r.id for r in registry) == GOOD_IDS
    (error,) = registry.errors
    assert str(error).startswith(f"learnings/hostile.yaml: {message}")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_a_file_without_read_permission(tmp_path):
    write_good(tmp_path)
    path = tmp_path / "learnings" / "hostile.yaml"
    path.write_text(LEARNING)
    path.chmod(0)
    try:
        (error,) = Registry(tmp_path).errors
    finally:
        path.chmod(0o644)
    assert str(error) == "learnings/hostile.yaml: cannot be read (Permission denied)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("id: x\n"), "learnings: is a file (Not a directory)"),
        (lambda p: p.symlink_to(p), "learnings: cannot be read (a symbolic link loop: too many"),
        (lambda p: p.symlink_to(p.parent / "gone"), "learnings: a link to a folder that does not"),
    ],
    ids=["file", "link-loop", "broken-link"],
)
def test_a_kind_folder_that_cannot_be_read_is_reported(tmp_path, make, message):
    write_good(tmp_path)
    learnings = tmp_path / "learnings"
    for path in learnings.iterdir():
        path.unlink()
    learnings.rmdir()
    make(learnings)
    registry = Registry(tmp_path)
    assert sorted(r.id for r in registry) == ["checkout", "express-pay", "kr-conversion"]
    (error,) = registry.errors
    assert str(error).startswith(message)
    # The hypothesis cites payment-step, which could not be read: both are reported.
    assert [f.kind for f in registry.check(as_of=AS_OF)] == ["unreadable_file", "dangling_link"]


@pytest.mark.skipif(sys.platform == "darwin", reason="file names must be UTF-8 there")
def test_a_file_name_with_a_newline_or_bytes_that_are_not_utf8(tmp_path):
    write_good(tmp_path)
    folder = os.fsencode(tmp_path / "objectives")
    with open(os.path.join(folder, b"bad\nname.yaml"), "w") as fh:
        fh.write("id: checkout-two\ntitle: t\n")
    with open(os.path.join(folder, b"caf\xe9.yaml"), "w") as fh:
        fh.write("id: cafe\ntitle: t\n")
    registry = Registry(tmp_path)
    assert sorted(r.id for r in registry) == GOOD_IDS
    messages = sorted(str(e) for e in registry.errors)
    assert all("\n" not in m and m.isprintable() for m in messages)
    assert messages[0].startswith("objectives/bad\\nname.yaml: id 'checkout-two' does not match")
    assert messages[1].startswith("objectives/caf\\udce9.yaml: id 'cafe' does not match")


# ------------------------------------------------------------- pyproject settings
@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            b"[tool.hypokit.shelf_life]\nab_test = 30 # caf\xe9\n",
            ", line 2: not UTF-8 text (invalid continuation byte at byte 44).",
        ),
        (b"[tool.hypokit.shelf_life\n", ": not valid TOML: Expected ']' at the end of a table"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", ": not valid TOML: values nested too"),
        (b"tool = 3\n", ": [tool] must be a table."),
        (b"[tool]\nhypokit = 'yes'\n", ": [tool.hypokit] must be a table."),
        (b"[tool.hypokit]\nshelf_life = [1]\n", ": [tool.hypokit.shelf_life] must be a table"),
        (b"[tool.hypokit.shelf_life]\nab_test = -30\n", " ab_test == -30, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = 0\n", " ab_test == 0, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = 1000000000000\n", " ab_test == 1000000000000,"),
        (b"[tool.hypokit.shelf_life]\nab_test = 36501\n", " ab_test == 36501, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = '180'\n", " ab_test == '180', must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = 180.0\n", " ab_test == 180.0, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = inf\n", " ab_test == inf, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = true\n", " ab_test == True, must be a whole"),
        (b"[tool.hypokit.shelf_life]\nab_test = [180]\n", " ab_test == [180], must be a whole"),
        (b"# " + b"x" * MAX_FILE_BYTES + b"\n", ": 1,048,579 bytes or more, over the limit of"),
    ],
    ids=[
        "latin-1", "bad-toml", "deep-toml", "tool-not-a-table", "hypokit-not-a-table",
        "shelf-life-a-list", "negative", "zero", "ten-to-the-twelve", "over-a-century",
        "string", "float", "inf", "bool", "list", "over-a-megabyte",
    ],
)  # fmt: skip
def test_unusable_settings_refuse_the_registry_naming_the_file_and_key(
    tmp_path, capsys, toml, message
):
    """Decided: the registry refuses to load, rather than load with the default shelf
    lives, which would show other expiry dates than the team set, without a word."""
    (tmp_path / "pyproject.toml").write_bytes(toml)
    root = tmp_path / "records"
    write_good(root)
    before = snapshot(root)
    with pytest.raises(RegistryError) as info:
        Registry(root)
    pyproject = str((tmp_path / "pyproject.toml").resolve())
    assert str(info.value).startswith(pyproject)
    assert message in str(info.value)
    if "ab_test ==" in message:
        assert str(info.value).endswith("must be a whole number of days from 1 to 36,500 (about "
                                        "100 years).")  # fmt: skip
        assert "[tool.hypokit.shelf_life] ab_test ==" in str(info.value)
    for command in (["check"], ["learnings"], ["hypotheses"], ["okr"]):
        code = main([*command, "--registry", str(root), *dated(command)])
        out, err = capsys.readouterr()
        assert code == 2
        assert out == ""
        assert err == f"hypokit {command[0]}: error: {info.value}\n"
    assert snapshot(root) == before


def test_the_longest_shelf_life_is_accepted(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.hypokit.shelf_life]\nab_test = 36500\n")
    assert Registry(tmp_path / "records").shelf_life["ab_test"] == 36_500


# ------------------------------------------------------------------ the CLI
def dated(command):
    """``--as-of`` for the commands that judge on a date."""
    return ["--as-of", "2026-11-10"] if command[0] in ("check", "learnings") else []


HOSTILE = {
    "learnings/hostile.yaml": LEARNING.replace("2026-09-01", "2026-02-30"),
    "objectives/hostile.yaml": "id: hostile\ntitle: " + "[" * 5000 + "]" * 5000 + "\n",
    "hypotheses/hostile.yaml": billion_laughs(10),
}


@pytest.mark.parametrize("rel", list(HOSTILE))
@pytest.mark.parametrize(
    "command", [["check"], ["learnings"], ["hypotheses"], ["okr"], ["okr", "--mermaid"]]
)
def test_every_record_command_names_the_file_and_shows_the_rest(tmp_path, capsys, rel, command):
    write_good(tmp_path)
    path = tmp_path / rel
    path.write_text(HOSTILE[rel])
    (error,) = Registry(tmp_path).errors
    code = main([*command, "--registry", str(tmp_path), *dated(command)])
    out, err = capsys.readouterr()
    if command == ["check"]:
        assert code == 1
        assert f"unreadable_file: {error}" in out
        assert err == ""
    else:
        assert code == 2
        assert err == f"hypokit: error: {error}\n"
        assert out  # the rest is shown
    if command == ["learnings"]:
        assert "payment-step" in out


def test_the_command_line_shows_no_traceback(tmp_path):
    import subprocess

    write_good(tmp_path)
    for rel, text in HOSTILE.items():
        (tmp_path / rel).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "hypokit", "learnings", "--registry", str(tmp_path),
         "--as-of", "2026-11-10"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("hypokit: error: ") for line in lines)
    assert "Traceback" not in done.stderr
    assert "payment-step" in done.stdout


# --------------------------------------------------------------- arbitrary input
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    # The loader fixture only chooses the YAML loader: nothing to reset between examples.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_TOKENS = st.sampled_from(
    [
        "id: fuzz\n", "id:", "title:", "believed:", "observed:", "learned:", "decision: pivot\n",
        "evidence:\n", "  - kind: ab_test\n", "recorded:", "expires:", "segments:", "context:",
        " 2026-02-30", " 9999-12-31", " 2026-09-01", " 0001-01-01", " &a", " *a", " <<:", " [",
        "]", " {", "}", ",", " -", "\n", "\n  ", "\t", " '", '"', " !!int", " !!timestamp",
        " !!binary", " !!python/name:os.system", " ?", " |", " >", " ~", " .inf", " 1e999",
        " 99999999999999999999", " #", "---\n", "...\n", "\ufeff", "\x00", "\x85", "\u2028",
    ]
)  # fmt: skip
YAMLISH = st.lists(_TOKENS | st.text(string.printable, max_size=5), max_size=60).map("".join)

_VALUES = st.sampled_from(
    [
        "fuzz", "pivot", "retire", "2026-02-30", "9999-12-20", "9999-12-31", "2026-09-01",
        "0001-01-01", "&a 2026-09-01", "*a", "&a [new, returning]", "[new, *a]", "{}", "[]",
        "{kind: ab_test}", "\n  - kind: qualitative\n    sample_size: 0", "!!int", "~", "''",
        "!!timestamp x", "!!binary QQ", ".inf", "-.inf", ".nan", "1e999", "-0", "0x10",
        "99999999999999999999", "|\n  two\n  lines", "'quoted'", "[", "{", "- a", "a: b",
        "\u202e", "x" * 300,
    ]
)  # fmt: skip
_LINES = LEARNING.replace("hostile", "fuzz").splitlines(keepends=True)
_FIELDS = [line.split(":")[0] for line in _LINES]


def _mutated(changes: dict[int, str], extra: list[str]) -> str:
    lines = [
        f"{_FIELDS[i]}: {changes[i]}\n" if i in changes else line for i, line in enumerate(_LINES)
    ]
    return "".join(lines) + "".join(extra)


#: A valid learning with a few values replaced and a few lines added: often still valid.
MUTATED = st.builds(
    _mutated,
    st.dictionaries(st.integers(0, len(_LINES) - 1), _VALUES, max_size=3),
    st.lists(
        st.builds(
            "{}: {}\n".format, st.sampled_from(["segments", "expires", "title", "x"]), _VALUES
        )
        | _TOKENS,
        max_size=3,
    ),
)


def _load_fuzz(content: bytes, rel: str = "learnings/fuzz.yaml") -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_good(root)
        (root / rel).write_bytes(content)
        began = time.perf_counter()
        registry = Registry(root)  # anything else than RegistryError fails the test
        assert time.perf_counter() - began < FAST
        ids = sorted(r.id for r in registry)
        assert [i for i in ids if i != "fuzz"] == GOOD_IDS
        assert len(registry.errors) <= 1
        assert ("fuzz" in ids) != bool(registry.errors)  # loaded or reported, never both
        for error in registry.errors:
            assert error.path == root / rel
            assert "\n" not in str(error)
        registry.check(as_of=AS_OF)
        registry.learnings(as_of=AS_OF)


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_load_or_are_reported(content):
    _load_fuzz(content)


@FUZZ
@given(st.text(max_size=1000))
def test_arbitrary_text_loads_or_is_reported(text):
    _load_fuzz(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(MUTATED)
def test_a_mutated_record_loads_or_is_reported(text):
    _load_fuzz(text.encode("utf-8"))


@FUZZ
@given(YAMLISH)
def test_yaml_like_text_loads_or_is_reported(text):
    _load_fuzz(LEARNING.encode() + text.encode("utf-8", "surrogatepass"))
    _load_fuzz(text.encode("utf-8", "surrogatepass"))
