"""Standalone HTML reports from notebooks: ``hypokit report NOTEBOOK``.

For people who do not open Jupyter: the notebook (optionally executed first) becomes
one HTML file with the code hidden, keeping the Markdown, tables, plots and printed
findings. Uses nbconvert's HTML exporter (installed with JupyterLab).

Every problem is one :class:`~hypokit.HypokitError` naming ``NOTEBOOK`` or
``--output``: a path that is not a notebook file, a file that is not a valid notebook,
a cell that fails when executing (its error, not its traceback), an output that is a
folder or cannot be written. The output is checked before the notebook runs and is
written in one step (no half report on a full disk).
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path
from typing import Any

from hypokit._errors import DataError, ValidationError

__all__ = ["render_report"]


def _output_path(path: Path, output: str | Path | None) -> Path:
    from hypokit._files import check_output_file

    if output is None:
        out = path.with_suffix(".html")
        check_output_file(out, f"NOTEBOOK {str(path)!r}: its report", create=False)
        return out
    out = Path(output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValidationError(f"--output == {str(out)!r}, must end in .html.")
    return check_output_file(out, "--output", create=True)


def _read(path: Path) -> Any:
    """The notebook at ``path``, validated; one DataError naming it when it is not one."""
    import nbformat

    from hypokit._files import input_kind, read_bytes

    input_kind(path, "NOTEBOOK")
    raw = read_bytes(path, "NOTEBOOK")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"NOTEBOOK {str(path)!r} is not a notebook: not UTF-8 text (byte {exc.start})."
        ) from None
    try:
        with warnings.catch_warnings():
            # ids missing from old notebooks are added by normalisation; not the user's fault
            warnings.filterwarnings("ignore", module="nbformat")
            nb = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
            nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several error types for bad files
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"NOTEBOOK {str(path)!r} is not a valid notebook ({message[:200]})."
        ) from None
    return nb


def _execute(nb: Any, path: Path, timeout: int) -> None:
    """Run ``nb`` in its own folder; a failing cell is one DataError with its error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    where = f"NOTEBOOK {str(path)!r}"
    try:
        # the kernel's own start-up messages are not the report's business
        client.execute(stderr=subprocess.DEVNULL)
    except CellTimeoutError:
        raise DataError(f"{where}: a cell ran longer than {timeout} s; stopped.") from None
    except CellExecutionError as exc:
        number = next(
            (
                i
                for i, cell in enumerate(nb.cells, start=1)
                if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            ),
            None,
        )
        cell = f"cell {number}" if number is not None else "a cell"
        raise DataError(
            f"{where}: {cell} failed while executing ({exc.ename}: {exc.evalue}); run it in "
            "Jupyter to see the traceback."
        ) from None
    except DeadKernelError:
        raise DataError(f"{where}: the kernel died while executing it.") from None
    except Exception as exc:  # no kernel, a kernel that does not start, ...
        raise DataError(f"{where} could not be executed ({type(exc).__name__}: {exc}).") from None


def render_report(
    notebook: str | Path,
    output: str | Path | None = None,
    *,
    execute: bool = False,
    timeout: int = 600,
    show_code: bool = False,
) -> Path:
    """Write ``notebook`` as a standalone HTML report and return its path.

    Args:
        notebook: The ``.ipynb`` file.
        output: The HTML file (default: the notebook's path with ``.html``); missing
            folders above it are created.
        execute: Run the notebook first (in its own folder, with the ``python3`` kernel)
            so that the report shows fresh outputs; the notebook file is not changed.
        timeout: Seconds each cell may run when executing.
        show_code: Keep the code cells (hidden by default).

    Returns:
        The path of the HTML file.

    Raises:
        ValidationError: ``notebook`` is not a ``.ipynb`` path, ``output`` not an
            ``.html`` path, or a folder, or it cannot be written.
        DataError: ``notebook`` is missing, a folder, unreadable, not a valid notebook,
            or a cell fails when executing.
    """
    from nbconvert import HTMLExporter

    from hypokit._files import check_path_text, write_text

    path = Path(check_path_text(notebook, "NOTEBOOK"))
    if path.suffix.lower() != ".ipynb":
        raise ValidationError(f"NOTEBOOK == {str(path)!r}, must be a .ipynb file.")
    out = _output_path(path, output)
    nb = _read(path)
    if execute:
        _execute(nb, path, timeout)
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True
    )
    try:
        body, _ = exporter.from_notebook_node(nb)
    except Exception as exc:  # nbconvert's templates and filters raise many kinds
        raise DataError(
            f"NOTEBOOK {str(path)!r} cannot be rendered as HTML ({type(exc).__name__}: {exc})."
        ) from None
    what = "--output" if output is not None else f"NOTEBOOK {str(path)!r}: its report"
    return write_text(out, body, what)
