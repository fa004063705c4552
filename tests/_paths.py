"""Paths of the machine the tests run on, so that no file of the project records them."""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine_paths() -> list[str]:
    """This machine's home, temporary and checkout folders (the checkout's parent)."""
    candidates = {
        Path.home(),
        Path(tempfile.gettempdir()),
        ROOT.parent,
        Path(os.environ.get("TMPDIR", tempfile.gettempdir())),
    }
    return sorted(
        {str(p.resolve()) for p in candidates if len(p.resolve().parts) > 1},
        key=len,
        reverse=True,
    )


def machine_path_in(text: str) -> str | None:
    """The first machine path (followed by a separator) found in ``text``, or None."""
    for prefix in machine_paths():
        for sep in ("/", "\\"):
            if prefix + sep in text:
                return prefix + sep
    return None
