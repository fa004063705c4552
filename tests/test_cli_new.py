"""hypokit new: notebooks from templates, with parameters that cannot inject code."""

import ast
import json

import nbformat
import pytest
from nbclient import NotebookClient

import hypokit as hk
from hypokit._cli import main
from hypokit._templates import kinds, new_notebook


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_the_kinds(capsys):
    code, out, _ = run(capsys, "new", "--list")
    assert code == 0
    assert out.split() == kinds()
    assert {"analysis", "sizing"} <= set(kinds())


def test_new_fills_in_parameters_after_the_parameters_cell(capsys, tmp_path):
    code, out, _ = run(
        capsys, "new", "sizing", "checkout", "--folder", str(tmp_path),
        "-p", "mde=0.05", "-p", "correction=bonferroni",
        "-p", 'traffic={"new": 100, "returning": 90, "business": 20}',
    )  # fmt: skip
    assert code == 0, out
    path = tmp_path / "checkout.ipynb"
    assert f"wrote {path}" in out
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    i = tags.index(["parameters"])
    assert tags[i + 1] == ["injected-parameters"]
    assert nb.cells[i + 1].source.splitlines()[1:] == [
        "mde = 0.05",
        "correction = 'bonferroni'",
        "traffic = {'new': 100, 'returning': 90, 'business': 20}",
    ]


def test_a_parameter_cannot_inject_code(tmp_path):
    attacks = {
        "change": "__import__('os').system('echo pwned')",
        "outcome": "'; import os; '",
        "data_path": "x' + __import__('os').getcwd() + '",
    }
    path = new_notebook("analysis", "x", attacks, folder=tmp_path)
    cells = json.loads(path.read_text())["cells"]
    injected = next(c for c in cells if c["metadata"].get("tags") == ["injected-parameters"])
    tree = ast.parse(injected["source"])
    assert len(tree.body) == len(attacks)
    for statement in tree.body:
        # Only assignments of plain literals: nothing that can run code.
        assert isinstance(statement, ast.Assign)
        value = ast.literal_eval(statement.value)
        text = attacks[statement.targets[0].id]
        assert isinstance(value, str)  # text that is not a literal stays text
        assert value in (text, ast.literal_eval(text) if text.startswith("'") else text)
    # A line break cannot start a statement of its own: refused, nothing written.
    with pytest.raises(hk.ValidationError, match=r"control character"):
        new_notebook("analysis", "y", {"change": "0.1\nimport os"}, folder=tmp_path)
    assert not (tmp_path / "y.ipynb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "nope", "x"], r"KIND == 'nope', must be one of"),
        (["new", "sizing", "../evil"], r"NAME == '../evil'"),
        (["new", "sizing", "x", "-p", "unknown=1"], r"has no parameter 'unknown'"),
        (["new", "sizing", "x", "-p", "novalue"], r"expected KEY=VALUE"),
    ],
)
def test_bad_input_exits_2(capsys, tmp_path, args, message):
    code, _, err = run(capsys, *args, "--folder", str(tmp_path))
    assert code == 2
    assert pytest.importorskip("re").search(message, err), err


def test_an_existing_notebook_is_not_overwritten(capsys, tmp_path):
    assert run(capsys, "new", "sizing", "same", "--folder", str(tmp_path))[0] == 0
    code, _, err = run(capsys, "new", "sizing", "same", "--folder", str(tmp_path))
    assert code == 2
    assert "exists" in err
    assert run(capsys, "new", "sizing", "same", "--folder", str(tmp_path), "--force")[0] == 0


@pytest.mark.parametrize("kind", kinds())
def test_a_rendered_template_runs(tmp_path, kind):
    params = {
        "sizing": {"mde": "0.2", "record": "True", "start": "2026-12-01"},
        "analysis": {"correction": "bonferroni"},
    }.get(kind, {})
    path = new_notebook(kind, f"run-{kind}", params, folder=tmp_path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    assert all(o.get("output_type") != "error" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("kind", kinds())
def test_every_parameter_is_declared_and_its_default_accepted(kind):
    from hypokit._templates import SCHEMAS, _parameter_names, _parameters_cell

    source = _parameters_cell(kind)[1]["source_text"]
    assert list(SCHEMAS[kind]) == _parameter_names(source)
    namespace: dict = {}
    exec(compile(source, f"<{kind} parameters>", "exec"), namespace)
    for name, rule in SCHEMAS[kind].items():
        assert rule.problem(namespace[name], name) is None, (name, namespace[name])
