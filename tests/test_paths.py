"""Relative paths in notebooks: the folder hypokit new ran in, else the project root."""

import json
import os
from pathlib import Path

import pytest

import hypokit as hk
from hypokit import _paths
from hypokit._paths import locate, search_folders, work_in
from hypokit._templates import SCHEMAS, new_notebook
from tests._paths import machine_path_in


@pytest.fixture(autouse=True)
def fresh_kernel_state(monkeypatch):
    """Each test is a kernel of its own: no notebook folder recorded yet."""
    monkeypatch.setattr(_paths, "_STATE", {"notebook": None, "project": None, "missing": None})
    here = os.getcwd()
    yield
    os.chdir(here)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    (root / "data").mkdir(parents=True)
    (root / "data" / "test.csv").write_text("variant,converted\na,1\nb,0\n")
    (root / "records").mkdir()
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    return root


def cell_of(path: Path, tag: str) -> dict | None:
    cells = json.loads(path.read_text())["cells"]
    return next((c for c in cells if tag in c["metadata"].get("tags", [])), None)


@pytest.mark.parametrize("kind", ["analysis", "monitor", "hypothesis", "learning-review"])
def test_new_records_where_it_ran_relative_to_the_notebook(project, monkeypatch, kind):
    monkeypatch.chdir(project)
    path = new_notebook(kind, "x", {"registry_path": "records"})
    assert path == Path("notebooks") / "x.ipynb"
    cell = cell_of(project / path, "project-folder")
    assert cell is not None
    assert "work_in('..')" in cell["source"]
    assert "registry_path" in cell["source"]
    text = (project / path).read_text()
    assert machine_path_in(text) is None
    assert str(project) not in text
    # after the parameters: the parameters cell, the injected one, then this one
    cells = json.loads(text)["cells"]
    tags = [c["metadata"].get("tags", []) for c in cells]
    assert tags.index(["project-folder"]) == tags.index(["injected-parameters"]) + 1


def test_deeper_folders_and_no_parameters(project, monkeypatch):
    monkeypatch.chdir(project)
    path = new_notebook("okr-review", "x", folder="analyses/q4")
    cell = cell_of(project / path, "project-folder")
    assert "work_in('../..')" in cell["source"]
    cells = json.loads((project / path).read_text())["cells"]
    tags = [c["metadata"].get("tags", []) for c in cells]
    assert ["injected-parameters"] not in tags
    assert tags.index(["project-folder"]) == tags.index(["parameters"]) + 1


def test_a_template_without_paths_gets_no_such_cell(project, monkeypatch):
    monkeypatch.chdir(project)
    schema = {k: v for k, v in SCHEMAS["sizing"].items() if k != "registry_path"}
    monkeypatch.setitem(SCHEMAS, "sizing", schema)
    path = new_notebook("sizing", "x", {"mde": "0.2"})
    assert cell_of(project / path, "project-folder") is None


def test_work_in_moves_to_the_folder_and_stays_there_when_run_again(project):
    os.chdir(project / "notebooks")
    work_in("..")
    assert Path.cwd() == project
    work_in("..")  # the cell run again: the same folder, not one more level up
    assert Path.cwd() == project
    found = locate("data/test.csv", "data_path", what="data")
    assert found.path == "data/test.csv"
    assert found.folder.why == "where hypokit new ran"
    assert str(found) == "data/test.csv (in '..', where hypokit new ran)"


def test_a_moved_notebook_reads_from_its_own_folder_and_says_so(project, capsys):
    os.chdir(project / "notebooks")
    work_in("../../elsewhere")
    assert Path.cwd() == project / "notebooks"
    assert "which is not there now" in capsys.readouterr().out


def test_without_hypokit_new_the_project_root_above_is_searched(project):
    os.chdir(project / "notebooks")
    found = locate("records", "registry_path", what="registry")
    assert found.path == "../records"
    assert found.folder.shown == ".."
    assert found.folder.why == "above this notebook"
    assert locate("data/test.csv", "data_path", what="data").path == "../data/test.csv"


def test_the_search_stops_at_the_project_root(project):
    folders = search_folders(cwd=project / "notebooks", notebook=project / "notebooks")
    assert [f.shown for f in folders] == [".", ".."]  # the root holds pyproject.toml


def test_nothing_found_names_every_folder_searched(project):
    os.chdir(project / "notebooks")
    work_in("..")
    with pytest.raises(hk.ValidationError) as info:
        locate("data/checkout_test.csv", "data_path", what="data")
    message = str(info.value)
    assert message.startswith("data_path = 'data/checkout_test.csv': no such file in ")
    assert "'..' (where hypokit new ran)" in message
    assert "'.' (this notebook's folder)" in message
    assert "give the path from the folder you ran hypokit new in" in message
    assert "\n" not in message
    assert machine_path_in(message) is None


def test_a_glob_a_folder_and_a_file_of_the_wrong_kind(project):
    os.chdir(project)
    assert locate("data/*.csv", "data_path", what="data").path == "data/*.csv"
    with pytest.raises(hk.ValidationError, match="nothing matches the glob"):
        locate("data/*.parquet", "data_path", what="data")
    with pytest.raises(hk.ValidationError, match=r"is a folder; give a file, or a glob"):
        locate("data", "data_path", what="data")
    with pytest.raises(hk.ValidationError, match="is a file; a registry is a folder"):
        locate("data/test.csv", "registry_path", what="registry")


def test_a_new_registry_is_made_where_hypokit_new_ran(project):
    os.chdir(project / "notebooks")
    work_in("..")
    found = locate("ledger", "registry_path", what="registry", create=True)
    assert not found.exists
    assert found.path == "ledger"
    assert found.folder.path == project


def test_an_absolute_path_is_used_as_it_is(project):
    os.chdir(project / "notebooks")
    absolute = str(project / "data" / "test.csv")
    assert locate(absolute, "data_path", what="data").path == absolute
    with pytest.raises(hk.ValidationError, match="no such file there"):
        locate(absolute + ".gone", "data_path", what="data")
