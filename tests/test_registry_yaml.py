"""How the registry reads and writes YAML: the fast reader and comments kept on saves."""

import pytest
import yaml

from hypokit._registry import _BadYamlError, _parse

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
