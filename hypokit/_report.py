"""Standalone HTML reports from notebooks: ``hypokit report NOTEBOOK``.

For people who do not open Jupyter: the notebook (optionally executed first) becomes
one HTML file with the code hidden, keeping the Markdown, tables, plots and printed
findings. Uses nbconvert's HTML exporter (installed with JupyterLab).
"""

from __future__ import annotations

from pathlib import Path

from hypokit._errors import DataError, ValidationError

__all__ = ["render_report"]


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
        output: The HTML file (default: the notebook's path with ``.html``).
        execute: Run the notebook first (in its own folder, with the ``python3`` kernel)
            so that the report shows fresh outputs; the notebook file is not changed.
        timeout: Seconds each cell may run when executing.
        show_code: Keep the code cells (hidden by default).

    Returns:
        The path of the HTML file.
    """
    import nbformat
    from nbconvert import HTMLExporter

    path = Path(notebook)
    if path.suffix != ".ipynb":
        raise ValidationError(f"NOTEBOOK == {str(path)!r}, must be a .ipynb file.")
    if not path.is_file():
        raise DataError(f"NOTEBOOK == {str(path)!r}: no such file.")
    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises several error types for bad files
        raise DataError(f"{path}: not a readable notebook ({exc}).") from None
    if execute:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            raise DataError(f"{path}: a cell failed while executing:\n{exc}") from None
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    out = Path(output) if output is not None else path.with_suffix(".html")
    if out.suffix not in (".html", ".htm"):
        raise ValidationError(f"--output == {str(out)!r}, must end in .html.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out
