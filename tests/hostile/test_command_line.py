"""Hostile input to every command: the documented exit code, one line, never a traceback.

The contract (README, "Command line"): 0 the command ran, 1 findings, 2 a usage or
input error with exactly one line on stderr, ``hypokit COMMAND: error: ...``, naming
the argument, file or column and what was expected; 3 an unexpected error (a bug),
one line asking to report it; 130 interrupted; 141 the reader of the output went
away. ``HYPOKIT_DEBUG=1`` or ``--debug`` adds the traceback.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hypokit as hk
from hypokit import _cli
from hypokit._cli import EXIT_INTERNAL, MAX_LOOKS, main
from hypokit._registry import Registry
from hypokit.datasets import checkout_experiment
from tests.test_registry import experiment, hypothesis, key_result, learning, objective

BASE = ["--variant", "variant", "--control", "control", "--metric", "converted:proportion"]


@dataclass
class Run:
    code: int | str | None
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def run(*args: str) -> Run:
    """``main(args)`` in this process, warnings shown as the command line shows them."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code: int | str | None = main(list(args))
        except SystemExit as exc:  # argparse: usage errors, --help
            code = exc.code
    return Run(code, out.getvalue(), err.getvalue())


def no_traceback(result: Run) -> None:
    assert "Traceback" not in result.out + result.err, result.err
    assert 'File "' not in result.err, result.err


def refused(result: Run, command: str, *needles: str) -> str:
    """Exit 2, nothing else on stderr than one error line holding every needle."""
    no_traceback(result)
    assert result.code == 2, (result.code, result.err)
    assert len(result.lines) == 1, result.err
    line = result.lines[0]
    assert line.startswith(f"hypokit {command}: error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    path = folder / "experiment.csv"
    checkout_experiment().head(6000).to_csv(path, index=False)
    return path


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "records"
    reg = Registry(path)
    for record in (objective(), key_result(), hypothesis(), experiment(), learning()):
        reg.save(record)
    return path


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    path = tmp_path_factory.mktemp("nb") / "small.ipynb"
    path.write_text(
        '{"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Hi"}],'
        ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        encoding="utf-8",
    )
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ output paths
def test_demo_output_dir_that_is_a_file_is_refused_before_printing(tmp_path):
    target = tmp_path / "taken"
    target.write_text("mine")
    result = run("demo", "--output-dir", str(target))
    refused(result, "demo", "--output-dir", repr(str(target)), "is a file; expected a folder")
    assert result.out == ""  # checked before the plans are printed
    assert target.read_text() == "mine"


def test_demo_output_dir_below_a_file(tmp_path):
    (tmp_path / "taken").write_text("mine")
    result = run("demo", "--output-dir", str(tmp_path / "taken" / "demo"))
    refused(result, "demo", "--output-dir", repr(str(tmp_path / "taken")), "expected a folder")
    assert result.out == ""


def test_demo_report_path_that_is_a_folder(tmp_path):
    (tmp_path / "demo" / "checkout-analysis.html").mkdir(parents=True)
    result = run("demo", "--output-dir", str(tmp_path / "demo"))
    refused(result, "demo", "--output-dir", "checkout-analysis.html", "is a folder")
    assert result.out == ""


def test_demo_without_a_report_writes_nothing_and_ignores_the_folder(tmp_path):
    (tmp_path / "taken").write_text("mine")
    result = run("demo", "--no-report", "--output-dir", str(tmp_path / "taken"))
    assert result.code == 0, result.err
    assert "n_per_arm" in result.out


@pytest.mark.parametrize(
    ("output", "needles"),
    [
        ("{folder}", ["--output", "is a folder; expected a file name"]),
        ("{file}/report.html", ["--output", "'{file}' is a file; expected a folder"]),
        ("{tmp}/report.txt", ["--output == ", "must end in .html"]),
    ],
)
def test_report_output_that_cannot_be_a_file(tmp_path, notebook, output, needles):
    folder = tmp_path / "out.html"
    folder.mkdir()
    file = tmp_path / "file"
    file.write_text("x")
    fill = {"folder": str(folder), "file": str(file), "tmp": str(tmp_path)}
    result = run("report", str(notebook), "-o", output.format(**fill))
    refused(result, "report", *(n.format(**fill) for n in needles))
    assert file.read_text() == "x"


def test_report_default_output_that_is_a_folder(tmp_path, notebook):
    copy = tmp_path / "small.ipynb"
    copy.write_bytes(notebook.read_bytes())
    (tmp_path / "small.html").mkdir()
    result = run("report", str(copy))
    refused(result, "report", "NOTEBOOK", "small.html", "is a folder; expected a file name")


def test_report_creates_missing_folders_and_replaces_a_link_instead_of_writing_through(
    tmp_path, notebook
):
    result = run("report", str(notebook), "-o", str(tmp_path / "a" / "b" / "r.html"))
    assert result.code == 0, result.err
    assert (tmp_path / "a" / "b" / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.html"
    link.symlink_to(victim)
    assert run("report", str(notebook), "-o", str(link)).code == 0
    assert victim.read_text() == "keep me"
    assert not link.is_symlink()


@pytest.mark.parametrize("below", [False, True])
def test_new_folder_that_is_a_file(tmp_path, below):
    file = tmp_path / "file"
    file.write_text("x")
    folder = file / "notebooks" if below else file
    result = run("new", "sizing", "plan", "--folder", str(folder))
    needle = f"{str(file)!r} is a file; expected a folder" if below else "is a file; expected"
    refused(result, "new", "--folder", needle)
    assert file.read_text() == "x"


def test_analyze_output_problems(tmp_path, data):
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "file").write_text("x")
    refused(
        run("analyze", str(data), *BASE, "--output", str(tmp_path / "dir.csv")),
        "analyze",
        "--output",
        "is a folder; expected a file name",
    )
    refused(
        run("analyze", str(data), *BASE, "--output", str(tmp_path / "file" / "r.csv")),
        "analyze",
        "--output",
        f"{str(tmp_path / 'file')!r} is a file; expected a folder",
    )


def test_analyze_output_may_not_overwrite_its_input(tmp_path, data):
    copy = tmp_path / "in.csv"
    copy.write_bytes(data.read_bytes())
    before = copy.read_bytes()
    line = refused(
        run("analyze", str(copy), *BASE, "--output", str(copy)),
        "analyze",
        "--output",
        "is one of the input files",
    )
    assert "destroy" in line
    assert copy.read_bytes() == before
    link = tmp_path / "alias.csv"
    link.symlink_to(copy)
    refused(run("analyze", str(copy), *BASE, "--output", str(link)), "analyze", "--output")
    assert copy.read_bytes() == before


# ------------------------------------------------------------------- input files
BAD_FILES = [
    ("empty.csv", b"", "is an empty file"),
    ("binary.csv", bytes(range(256)) * 4, "holds binary data (a NUL byte at offset 0)"),
    ("utf16.csv", "variant,converted\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
    ("latin1.csv", "variant,caf\xe9\ncontrol,1\n".encode("latin-1"), "is not UTF-8 text"),
    ("header.csv", b"variant,converted\n\n\n", "has a header line but no rows"),
    ("zip.csv", b"PK\x03\x04" + b"\x00" * 40, "is a zip archive"),
    ("parquet.csv", b"PAR1" + b"\x00" * 20 + b"PAR1", "is a Parquet file; name it .parquet"),
    ("gzip.csv", gzip.compress(b"a,b\n1,2\n"), "is gzip-compressed; name it .csv.gz"),
    ("short.parquet", b"PAR1xx", "is not a Parquet file"),
    ("text.parquet", b"variant,converted\ncontrol,1\n" * 3, "is not a Parquet file"),
    ("plain.csv.gz", b"variant,converted\ncontrol,1\n", "is not gzip-compressed"),
]


@pytest.mark.parametrize(("name", "content", "needle"), BAD_FILES)
def test_analyze_refuses_a_file_that_is_not_data(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    refused(run("analyze", str(path), *BASE), "analyze", f"PATH_OR_GLOB {str(path)!r}", needle)


@pytest.mark.parametrize(("name", "content", "needle"), BAD_FILES)
def test_size_data_refuses_a_file_that_is_not_data(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("size", "--mde", "0.1", "--data", str(path), "--column", "converted")
    refused(result, "size", f"--data {str(path)!r}", needle)


def test_analyze_paths_that_are_not_files(tmp_path, data):
    folder = tmp_path / "parts"
    folder.mkdir()
    refused(run("analyze", str(folder), *BASE), "analyze", "is a folder; give its files")
    dangling = tmp_path / "gone.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    refused(run("analyze", str(dangling), *BASE), "analyze", "a link to a file that does not")
    refused(run("analyze", str(tmp_path / "nope.csv"), *BASE), "analyze", "no such file")
    refused(run("analyze", "bad\x00name.csv", *BASE), "analyze", "NUL character")


def test_analyze_a_file_given_twice_would_count_its_units_twice(tmp_path, data):
    copy = tmp_path / "a.csv"
    copy.write_bytes(data.read_bytes())
    link = tmp_path / "b.csv"
    link.symlink_to(copy)
    hard = tmp_path / "c.csv"
    os.link(copy, hard)
    refused(run("analyze", str(copy), str(copy), *BASE), "analyze", "is given twice")
    for other in (link, hard):
        line = refused(run("analyze", str(copy), str(other), *BASE), "analyze", "same file")
        assert "count twice" in line
    refused(
        run("analyze", str(copy), str(tmp_path / "*.csv"), *BASE), "analyze", "name the same file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_is_not_sniffed(tmp_path):
    """Reading a pipe's first bytes to check them would take them from the analysis."""
    import threading

    fifo = tmp_path / "stream.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def check():
        _cli._data_argument([str(fifo)])  # would block in open() with no writer
        done.set()

    thread = threading.Thread(target=check, daemon=True)
    thread.start()
    thread.join(10)
    if not done.is_set():  # unblock the thread before failing
        with open(fifo, "w") as f:
            f.write("")
    assert done.is_set()


# ------------------------------------------------------------------ segments CSV
def segments_file(tmp_path, content: bytes | str, name: str = "traffic.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def size_with(path: Path, *extra: str) -> Run:
    return run("size", "--mde", "0.1", "--relative", "--segments-csv", str(path), *extra)


def test_segments_csv_refuses_a_segment_on_two_rows_naming_both(tmp_path):
    path = segments_file(
        tmp_path, "segment,traffic,baseline\nnew,2000,0.05\nreturning,800,0.12\nnew,100,0.05\n"
    )
    refused(
        size_with(path),
        "size",
        f"--segments-csv {str(path)!r}",
        "segment 'new' is on line 2 and on line 4",
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (bytes(range(256)), "holds binary data"),
        ("segment,traffic\n".encode("utf-16"), "is UTF-16 text"),
        ("segment,traffic\ncaf\xe9,1\n".encode("latin-1"), "line 2: not UTF-8 text"),
        ("segment,traffic\n", "has a header line but no rows"),
        ("segment;traffic\nnew;100\n", "(the columns must be separated by commas)"),
        ("segment,traffic,basline\nnew,100,0.1\n", "unknown column 'basline'"),
        ("segment,traffic,traffic\nnew,100,1\n", "the column 'traffic' appears twice"),
        ("segment,baseline\nnew,0.1\n", "needs columns 'segment' and 'traffic'"),
        ("segment,traffic,baseline\nnew,100\n", "line 2: 2 cells, but the header has 3"),
        ("segment,traffic\n,100\n", "line 2: the segment is empty"),
        ("segment,traffic\n(all),100\n", "line 2: '(all)' is the name hypokit keeps"),
        ("segment,traffic\nnew,lots\n", "line 2: column 'traffic' must be a number; it is 'lots'"),
        ("segment,traffic\nnew,\n", "line 2: column 'traffic' must be a number; it is ''"),
        ("segment,traffic\nnew,inf\n", "line 2, segment 'new': traffic == inf, must be a finite"),
        ("segment,traffic\nnew,nan\n", "line 2, segment 'new': traffic == nan"),
        ("segment,traffic\nnew,-5\n", "segment 'new': traffic == -5.0, must be greater than 0"),
        ("segment,traffic,baseline\nnew,9,1.5\n", "baseline == 1.5, must be in (0, 1)"),
        ("segment,traffic,sd\nnew,9,0\n", "sd == 0.0, must be greater than 0"),
        ("segment,traffic,correlation\nnew,9,1\n", "correlation == 1.0, must be in (-1, 1)"),
        ('segment,traffic\n"new,100\n', "not valid CSV"),
    ],
)
def test_segments_csv_refuses_with_the_file_and_line(tmp_path, content, needle):
    path = segments_file(tmp_path, content)
    refused(size_with(path), "size", f"--segments-csv {str(path)!r}", needle)


def test_segments_csv_that_is_not_a_file(tmp_path):
    refused(size_with(tmp_path), "size", "--segments-csv", "is a folder; expected a file")
    refused(size_with(tmp_path / "missing.csv"), "size", "--segments-csv", "no such file")
    path = segments_file(tmp_path, "segment,traffic\nnew,1\n", "traffic.parquet")
    refused(size_with(path), "size", "--segments-csv", "expected a .csv, .csv.gz or .tsv")
    bad_gz = segments_file(tmp_path, b"segment,traffic\n", "traffic.csv.gz")
    refused(size_with(bad_gz), "size", "--segments-csv", "is not gzip-compressed")


def test_segments_csv_keeps_names_as_written(tmp_path):
    """NA, null and 01 are segments, not missing values or numbers; a BOM is fine."""
    path = segments_file(
        tmp_path,
        "\ufeffsegment, traffic, baseline\nNA, 2000, 0.05\nnull,800,0.12\n01,500,0.1\n",
    )
    result = size_with(path, "--format", "csv")
    assert result.code == 0, result.err
    table = pd.read_csv(io.StringIO(result.out), keep_default_na=False, dtype={"segment": str})
    assert sorted(table["segment"]) == ["01", "NA", "null"]
    gz = segments_file(tmp_path, gzip.compress(b"segment,traffic\nnew,100\n"), "t.csv.gz")
    assert run("size", "--baseline", "0.1", "--mde", "0.1", "--segments-csv", str(gz)).code == 0
    tsv = segments_file(tmp_path, "segment\ttraffic\nnew\t100\n", "t.tsv")
    assert run("size", "--baseline", "0.1", "--mde", "0.1", "--segments-csv", str(tsv)).code == 0


# ----------------------------------------------------------------------- --looks
@pytest.mark.parametrize(
    ("looks", "count"),
    [
        ("1000", "1,000"),
        (str(MAX_LOOKS + 1), str(MAX_LOOKS + 1)),
        ("1_000", "1,000"),
        ("9" * 30, None),
        (",".join(f"{i / 200:g}" for i in range(1, 201)), "200"),
    ],
)
def test_too_many_looks(looks, count):
    result = run("size", "--baseline", "0.1", "--mde", "0.02", "--looks", looks)
    line = refused(result, "size", "--looks", f"expected at most {MAX_LOOKS}")
    if count is not None:
        assert f"{count} looks" in line


def test_the_most_looks_work():
    result = run("size", "--baseline", "0.1", "--mde", "0.02", "--looks", str(MAX_LOOKS))
    assert result.code == 0, result.err
    schedule = result.out.split("\n\n")[1].strip().splitlines()
    assert len(schedule) == 2 + MAX_LOOKS


@pytest.mark.parametrize(
    ("looks", "needle"),
    [
        ("9" * 5000, "expected a number of looks"),
        ("0.5,,1", "expected a number of looks"),
        ("nan,1", "must be fractions in (0, 1]"),
        ("-3", "must be at least 1"),
    ],
)
def test_bad_looks(looks, needle):
    refused(run("size", "--baseline", "0.1", "--mde", "0.02", "--looks", looks), "size", needle)


# --------------------------------------------------- unreadable and unwritable files
def deny(monkeypatch, path: Path, *, mode: str = "read"):
    """``open`` and temporary files fail with EACCES for ``path`` (root ignores chmod)."""
    import builtins
    import tempfile

    real_open, real_mkstemp = builtins.open, tempfile.mkstemp

    def fake_open(file, *args, **kwargs):
        if mode == "read" and os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    def fake_mkstemp(*args, dir=None, **kwargs):
        if mode == "write" and dir is not None and Path(dir) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(tempfile, "mkstemp", fake_mkstemp)


def test_unreadable_inputs(monkeypatch, tmp_path, data, notebook):
    copy = tmp_path / "data.csv"
    copy.write_bytes(data.read_bytes())
    traffic = segments_file(tmp_path, "segment,traffic\nnew,100\n")
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes(notebook.read_bytes())
    for path in (copy, traffic, nb):
        deny(monkeypatch, path)
    refused(run("analyze", str(copy), *BASE), "analyze", "PATH_OR_GLOB", "Permission denied")
    refused(size_with(traffic), "size", "--segments-csv", "cannot read it (Permission denied)")
    refused(run("report", str(nb)), "report", "NOTEBOOK", "cannot read it (Permission denied)")


def test_unwritable_outputs(monkeypatch, tmp_path, data, notebook):
    out = tmp_path / "out"
    out.mkdir()
    deny(monkeypatch, out, mode="write")
    refused(
        run("analyze", str(data), *BASE, "--output", str(out / "r.csv")),
        "analyze",
        "--output",
        "cannot write it (Permission denied); nothing was written",
    )
    refused(
        run("report", str(notebook), "-o", str(out / "r.html")),
        "report",
        "--output",
        "Permission denied",
    )
    refused(
        run("new", "sizing", "plan", "--folder", str(out)),
        "new",
        "plan.ipynb",
        "Permission denied",
    )
    assert listing(out) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_and_unwritable_for_real(tmp_path, data):
    copy = tmp_path / "data.csv"
    copy.write_bytes(data.read_bytes())
    copy.chmod(0)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        refused(run("analyze", str(copy), *BASE), "analyze", "Permission denied")
        refused(run("new", "sizing", "plan", "--folder", str(locked)), "new", "Permission denied")
    finally:
        copy.chmod(0o600)
        locked.chmod(0o700)


def test_a_full_disk_leaves_no_half_file(monkeypatch, tmp_path, data, notebook):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    old = tmp_path / "r.html"
    old.write_text("the previous report")
    monkeypatch.setattr(os, "fsync", full)
    for args, command, what in [
        (("analyze", str(data), *BASE, "--output", str(tmp_path / "r.csv")), "analyze", "--output"),
        (("report", str(notebook), "-o", str(old)), "report", "--output"),
        (("new", "sizing", "plan", "--folder", str(tmp_path)), "new", "the notebook"),
    ]:
        line = refused(run(*args), command, what, "No space left on device")
        assert "nothing was written" in line
    assert listing(tmp_path) == ["r.html"]  # no temporary files left behind
    assert old.read_text() == "the previous report"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE and SIGXFSZ")
def test_a_file_size_limit_for_real(tmp_path, data):
    """The operating system refuses the write (EFBIG, as a full disk refuses with ENOSPC)."""
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "hypokit", "analyze", str(data), *BASE, "--segments", "segment",
         "--output", str(out / "report.html"), "--quiet"],
        capture_output=True, text=True, preexec_fn=limit, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hypokit analyze: error: --output ")
    assert "File too large" in lines[0]
    assert listing(out) == []


# ------------------------------------------------------------- usage errors
@pytest.mark.parametrize(
    ("args", "command", "needle"),
    [
        (["size", "--mde", "abc"], "size", "argument --mde: invalid float value: 'abc'"),
        (["size", "--baseline", "0.1"], "size", "the following arguments are required: --mde"),
        (["size", "--mde", "1", "--wat"], "size", "unrecognized arguments: --wat"),
        (["analyze", "x.csv", "--metric", "a:mean"], "analyze", "--variant"),
        (["analyze", "x.csv", *BASE, "--method", "boot"], "analyze", "invalid choice: 'boot'"),
        (["new", "sizing", "x", "-p"], "new", "argument -p/--parameter: expected one argument"),
        (["check", "--as-of", "tomorrow"], "check", "not a date"),
        (["report"], "report", "NOTEBOOK"),
    ],
)
def test_usage_errors_are_one_line(args, command, needle):
    line = refused(run(*args), command, needle)
    assert line.endswith(f"(see 'hypokit {command} --help')")


def test_an_unknown_command_and_no_command():
    line = run("bogus")
    assert line.code == 2
    assert len(line.lines) == 1
    assert "invalid choice: 'bogus'" in line.err
    result = run()
    assert result.code == 2
    assert "usage: hypokit" in result.out
    assert result.lines == ["hypokit: error: give a COMMAND (the commands are listed above)."]


# ------------------------------------------------------------ the last resort
class UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("no message")


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (ValueError("math domain error"), "ValueError: math domain error"),
        (KeyError("segment"), "KeyError: 'segment'"),
        (ZeroDivisionError(), "ZeroDivisionError."),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum"),
        (MemoryError(), "MemoryError."),
        (AssertionError(), "AssertionError."),
        (TypeError("a\nb\x1b[31m"), "TypeError: a b\\x1b[31m"),
        (UnprintableError(), "UnprintableError: (UnprintableError, no message)"),
        (UnicodeEncodeError("ascii", "é", 0, 1, "x"), "UnicodeEncodeError: 'ascii' codec"),
    ],
)
def test_an_unexpected_error_is_one_line_asking_to_report_it(monkeypatch, exc, shown):
    def boom(ns):
        raise exc

    monkeypatch.setattr(_cli, "_run_size", boom)
    monkeypatch.delenv("HYPOKIT_DEBUG", raising=False)
    result = run("size", "--baseline", "0.1", "--mde", "0.02")
    no_traceback(result)
    assert result.code == EXIT_INTERNAL == 3
    assert len(result.lines) == 1, result.err
    line = result.lines[0]
    assert line.startswith(f"hypokit size: internal error: {shown}"), line
    assert "This is a bug in hypokit" in line
    assert "please report it" in line
    assert "HYPOKIT_DEBUG=1 shows the traceback" in line


@pytest.mark.parametrize("how", [("env", "1"), ("env", "yes"), ("flag", "first"), ("flag", "last")])
def test_debug_shows_the_traceback(monkeypatch, how):
    def boom(ns):
        raise ValueError("deep inside")

    monkeypatch.setattr(_cli, "_run_size", boom)
    args = ["size", "--baseline", "0.1", "--mde", "0.02"]
    monkeypatch.delenv("HYPOKIT_DEBUG", raising=False)
    if how[0] == "env":
        monkeypatch.setenv("HYPOKIT_DEBUG", how[1])
    else:
        args = ["--debug", *args] if how[1] == "first" else [*args, "--debug"]
    result = run(*args)
    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err
    assert "ValueError: deep inside" in result.err
    assert result.lines[-1].startswith("hypokit size: internal error: ValueError: deep inside")


@pytest.mark.parametrize("value", ["0", "", "false", "no"])
def test_debug_off(monkeypatch, value):
    monkeypatch.setenv("HYPOKIT_DEBUG", value)
    monkeypatch.setattr(_cli, "_run_size", lambda ns: 1 / 0)
    result = run("size", "--baseline", "0.1", "--mde", "0.02")
    assert result.code == 3
    no_traceback(result)


def test_debug_also_traces_input_errors():
    result = run("--debug", "size", "--baseline", "0.1", "--mde", "0.02", "--looks", "1000")
    assert result.code == 2
    assert "Traceback" in result.err
    assert result.lines[-1].startswith("hypokit size: error: --looks '1000'")


def test_os_errors_interrupts_and_closed_pipes(monkeypatch):
    args = ("size", "--baseline", "0.1", "--mde", "0.02")
    for exc, code, lines in [
        (OSError(errno.EIO, "Input/output error", "disk.img"), 2, ["'disk.img': Input/output"]),
        (OSError(errno.EIO, "Input/output error"), 2, ["hypokit size: error: Input/output"]),
        (KeyboardInterrupt(), 130, ["hypokit size: error: interrupted."]),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), 141, []),
        (hk.DataError("first line\nsecond line"), 2, ["error: first line second line"]),
    ]:

        def boom(ns, exc=exc):
            raise exc

        monkeypatch.setattr(_cli, "_run_size", boom)
        monkeypatch.setattr(_cli, "_stdout_gone", lambda: None)  # keep pytest's stdout
        result = run(*args)
        no_traceback(result)
        assert result.code == code, (exc, result.err)
        assert len(result.lines) == len(lines), result.err
        for line, needle in zip(result.lines, lines, strict=True):
            assert needle in line


def python(*code_and_args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *code_and_args], capture_output=True, text=True, check=False, **kwargs
    )


def test_in_a_real_process_exit_codes_and_stderr():
    proc = python("-m", "hypokit", "size", "--baseline", "0.1", "--mde", "0.02", "--looks", "1000")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "hypokit size: error: --looks '1000': 1,000 looks; expected at most 100 (daily looks "
        "for three months)."
    ]
    crash = textwrap.dedent(
        """
        import sys
        import hypokit._cli as cli
        def boom(ns):
            raise ValueError("deep inside")
        cli._run_size = boom
        sys.exit(cli.main(sys.argv[1:]))
        """
    )
    proc = python("-c", crash, "size", "--baseline", "0.1", "--mde", "0.02")
    assert proc.returncode == 3
    assert len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr
    env = {**os.environ, "HYPOKIT_DEBUG": "1"}
    proc = python("-c", crash, "size", "--baseline", "0.1", "--mde", "0.02", env=env)
    assert proc.returncode == 3
    assert "Traceback (most recent call last)" in proc.stderr


def test_a_terminal_that_cannot_show_the_labels(tmp_path):
    """Labels a terminal's encoding lacks are printed as escapes, not a crash."""
    traffic = segments_file(tmp_path, "segment,traffic\ncafé,100\n日本,200\n")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    args = ["size", "--baseline", "0.1", "--mde", "0.1", "--segments-csv", str(traffic)]
    proc = python("-m", "hypokit", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "caf\\xe9" in proc.stdout
    assert "\\u65e5\\u672c" in proc.stdout
    missing = str(tmp_path / "nié.csv")
    proc = python("-m", "hypokit", *args[:-1], missing, env=env)
    assert proc.returncode == 2
    line = f"hypokit size: error: --segments-csv {missing!r}: no such file."
    assert proc.stderr.splitlines() == [line.encode("ascii", "backslashreplace").decode()]


def test_the_exit_codes_are_in_the_help():
    result = run("--help")
    assert result.code == 0
    assert "Exit status: 0 done; 1 findings" in result.out
    assert "3 an\nunexpected error, a bug: please report it" in result.out


def test_a_reader_that_goes_away(tmp_path):
    """``hypokit ... | head -1``: exit 141 as after SIGPIPE, nothing on stderr."""
    traffic = segments_file(
        tmp_path, "segment,traffic\n" + "".join(f"s{i},{100 + i}\n" for i in range(60))
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hypokit", "size", "--baseline", "0.1", "--mde", "0.02",
         "--segments-csv", str(traffic), "--looks", "50"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert err == ""


# -------------------------------------------------- messages that name the column
def test_infinite_values_and_overflowing_squares_name_the_column(tmp_path):
    rows = 200
    frame = pd.DataFrame(
        {
            "variant": ["control", "treatment"] * (rows // 2),
            "segment": ["new"] * (rows // 2) + ["old"] * (rows // 2),
            "spend": [1.0, 2.0] * (rows // 2),
            "huge": [1e200, 3e200] * (rows // 2),
            "visits": [1.0, 2.0] * (rows // 2),
        }
    )
    frame.loc[150, "visits"] = float("inf")
    path = tmp_path / "events.parquet"
    frame.to_parquet(path)
    cases = [
        ("huge:mean", "huge column == 'huge': its squares overflow 64-bit floats", "'new'"),
        ("spend/visits:ratio", "spend/visits denominator == 'visits': an infinite value", "'old'"),
        ("spend:mean:huge", "spend covariate == 'huge': its squares overflow", "'new'"),
    ]
    for metric, needle, segment in cases:
        result = run("analyze", str(path), "--variant", "variant", "--control", "control",
                     "--segments", "segment", "--metric", metric)  # fmt: skip
        line = refused(result, "analyze", needle)
        assert f"in segment {segment}, variant " in line
    result = run("size", "--metric", "mean", "--mde", "0.1", "--relative", "--data", str(path),
                 "--column", "huge", "--days", "7")  # fmt: skip
    refused(result, "size", "huge column == 'huge': its squares overflow")


def test_text_in_a_numeric_column_names_it(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("variant,spend\ncontrol,1\ntreatment,n/a\ncontrol,2\ntreatment,3\n")
    result = run("analyze", str(path), "--variant", "variant", "--control", "control",
                 "--metric", "spend:mean")  # fmt: skip
    refused(result, "analyze", "spend column == 'spend': expected numbers, found VARCHAR")


# ---------------------------------------------------------- arbitrary text
HOSTILE = [
    "", " ", "-", "-1", "0", "-0", "nan", "inf", "-inf", "1e999", "1e-320", "9" * 400,
    "$x_$", "../x", "..", "/", "\\", "\n", "a\nb", "'", '"', "{}", "[", "\x00", "\udcff",
    "\u2028", "\x1b[31m", "😀", "(all)", "NA", "x" * 3000, "0.25,0.5,1", ":", "=", "a:b:c:d",
    "revenue/sessions:ratio", "converted:proportion=x", "control", "2026-02-30", "@file",
]  # fmt: skip
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=16))
LOCAL_NAME = st.one_of(
    st.sampled_from(["a.csv", "x.html", "nb.ipynb", " ", "-", "a b", "é.csv", "$.html"]),
    st.text(st.characters(blacklist_characters="/\\\x00"), min_size=1, max_size=12),
).filter(lambda s: s not in (".", ".."))
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_contract(result: Run) -> None:
    no_traceback(result)
    assert result.code in (0, 1, 2), (result.code, result.err)
    if result.code == 2:
        assert len(result.lines) >= 1
        assert "error: " in result.lines[-1]


def options(names: list[str]):
    return st.lists(st.tuples(st.sampled_from(names), TEXT), max_size=3)


SIZE = ["--metric", "--baseline", "--mean", "--sd", "--correlation", "--mde", "--alpha",
        "--power", "--alternative", "--ratio", "--arms", "--correction", "--margin", "--method",
        "--looks", "--spending", "--traffic", "--column", "--covariate", "--numerator",
        "--denominator", "--segment-column", "--date-column", "--days", "--format"]  # fmt: skip


@FUZZ
@given(pairs=options(SIZE), data_too=st.booleans())
def test_size_with_arbitrary_text(data, pairs, data_too):
    args = ["size", "--baseline", "0.1", "--mde", "0.02"]
    if data_too:
        args += ["--data", str(data), "--column", "converted", "--segment-column", "segment"]
    for option, value in pairs:
        args += [option, value]
    assert_contract(run(*args))


ANALYZE = ["--variant", "--control", "--metric", "--segments", "--date", "--alpha",
           "--correction", "--alternative", "--lift", "--allocation", "--srm-alpha", "--method",
           "--n-tune", "--prior-a", "--prior-b", "--prior-sd", "--format"]  # fmt: skip


@FUZZ
@given(pairs=options(ANALYZE), path=st.one_of(st.none(), TEXT))
def test_analyze_with_arbitrary_text(data, pairs, path):
    args = ["analyze", str(data) if path is None else path, *BASE, "--quiet", "--progress", "off"]
    for option, value in pairs:
        args += [option, value]
    assert_contract(run(*args))


MONITOR = ["--variant", "--control", "--metric", "--segments", "--date", "--guardrail",
           "--registry", "--experiment", "--as-of", "--alpha", "--srm-alpha",
           "--format"]  # fmt: skip


@FUZZ
@given(pairs=options(MONITOR), path=st.one_of(st.none(), TEXT))
def test_monitor_with_arbitrary_text(data, pairs, path):
    args = ["monitor", str(data) if path is None else path, *BASE]
    for option, value in pairs:
        args += [option, value]
    assert_contract(run(*args))


@FUZZ
@given(kind=st.sampled_from(["status", "hypotheses"]), pairs=st.lists(TEXT, max_size=4))
def test_status_and_moves_with_arbitrary_text(tmp_path_factory, kind, pairs):
    folder = tmp_path_factory.mktemp("registry")
    assert_contract(run(kind, "--registry", str(folder), *pairs))
    assert_contract(run("hypotheses", "--registry", str(folder), "start", *pairs))


@FUZZ
@given(name=LOCAL_NAME, content=st.binary(max_size=200), metric=TEXT)
def test_analyze_and_size_with_arbitrary_files(tmp_path_factory, name, content, metric):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_bytes(content)
    assert_contract(run("analyze", str(path), *BASE, "--metric", metric, "--progress", "off"))
    assert_contract(run("size", "--baseline", "0.1", "--mde", "0.1", "--segments-csv", str(path)))
    assert_contract(run("size", "--mde", "0.1", "--data", str(path), "--column", metric))


@FUZZ
@given(kind=TEXT, name=TEXT, parameters=st.lists(TEXT, max_size=3), folder=LOCAL_NAME)
def test_new_with_arbitrary_text(tmp_path_factory, kind, name, parameters, folder):
    root = tmp_path_factory.mktemp("new")
    args = ["new", kind, name, "--folder", str(root / folder)]
    for item in parameters:
        args += ["-p", item]
    assert_contract(run(*args))
    args = ["new", "sizing", name, "--folder", str(root / folder)]
    for item in parameters:
        args += ["-p", f"mde={item}"]
    assert_contract(run(*args))


@settings(FUZZ, max_examples=25)
@given(name=LOCAL_NAME, output=LOCAL_NAME, content=st.binary(max_size=100))
def test_report_with_arbitrary_paths(tmp_path_factory, notebook, name, output, content):
    folder = tmp_path_factory.mktemp("report")
    path = folder / name
    path.write_bytes(content)
    assert_contract(run("report", str(path), "-o", str(folder / output)))
    assert_contract(run("report", str(notebook), "-o", str(folder / output)))


@settings(FUZZ, max_examples=10)
@given(output=LOCAL_NAME)
def test_demo_with_arbitrary_text(tmp_path_factory, output):
    folder = tmp_path_factory.mktemp("demo")
    assert_contract(run("demo", "--no-report", "--output-dir", str(folder / output)))


RECORDS = [
    ("learnings", ["--as-of", "--due-within", "--segment"]),
    ("hypotheses", ["--by"]),
    ("okr", []),
    ("check", ["--as-of"]),
]


@FUZZ
@given(
    command=st.sampled_from(RECORDS),
    values=st.lists(TEXT, min_size=3, max_size=3),
    action=st.sampled_from([None, "renew", "retire"]),
)
def test_record_commands_with_arbitrary_text(records, command, values, action):
    name, opts = command
    args = [name, "--registry", str(records)]
    for option, value in zip(opts, values, strict=False):
        args += [option, value]
    if name == "learnings" and action is not None:
        args = ["learnings", action, values[0], "--registry", str(records)]
        if action == "renew":
            args += ["--until", values[1]]
    assert_contract(run(*args))
