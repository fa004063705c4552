"""Text in hypokit's plots is shown as written.

Matplotlib reads text between two ``$`` as mathematics (mathtext): a segment called
``$5-$10`` would be typeset as maths, and text between two ``$`` that is not valid
mathtext (``$x_$``) raises while drawing. Every label that comes from the data or the
caller (segments, variants, metrics, columns, dates) goes through :func:`literal`.
An automatic legend leaves out every label that starts with ``_`` (matplotlib's mark of
an unlabelled artist): hypokit's own lines are tagged with :func:`in_legend` and
:func:`legend` always lists them.

Every public ``plot()`` returns a matplotlib ``Figure`` made by :func:`new_figure`,
which pyplot does not keep open: in a notebook, a cell ending with ``result.plot()``
shows the figure once (the returned object), not a second time when the inline backend
shows pyplot's open figures. Given ``ax=``, a plot draws there and returns that axes'
figure, which stays the caller's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

__all__ = ["in_legend", "legend", "literal", "new_figure"]

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


def new_figure(**subplots: Any) -> tuple[Figure, Any]:
    """A figure and its axes (``plt.subplots(**subplots)``) that pyplot does not keep open.

    pyplot makes it, so the backend in use (the notebook's inline one) renders it, then
    lets it go: a notebook shows the figure that a plot returns, once, and a script keeps
    it with ``fig.savefig(...)``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(**subplots)
    plt.close(fig)
    return fig, axes
