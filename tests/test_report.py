"""hypokit report: a notebook as a standalone HTML report with the code hidden."""

import shutil
from pathlib import Path

import pytest

from hypokit._cli import main
from hypokit._report import render_report

ROOT = Path(__file__).resolve().parent.parent


def test_report_executes_and_hides_the_code(tmp_path, capsys):
    notebook = tmp_path / "analysis.ipynb"
    shutil.copy(ROOT / "notebooks" / "analysis-checkout.ipynb", notebook)
    code = main(["report", str(notebook), "--execute"])
    out = capsys.readouterr().out
    assert code == 0
    html_path = tmp_path / "analysis.html"
    assert f"wrote {html_path}" in out
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Verdicts against each segment" in html  # the Markdown is kept
    assert "segment_opposes" in html  # printed findings are kept
    assert "hk.analyze(" not in html  # the code is hidden
    assert "<img" in html  # the forest plot is embedded


def test_report_can_keep_the_code(tmp_path):
    notebook = tmp_path / "sizing.ipynb"
    shutil.copy(ROOT / "templates" / "sizing.ipynb", notebook)
    out = render_report(notebook, tmp_path / "out" / "sizing.html", show_code=True)
    assert "metric_kind" in out.read_text(encoding="utf-8")  # the parameters cell


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.ipynb", None, "no such file"),
        ("notes.txt", "x", "must be a .ipynb file"),
        ("broken.ipynb", "{not json", "is not a valid notebook"),
    ],
)
def test_bad_notebooks_exit_2(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path)]) == 2
    assert message in capsys.readouterr().err
