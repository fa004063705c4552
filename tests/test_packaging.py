"""The project files agree with each other: pyproject, environment.yml, README, CI."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from tests._paths import machine_path_in

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_matches_pyproject():
    deps = {
        _norm(r.name): str(r.specifier)
        for r in map(Requirement, _pyproject()["project"]["dependencies"])
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for item in env["dependencies"]:
        if isinstance(item, str):
            req = Requirement(item)
            if req.name not in ("python", "pip"):
                conda[_norm(req.name)] = str(req.specifier)
    assert conda == deps
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert (
        Requirement(python).specifier
        == Requirement("python" + _pyproject()["project"]["requires-python"]).specifier
    )


def test_core_dependencies_are_present():
    names = {_norm(Requirement(r).name) for r in _pyproject()["project"]["dependencies"]}
    assert {"jupyterlab", "ipywidgets", "scipy", "statsmodels", "pandas", "nbval"} <= names


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_exactly_two_quickstart_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    assert "hypokit demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci


def test_templates_ship_inside_the_wheel():
    include = _pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include == {"templates": "hypokit/templates"}


def test_no_machine_paths_in_tracked_text():
    for path in ROOT.rglob("*"):
        if (
            path.is_file()
            and path.suffix in {".py", ".md", ".toml", ".yml", ".ipynb", ".R", ""}
            and not any(
                (part.startswith(".") and part != ".ci") or part == "hypokit-demo"
                for part in path.relative_to(ROOT).parts
            )
        ):
            found = machine_path_in(path.read_text(errors="ignore"))
            assert found is None, f"{path.relative_to(ROOT)} records {found!r}"


def test_the_machine_path_check_catches_a_planted_path():
    import tempfile

    assert machine_path_in(f"data = '{tempfile.gettempdir()}/x.csv'") is not None
    assert machine_path_in("data = 'events/x.csv'") is None


def _imported_top_level_modules(folder: Path) -> set[str]:
    import ast

    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_imported_third_party_module_is_declared():
    import sys
    from importlib.metadata import packages_distributions

    project = _pyproject()["project"]
    declared = {_norm(Requirement(r).name) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_norm(Requirement(r).name) for r in extra}
    modules = _imported_top_level_modules(ROOT / "hypokit")
    third_party = sorted(m for m in modules - {"hypokit"} if m not in sys.stdlib_module_names)
    assert {"nbformat", "nbclient", "nbconvert", "IPython", "traitlets"} <= set(third_party)
    distributions = packages_distributions()
    undeclared = {
        module: distributions.get(module)
        for module in third_party
        if not {_norm(d) for d in distributions.get(module, [])} & declared
    }
    assert undeclared == {}


def test_sdist_has_what_the_tests_read():
    include = _pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {".ci", "hypokit", "templates", "tests", "README.md", "environment.yml"} <= set(include)
