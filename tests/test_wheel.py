"""The wheel, installed alone in a clean virtual environment, is what a user gets.

It ships its types (``py.typed``): a user's script that imports hypokit is type-checked
against hypokit's own annotations, with no ``import-untyped`` error; and it ships the
licence text and the notebook templates.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USER_SCRIPT = """\
import hypokit as hk

plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02)
n: int = plan.n_per_arm
wrong: str = plan.n_per_arm
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("hypokit-*.whl")
    return built


def test_the_wheel_ships_types_licence_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hypokit/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    assert "hypokit/templates/analysis.ipynb" in names
    assert not any(n.startswith(("tests/", "notebook_sources/")) for n in names)


def test_a_users_script_is_type_checked_against_the_installed_wheel(
    wheel: Path, tmp_path: Path
) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-executable", str(python), "--no-incremental",
         "--config-file", "/dev/null", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )  # fmt: skip
    assert "import-untyped" not in done.stdout
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stdout
    assert "user.py:5: error: Incompatible types in assignment" in errors[0]
    assert 'expression has type "int", variable has type "str"' in errors[0]
