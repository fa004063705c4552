"""The presentation mixin shared by result objects: ``to_pandas``, ``__str__``, HTML."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TableMixin", "format_label", "format_number", "html_table"]


def format_number(value: object, digits: int = 4) -> str:
    """A compact, human-readable number ("1,234", "0.0512", "—" for missing)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.{digits}g}"
    return str(value)


def format_label(value: Any) -> str:
    """A label as it is (``1000``, ``1.0``, ``True``, ``"a"``); "—" for missing."""
    return "—" if value is None else str(value)


def html_table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[str],
    formatters: dict[str, Callable[[Any], str]] | None = None,
    caption: str | None = None,
) -> str:
    """A small, dependency-free HTML table for ``_repr_html_``."""
    formatters = formatters or {}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for rec in records:
        cells = []
        for c in columns:
            fmt = formatters.get(c, format_number)
            cells.append(f"<td>{html.escape(fmt(rec.get(c)))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        '<table class="hypokit-table">'
        f"{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


class TableMixin:
    """Gives a result ``to_pandas()``, ``to_string()``, ``__str__`` and ``_repr_html_()``.

    Subclasses implement ``to_records()`` (a list of flat dicts) and may set
    ``_display_columns`` and ``_caption()``.
    """

    _display_columns: tuple[str, ...] = ()
    #: Columns of labels, shown as they are (``1000`` and ``1.0`` as labels, not numbers).
    _label_columns: tuple[str, ...] = ("variant",)

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts."""
        raise NotImplementedError

    def _caption(self) -> str | None:
        return None

    def _columns(self) -> list[str]:
        records = self.to_records()
        return list(self._display_columns) or (list(records[0]) if records else [])

    def to_pandas(self) -> pd.DataFrame:
        """The result as a tidy pandas DataFrame, one row per record."""
        import pandas as pd

        records = self.to_records()
        return pd.DataFrame.from_records(records, columns=list(records[0]) if records else None)

    def to_string(self) -> str:
        """A plain-text table of the display columns."""
        records = self.to_records()
        columns = self._columns()
        formats = [format_label if c in self._label_columns else format_number for c in columns]
        rows = [[f(r.get(c)) for f, c in zip(formats, columns, strict=True)] for r in records]
        widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
        caption = self._caption()
        return "\n".join(([caption] if caption else []) + lines)

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return self.to_string()

    def _repr_html_(self) -> str:
        labels: dict[str, Callable[[Any], str]] = dict.fromkeys(self._label_columns, format_label)
        return html_table(self.to_records(), self._columns(), labels, caption=self._caption())
