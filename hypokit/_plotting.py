"""Text in hypokit's plots is shown as written.

Matplotlib reads text between two ``$`` as mathematics (mathtext): a segment called
``$5-$10`` would be typeset as maths, and text between two ``$`` that is not valid
mathtext (``$x_$``) raises while drawing. Every label that comes from the data or the
caller (segments, variants, metrics, columns, dates) goes through :func:`literal`.
An automatic legend leaves out every label that starts with ``_`` (matplotlib's mark of
an unlabelled artist): hypokit's own lines are tagged with :func:`in_legend` and
:func:`legend` always lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend

__all__ = ["in_legend", "legend", "literal"]

_GID = "hypokit-legend"
A = TypeVar("A")


def literal(text: object) -> str:
    r"""``text`` as matplotlib shows it literally: every ``$`` escaped as ``\$``.

    >>> literal("$5-$10")
    '\\$5-\\$10'
    """
    return str(text).replace("$", r"\$")


def in_legend(artist: A) -> A:
    """Tag ``artist`` so that :func:`legend` lists it whatever its label."""
    artist.set_gid(_GID)  # type: ignore[attr-defined]
    return artist


def legend(ax: Axes, **kwargs: Any) -> Legend:
    """``ax.legend`` with every labelled artist, hypokit's own even when named ``_...``.

    The entries keep the order the artists were drawn in.
    """
    handles, labels = ax.get_legend_handles_labels()
    auto = dict(zip(map(id, handles), zip(handles, labels, strict=True), strict=True))
    entries = []
    for artist in ax.get_children():
        if id(artist) in auto:
            entries.append(auto.pop(id(artist)))
        elif artist.get_gid() == _GID:
            entries.append((artist, str(artist.get_label())))
    entries += auto.values()  # containers (bars, error bars) are not children
    return ax.legend([h for h, _ in entries], [t for _, t in entries], **kwargs)
