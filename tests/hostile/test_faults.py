"""Faults around the registry: stuck lock holders, full or read-only disks, killed writers,
races between stale registries, and paths that cannot be used.

Each fault ends in a :class:`~hypokit.RegistryError` that names the file (or the lock and
its holder), with every record on disk intact byte for byte; on the command line, in
exit status 2 and one line on stderr, without a traceback. Processes that hold the lock
or get killed are real subprocesses; a full or read-only disk is simulated by making
``os`` calls fail with ``ENOSPC``/``EROFS``, so that the tests also run as root (where a
read-only ``chmod`` does not bite).
"""

import datetime as dt
import errno
import multiprocessing
import os
import random
import re
import selectors
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hypokit._cli import main
from hypokit._errors import RegistryError, ValidationError
from hypokit._records import Hypothesis, Learning, Objective
from hypokit._registry import DEFAULT_LOCK_TIMEOUT, HOLDER_FILE, LOCK_FILE, Registry, to_yaml
from tests.hostile._registries import GOOD_IDS, snapshot, write_good

TIMEOUT = 60  # seconds for a child process to get where it is going (it takes about one)


def objective(**kw):
    return Objective(**{"id": "checkout", "title": "Make checkout effortless", **kw})


@pytest.fixture
def root(tmp_path):
    """A registry folder with one good record of each kind."""
    write_good(tmp_path / "records")
    return tmp_path / "records"


@pytest.fixture
def children():
    """Start subprocesses that are killed (SIGKILL) at the end of the test, whatever happens."""
    started: list[subprocess.Popen] = []

    def start(script: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)
        proc.stdout.close()


def wait_for(proc: subprocess.Popen, word: str) -> None:
    """Wait until the child prints ``word`` (it has got where the test needs it)."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(TIMEOUT), f"the child did not say {word!r} in {TIMEOUT} s"
    assert proc.stdout.readline().strip() == word


# A save that takes the lock and then hangs: before writing anything, or with its
# temporary file written and os.replace never coming.
STUCK = """
    import os, sys, time
    import hypokit._registry as registry
    from hypokit._records import Objective

    def stuck(*args, **kwargs):
        print("stuck", flush=True)
        time.sleep(600)

    if sys.argv[2] == "before-writing":
        registry._atomic_write = stuck
    else:
        os.replace = stuck
    registry.Registry(sys.argv[1]).save(Objective(id="checkout", title="Theirs"))
"""


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------- the lock
def test_a_stuck_lock_holder_times_out_naming_the_lock_and_its_holder(root, children):
    holder = children(STUCK, root, "before-writing")
    wait_for(holder, "stuck")
    before = snapshot(root)
    registry = Registry(root, lock_timeout=0.5)
    began = time.monotonic()
    with pytest.raises(RegistryError) as info:
        registry.save(objective(title="Mine"))
    waited = time.monotonic() - began
    assert 0.5 <= waited < 5
    message = str(info.value)
    assert re.match(
        re.escape(f"{root / LOCK_FILE}: the registry is locked by pid {holder.pid} on ")
        + re.escape(socket.gethostname())
        + r", since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, which",
        message,
    )
    assert message.endswith(
        "UTC, which did not release it within 0.5 s; nothing was saved. If that process is "
        "stuck, stop it; else try again, or wait longer (Registry(path, lock_timeout=SECONDS), "
        "--lock-timeout)."
    )
    assert snapshot(root) == before
    assert registry.get("checkout").title == "Make checkout effortless"
    # A lock ends with its process: once the holder is gone, saving works at once.
    holder.kill()
    holder.wait(TIMEOUT)
    registry.save(objective(title="Mine"))
    assert Registry(root).get("checkout").title == "Mine"
    assert f"pid {os.getpid()} on " in (root / HOLDER_FILE).read_text()


def test_the_command_line_times_out_on_a_stuck_holder(root, children, capsys):
    holder = children(STUCK, root, "before-writing")
    wait_for(holder, "stuck")
    before = snapshot(root)
    code = main(
        ["learnings", "renew", "payment-step", "--until", "2027-06-30", "--as-of",
         "2026-11-10", "--registry", str(root), "--lock-timeout", "0.3"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"hypokit learnings: error: {root / LOCK_FILE}: the registry is locked by pid {holder.pid}"
    )
    assert "within 0.3 s; nothing was saved" in err
    assert err.count("\n") == 1
    assert snapshot(root) == before


def test_the_default_lock_timeout_and_its_checks(root):
    assert DEFAULT_LOCK_TIMEOUT == 10
    assert Registry(root).lock_timeout == 10
    assert Registry(root, lock_timeout=0).lock_timeout == 0
    for bad in (-1, float("nan"), float("inf"), "10", True):
        with pytest.raises(ValidationError, match="lock_timeout == "):
            Registry(root, lock_timeout=bad)


@pytest.mark.parametrize("value", ["-1", "soon", "inf", "nan"])
def test_a_bad_lock_timeout_on_the_command_line(root, capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["learnings", "retire", "payment-step", "--registry", str(root),
              "--lock-timeout", value])  # fmt: skip
    assert info.value.code == 2
    assert (
        f"argument --lock-timeout: {value!r} is not a number of seconds" in capsys.readouterr().err
    )


def test_a_lock_file_left_by_a_dead_process_does_not_block(root):
    (root / LOCK_FILE).write_text("pid 999999 on elsewhere, since 2020-01-01 00:00:00 UTC\n")
    (root / HOLDER_FILE).write_text("pid 999999 on elsewhere, since 2020-01-01 00:00:00 UTC\n")
    began = time.monotonic()
    Registry(root, lock_timeout=5).save(objective(title="Mine"))
    assert time.monotonic() - began < 2
    assert (root / HOLDER_FILE).read_text().startswith(f"pid {os.getpid()} on ")


def test_a_lock_file_this_user_cannot_write_still_locks(root, monkeypatch):
    """Another user's lock file (mode 644): locking needs no write access."""
    (root / LOCK_FILE).write_text("pid 1 on elsewhere, since 2020-01-01 00:00:00 UTC\n")
    real_open = os.open

    def no_write(path, flags, *args):
        if str(path).endswith(LOCK_FILE) and flags & (os.O_RDWR | os.O_WRONLY):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", no_write)
    Registry(root).save(objective(title="Mine"))
    assert Registry(root).get("checkout").title == "Mine"


# -------------------------------------------------- a full disk, a read-only folder
def failing(code: int):
    """A stand-in for an ``os`` call that fails as the system would, naming its file."""

    def fail(*args, **kwargs):
        name = args[0] if args and isinstance(args[0], str | os.PathLike) else None
        raise OSError(code, os.strerror(code), name)

    return fail


@pytest.mark.parametrize(
    ("call", "code", "record", "detail"),
    [
        ("fsync", errno.ENOSPC, "objectives/checkout.yaml", None),
        ("replace", errno.ENOSPC, "objectives/checkout.yaml", None),  # names the temporary
        ("replace", errno.EROFS, "objectives/checkout.yaml", None),
        ("open", errno.EROFS, "objectives/checkout.yaml", LOCK_FILE),
        ("mkdir", errno.EROFS, "experiments/new-test.yaml", "experiments"),
    ],
    ids=[
        "full-on-flush",
        "full-on-rename",
        "read-only-rename",
        "read-only-lock",
        "read-only-mkdir",
    ],
)
def test_a_save_the_system_refuses_names_the_file_and_changes_nothing(
    root, monkeypatch, call, code, record, detail
):
    registry = Registry(root)
    before = snapshot(root)
    if call == "open":  # creating the lock file (or any file) fails; reading still works
        real_open = os.open
        monkeypatch.setattr(
            os,
            "open",
            lambda path, flags, *a: (
                failing(code)(path) if flags & os.O_CREAT else real_open(path, flags, *a)
            ),
        )
    elif call == "mkdir":
        monkeypatch.setattr(Path, "mkdir", failing(code))
    else:
        monkeypatch.setattr(os, call, failing(code))
    if record.startswith("experiments"):
        from hypokit._records import Experiment

        new = Experiment(id="new-test", hypothesis="express-pay")
    else:
        new = objective(title="Mine")
    with pytest.raises(RegistryError) as info:
        registry.save(new)
    monkeypatch.undo()
    message = str(info.value)
    reason = os.strerror(code)
    if detail:  # the system refused another file (the lock, the folder): it is named too
        assert message == (
            f"{root / record} could not be saved: {reason}: {root / detail}. Nothing was "
            "changed on disk."
        )
    else:
        assert (
            message == f"{root / record} could not be saved: {reason}. Nothing was changed on disk."
        )
    assert "\n" not in message
    assert snapshot(root) == before  # byte for byte, no temporary file left
    assert registry.get("checkout").title == "Make checkout effortless"  # nor in memory
    assert Registry(root).errors == []
    registry.save(new)  # once the disk has room again, the same registry saves
    assert Registry(root).get(new.id) == new


def test_deleting_on_a_read_only_folder(root, monkeypatch):
    registry = Registry(root)
    before = snapshot(root)
    monkeypatch.setattr(Path, "unlink", failing(errno.EROFS))
    with pytest.raises(RegistryError) as info:
        registry.delete("express-pay")
    monkeypatch.undo()
    assert str(info.value) == (
        f"{root / 'hypotheses' / 'express-pay.yaml'} could not be deleted: Read-only file system."
    )
    assert snapshot(root) == before
    assert "express-pay" in registry


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes all")
def test_a_folder_without_write_permission(root):
    registry = Registry(root)
    before = snapshot(root)
    for folder in (root, root / "objectives"):
        folder.chmod(0o555)
    try:
        with pytest.raises(RegistryError, match=r"could not be saved: Permission denied"):
            registry.save(objective(title="Mine"))
    finally:
        for folder in (root, root / "objectives"):
            folder.chmod(0o755)
    assert snapshot(root) == before


@pytest.mark.parametrize("action", ["renew", "retire"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_renew_and_retire_on_a_full_or_read_only_disk(root, monkeypatch, capsys, action, code):
    before = snapshot(root)
    monkeypatch.setattr(os, "replace", failing(code))
    until = ["--until", "2027-06-30"] if action == "renew" else []
    status = main(["learnings", action, "payment-step", *until, "--as-of", "2026-11-10",
                   "--registry", str(root)])  # fmt: skip
    monkeypatch.undo()
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err == (
        f"hypokit learnings: error: {root / 'learnings' / 'payment-step.yaml'} could not be "
        f"saved: {os.strerror(code)}. Nothing was changed on disk.\n"
    )
    assert snapshot(root) == before


# -------------------------------------------------------------- killed writers
def test_temporary_files_of_killed_writers_are_removed_by_the_next_save(root):
    folder = root / "objectives"
    left = [".checkout.yaml.0123abcd.tmp", ".retention.yaml.deadbeef.tmp"]
    kept = [".notes.tmp", ".checkout.yaml.tmp", ".checkout.yaml.0123ABCD.tmp", "draft.tmp"]
    for name in left + kept:
        (folder / name).write_text("half a record")
    (root / "learnings" / ".payment-step.yaml.0123abcd.tmp").write_text("half")
    registry = Registry(root)
    assert registry.errors == []  # hidden files are not records
    registry.save(objective(title="Mine"))
    assert temporaries(folder) == sorted(kept)  # only the names this module writes
    # Only the folder written to is swept; the learnings' goes at its next save.
    assert temporaries(root / "learnings") == [".payment-step.yaml.0123abcd.tmp"]
    registry.renew("payment-step", dt.date(2027, 6, 30), as_of=dt.date(2026, 11, 10))
    assert temporaries(root / "learnings") == []


def test_a_live_writers_temporary_file_is_never_touched_and_a_killed_ones_is(root, children):
    writer = children(STUCK, root, "before-replace")  # its temporary file is written
    wait_for(writer, "stuck")
    folder = root / "objectives"
    (theirs,) = temporaries(folder)
    assert (folder / theirs).read_text() == to_yaml(objective(title="Theirs"))
    registry = Registry(root, lock_timeout=0.3)
    with pytest.raises(RegistryError, match="locked by pid"):
        registry.save(objective(id="retention", title="Keep customers"))
    assert temporaries(folder) == [theirs]  # the live writer's file is left alone
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(TIMEOUT)
    again = Registry(root)
    assert again.errors == []
    assert again.get("checkout").title == "Make checkout effortless"  # the old file, whole
    again.save(objective(id="retention", title="Keep customers"))
    assert temporaries(folder) == []


WRITER = """
    import sys
    import hypokit._registry as registry
    from hypokit._records import Objective

    reg = registry.Registry(sys.argv[1])
    print("ready", flush=True)
    round_ = 0
    while True:
        round_ += 1
        for i in range(int(sys.argv[2])):
            reg.save(Objective(id=f"o-{i:02d}", title=f"round {round_}", description="x" * 4000))
"""


def test_kill_9_during_saves_loses_nothing(root, children):
    count = 20
    first = Registry(root)
    for i in range(count):
        first.save(Objective(id=f"o-{i:02d}", title="round 0", description="x" * 4000))
    rng = random.Random(20261110)
    for _ in range(5):
        writer = children(WRITER, root, count)
        wait_for(writer, "ready")
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(TIMEOUT)
        registry = Registry(root, lock_timeout=2)  # the lock died with the writer
        assert registry.errors == []
        objectives = registry.records(Objective)
        assert [o.id for o in objectives if o.id.startswith("o-")] == [
            f"o-{i:02d}" for i in range(count)
        ]
        for o in objectives[1:]:  # each file whole: exactly what a save writes
            assert registry.path_of(o.id).read_bytes() == to_yaml(o).encode()
        assert sorted(r.id for r in registry if not r.id.startswith("o-")) == sorted(GOOD_IDS)
        registry.save(registry.get("o-00").model_copy(update={"title": "after the kill"}))
        assert temporaries(root / "objectives") == []


# ----------------------------------------------------- stale registries racing
def test_two_stale_registries_cannot_save_one_id_as_two_kinds(root):
    mine, theirs = Registry(root), Registry(root)
    theirs.save(Objective(id="shared", title="Theirs"))
    before = snapshot(root)
    hypothesis = Hypothesis(
        id="shared", change="c", metric="converted", expected_effect=0.1, time_frame_days=7
    )
    with pytest.raises(RegistryError) as info:
        mine.save(hypothesis)
    assert str(info.value) == (
        "id 'shared' is already used by objectives/shared.yaml, saved since this registry read "
        "the folder; ids are unique across the registry. Nothing was saved: call "
        "registry.reload(), then save the hypothesis under another id."
    )
    assert snapshot(root) == before
    registry = Registry(root)
    assert registry.errors == []
    assert isinstance(registry.get("shared"), Objective)
    mine.reload()
    with pytest.raises(RegistryError, match="id 'shared' is already used by the objective in"):
        mine.save(hypothesis)


def save_as(path, kind, rounds, start, results):
    """Each round, save id ``shared-N`` as ``kind`` at the same moment as the other worker."""
    registry = Registry(path)
    for n in range(rounds):
        start.wait(TIMEOUT)
        if kind == "objective":
            record = Objective(id=f"shared-{n}", title="t")
        else:
            record = Learning(
                id=f"shared-{n}", believed="b", observed="o", learned="l", decision="pivot",
                evidence=[{"kind": "ab_test"}], recorded=dt.date(2026, 9, 1),
            )  # fmt: skip
        try:
            registry.save(record)
            results.put((n, kind, "saved"))
        except RegistryError as exc:
            results.put((n, kind, str(exc)))


def test_two_processes_racing_for_one_id_as_two_kinds(root):
    ctx = multiprocessing.get_context("spawn")
    start, results, rounds = ctx.Barrier(2), ctx.Queue(), 15
    procs = [
        ctx.Process(target=save_as, args=(root, kind, rounds, start, results))
        for kind in ("objective", "learning")
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=TIMEOUT) for _ in range(2 * rounds)]
    for p in procs:
        p.join(TIMEOUT)
    assert [p.exitcode for p in procs] == [0, 0]
    registry = Registry(root)
    assert registry.errors == []  # the registry still loads, whole
    for n in range(rounds):
        mine = sorted((kind, outcome) for r, kind, outcome in outcomes if r == n)
        saved = [kind for kind, outcome in mine if outcome == "saved"]
        assert len(saved) == 1, mine
        (refused,) = [outcome for _, outcome in mine if outcome != "saved"]
        assert f"id 'shared-{n}' is already used by " in refused
        assert registry.get(f"shared-{n}").kind == saved[0]


# ------------------------------------------------------------ unusable paths
def unusable_paths(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Name -> (the path, the reason the command line gives)."""
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    (tmp_path / "a-file").write_text("not a folder\n")
    loop = "cannot be used (a symbolic link loop: too many levels of symbolic links)"
    return {
        "symlink-loop": (str(tmp_path / "loop-a"), loop),
        "into-a-loop": (str(tmp_path / "loop-a" / "records"), loop),
        "too-long": (str(tmp_path / ("r" * 5000)), "cannot be used (File name too long)"),
        "through-a-file": (
            str(tmp_path / "a-file" / "records"),
            "cannot be used (Not a directory)",
        ),
        "a-file": (str(tmp_path / "a-file"), "is a file; a registry is a folder"),
        "missing": (str(tmp_path / "missing"), "no such folder; pass the registry's folder"),
    }


COMMANDS = [
    ["check", "--as-of", "2026-11-10"],
    ["learnings", "--as-of", "2026-11-10"],
    ["learnings", "renew", "payment-step", "--until", "2027-06-30"],
    ["learnings", "retire", "payment-step"],
    ["hypotheses"],
    ["hypotheses", "--all"],
    ["okr"],
    ["okr", "--mermaid"],
]


@pytest.mark.parametrize(
    "name", ["symlink-loop", "into-a-loop", "too-long", "through-a-file", "a-file", "missing"]
)
def test_every_record_command_refuses_an_unusable_registry_path(tmp_path, capsys, name):
    path, reason = unusable_paths(tmp_path)[name]
    for command in COMMANDS:
        code = main([*command, "--registry", path])
        out, err = capsys.readouterr()
        assert code == 2, command
        assert out == ""
        line = f"hypokit {command[0]}: error: --registry {path}: {reason}"
        if len(line) <= 400:
            assert err.startswith(line)
        else:  # a very long line keeps its start and its end, which says what was wrong
            assert err.startswith(line[:150])
            assert err.rstrip("\n").endswith(f"{reason}.") or reason in err
        assert err.count("\n") == 1


@pytest.mark.parametrize("name", ["symlink-loop", "into-a-loop", "too-long", "through-a-file"])
def test_the_registry_refuses_an_unusable_path(tmp_path, name):
    path, _ = unusable_paths(tmp_path)[name]
    with pytest.raises(RegistryError, match=r"cannot be used as a registry \("):
        Registry(path)


def test_a_symlink_loop_shows_no_traceback(tmp_path):
    path, _ = unusable_paths(tmp_path)["symlink-loop"]
    env = {**os.environ, "HYPOKIT_REGISTRY": path}
    done = subprocess.run(
        [sys.executable, "-m", "hypokit", "learnings", "retire", "payment-step"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"hypokit learnings: error: --registry {path}: cannot be used (a symbolic link loop: "
        "too many levels of symbolic links).\n"
    )
