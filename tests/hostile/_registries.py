"""A registry of good records beside one hostile file, for the hostile registry tests."""

import datetime as dt
from pathlib import Path

import pytest

import hypokit._registry as registry_module
from hypokit._registry import HOLDER_FILE, LOCK_FILE, RecordFileError, Registry

AS_OF = dt.date(2026, 11, 10)

#: The good records: one file per kind, each one clean.
GOOD = {
    "objectives/checkout.yaml": "id: checkout\ntitle: Make checkout effortless\n",
    "key_results/kr-conversion.yaml": (
        "id: kr-conversion\nobjective: checkout\nmetric: converted\nbaseline: 0.075\n"
        "target: 0.085\ndeadline: 2026-12-31\n"
    ),
    "hypotheses/express-pay.yaml": (
        "id: express-pay\nchange: add express pay to the cart\nmetric: converted\n"
        "expected_effect: 0.1\ntime_frame_days: 21\nkey_result: kr-conversion\n"
        "learnings:\n  - payment-step\n"
    ),
    "learnings/payment-step.yaml": (
        "id: payment-step\nbelieved: new customers leave at login\n"
        "observed: they leave at the payment step\nlearned: payment loses new customers\n"
        "decision: pivot\nevidence:\n  - kind: analytics\nrecorded: 2026-09-01\n"
    ),
}
GOOD_IDS = ["checkout", "express-pay", "kr-conversion", "payment-step"]

#: A valid learning, ``hostile``: line 8 is ``recorded``.
LEARNING = (
    "id: hostile\n"  # 1
    "believed: new customers leave at login\n"  # 2
    "observed: they leave at the payment step\n"  # 3
    "learned: payment loses new customers\n"  # 4
    "decision: pivot\n"  # 5
    "evidence:\n"  # 6
    "  - kind: ab_test\n"  # 7
    "recorded: 2026-09-01\n"  # 8
)


def write_good(root: Path) -> None:
    for rel, text in GOOD.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` and its bytes, but the lock and its holder's note.

    Links and special files are left out.
    """
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name not in (LOCK_FILE, HOLDER_FILE)
    }


def load_beside(root: Path, rel: str, content: str | bytes) -> tuple[Registry, RecordFileError]:
    """Load the good records with one hostile file at ``rel``; return its only error.

    Checks, on the way, that every good record loaded, that loading wrote nothing, and
    that ``check`` reports the file as an ``unreadable_file`` finding.
    """
    write_good(root)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    before = snapshot(root)
    registry = Registry(root)
    assert sorted(r.id for r in registry) == GOOD_IDS, registry.errors
    assert snapshot(root) == before
    assert len(registry.errors) == 1, registry.errors
    (error,) = registry.errors
    assert isinstance(error, RecordFileError)
    assert error.path == path
    assert "\n" not in str(error)
    unreadable = [f.message for f in registry.check(as_of=AS_OF) if f.kind == "unreadable_file"]
    assert unreadable == [str(error)]
    return registry, error


@pytest.fixture(params=["libyaml", "python"])
def loader(request, monkeypatch):
    """Run a test with the libyaml loader and with the pure-Python one."""
    if request.param == "libyaml":
        if registry_module._LOADER is registry_module._PyLoader:  # pragma: no cover
            pytest.skip("PyYAML is built without libyaml here")
    else:
        monkeypatch.setattr(registry_module, "_LOADER", registry_module._PyLoader)
    return request.param
