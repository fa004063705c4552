"""Impact maps: objective → actors (segments) → outcomes → hypotheses.

An impact map shows why each hypothesis exists: which objective it serves (through its
key result), whose behaviour it wants to change (the segments it has success criteria
for), and what change in their behaviour it expects (the outcome: a metric and a
direction). Under each objective, the key results with a recorded current value show
how far they have come. :func:`impact_map` builds one from records; :class:`ImpactMap` renders it as
a Mermaid flowchart (shown as a diagram by Jupyter and by GitHub's Markdown) or as an
indented text tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from hypokit._records import ALL_SEGMENTS, Hypothesis, KeyResult, Objective
from hypokit._results import format_number

__all__ = ["ImpactMap", "ImpactNode", "impact_map"]

NodeKind = Literal["objective", "actor", "outcome", "hypothesis"]

#: Mermaid shapes per node kind: rectangle, stadium, hexagon, rounded rectangle.
_SHAPES: dict[str, tuple[str, str]] = {
    "objective": ("[", "]"),
    "actor": ("([", "])"),
    "outcome": ("{{", "}}"),
    "hypothesis": ("(", ")"),
}
_PREFIX = {"objective": "o", "actor": "a", "outcome": "c", "hypothesis": "h"}
NO_OBJECTIVE = "(no objective)"


@dataclass(frozen=True)
class ImpactNode:
    """One node of an impact map.

    Attributes:
        kind: ``objective``, ``actor``, ``outcome`` or ``hypothesis``.
        label: What the node shows.
        key: Identifies the node: a hypothesis under several actors is one node.
        children: The nodes below it.
        notes: More lines shown with the label (an objective's key-result progress).
    """

    kind: NodeKind
    label: str
    key: tuple[str, ...]
    children: tuple[ImpactNode, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """The label and its notes, one per line."""
        return "\n".join((self.label, *self.notes))


@dataclass(frozen=True, repr=False)
class ImpactMap:
    """An impact map; ``to_mermaid()`` for a diagram, ``to_text()`` for a tree.

    In Jupyter, the map displays as its Mermaid diagram (``_repr_markdown_``);
    ``print(impact)`` and ``repr(impact)`` show the text tree.
    """

    roots: tuple[ImpactNode, ...]

    def to_mermaid(self, direction: Literal["LR", "TD"] = "LR") -> str:
        """The map as a Mermaid flowchart.

        Objectives are rectangles, actors (segments) stadiums, outcomes hexagons and
        hypotheses rounded boxes; a hypothesis aimed at several segments is one node
        with an edge from each.
        """
        ids: dict[tuple[str, ...], str] = {}
        lines = [f"flowchart {direction}"]
        edges: list[str] = []

        def node_id(node: ImpactNode) -> str:
            if node.key not in ids:
                count = sum(1 for k in ids if k[0] == node.key[0]) + 1
                ids[node.key] = f"{_PREFIX[node.kind]}{count}"
                start, end = _SHAPES[node.kind]
                lines.append(f'    {ids[node.key]}{start}"{_mermaid_text(node.text)}"{end}')
            return ids[node.key]

        def walk(node: ImpactNode) -> None:
            parent = node_id(node)
            for child in node.children:
                edge = f"    {parent} --> {node_id(child)}"
                if edge not in edges:
                    edges.append(edge)
                walk(child)

        for root in self.roots:
            walk(root)
        styles = [
            "    classDef objective fill:#1f4e79,color:#fff,stroke:#1f4e79",
            "    classDef actor fill:#e8f1fa,stroke:#1f4e79",
            "    classDef outcome fill:#fff4d6,stroke:#b7791f",
            "    classDef hypothesis fill:#fff,stroke:#555",
        ]
        for kind in _PREFIX:
            members = [v for k, v in ids.items() if k[0] == kind]
            if members:
                styles.append(f"    class {','.join(members)} {kind}")
        return "\n".join(lines + edges + styles)

    def to_text(self) -> str:
        """The map as an indented tree (one line per node)."""
        out: list[str] = []

        def walk(node: ImpactNode, prefix: str, last: bool, top: bool) -> None:
            if top:
                out.append(node.label)
                child_prefix = ""
            else:
                out.append(f"{prefix}{'└── ' if last else '├── '}{node.label}")
                child_prefix = prefix + ("    " if last else "│   ")
            stem = "│   " if node.children else "    "
            out.extend(f"{child_prefix}{stem}{note}" for note in node.notes)
            for i, child in enumerate(node.children):
                walk(child, child_prefix, i == len(node.children) - 1, False)

        for root in self.roots:
            walk(root, "", True, True)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.to_mermaid()}\n```"


def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", "<br/>")
    )


def _arrow(h: Hypothesis) -> str:
    return "↑" if h.direction == "increase" else "↓"


def _hypothesis_label(h: Hypothesis) -> str:
    sign = "+" if h.direction == "increase" else "-"
    days = f"{h.time_frame_days} day{'' if h.time_frame_days == 1 else 's'}"
    return f"{h.id}: {h.change} ({sign}{h.effect_text} within {days}) [{h.status}]"


def _actors(h: Hypothesis) -> list[str]:
    named = [s for s in h.segments if s != ALL_SEGMENTS]
    if not named:
        return [f"all {h.audience}".rstrip()]
    return [f"{s} {h.audience}".rstrip() for s in named]


def impact_map(
    objectives: Iterable[Objective],
    key_results: Iterable[KeyResult],
    hypotheses: Iterable[Hypothesis],
    *,
    include_closed: bool = False,
) -> ImpactMap:
    """Build the impact map of objectives, their key results and hypotheses.

    A hypothesis joins the objective of its key result; its actors are the segments it
    has success criteria for (everyone when it has none) and its outcome is its metric
    in words with the expected direction. Hypotheses without a (known) key result are
    gathered under ``"(no objective)"``. An objective's key results that have a
    current value (:meth:`KeyResult.measure <hypokit.KeyResult.measure>`) are listed
    under its name with their progress from baseline to target.

    Args:
        objectives: The objectives (each becomes a root, in the order given).
        key_results: The key results that link hypotheses to objectives.
        hypotheses: The hypotheses to place.
        include_closed: Also show concluded and archived hypotheses.

    Returns:
        An :class:`ImpactMap`.

    Examples:
        >>> import datetime as dt
        >>> from hypokit._impact import impact_map
        >>> from hypokit._records import Hypothesis, KeyResult, Objective, SegmentCriteria
        >>> goal = Objective(id="checkout", title="Make checkout effortless")
        >>> kr = KeyResult(id="kr-conv", objective="checkout", metric="converted",
        ...                baseline=0.075, target=0.085, deadline=dt.date(2026, 12, 31))
        >>> h = Hypothesis(id="express-pay", change="add express pay", metric="converted",
        ...                outcome="checkout conversion", expected_effect=0.1,
        ...                time_frame_days=14, key_result="kr-conv",
        ...                criteria=[SegmentCriteria(segment="new")])
        >>> print(impact_map([goal], [kr], [h]))
        Make checkout effortless (checkout)
        └── new customers
            └── checkout conversion ↑
                └── express-pay: add express pay (+10% within 14 days) [idea]
        >>> print(impact_map([goal], [kr], [h]).to_mermaid())  # doctest: +ELLIPSIS
        flowchart LR
            o1["Make checkout effortless (checkout)"]
            a1(["new customers"])
            c1{{"checkout conversion ↑"}}
            h1("express-pay: add express pay (+10% within 14 days) [idea]")
            o1 --> a1
            a1 --> c1
            c1 --> h1
        ...
    """
    objectives = list(objectives)
    key_results = list(key_results)
    kr_objective = {kr.id: kr.objective for kr in key_results}
    known = {o.id for o in objectives}
    grouped: dict[str, list[Hypothesis]] = {o.id: [] for o in objectives}
    orphans: list[Hypothesis] = []
    for h in sorted(hypotheses, key=lambda x: x.id):
        if not include_closed and not h.is_open:
            continue
        objective = kr_objective.get(h.key_result or "")
        if objective in known:
            grouped[str(objective)].append(h)
        else:
            orphans.append(h)
    measured: dict[str, list[str]] = {}
    for kr in sorted(key_results, key=lambda k: k.id):
        if kr.current is not None:
            measured.setdefault(kr.objective, []).append(_progress_note(kr))
    roots = [
        _objective_node(o.id, f"{o.title} ({o.id})", grouped[o.id], measured.get(o.id, []))
        for o in objectives
    ]
    if orphans:
        roots.append(_objective_node(NO_OBJECTIVE, NO_OBJECTIVE, orphans))
    return ImpactMap(tuple(roots))


def _progress_note(kr: KeyResult) -> str:
    """``kr-conv: 40% of the way (0.079 on 2026-11-10; 0.075 → 0.085)``."""
    unit = f" {kr.unit}" if kr.unit else ""
    return (
        f"{kr.id}: {kr.current_progress:.0%} of the way ({format_number(kr.current)}{unit} "
        f"on {kr.measured}; {format_number(kr.baseline)} → {format_number(kr.target)})"
    )


def _objective_node(
    key: str, label: str, hypotheses: list[Hypothesis], notes: list[str] | None = None
) -> ImpactNode:
    tree: dict[str, dict[str, list[Hypothesis]]] = {}
    for h in hypotheses:
        outcome = f"{h.outcome or h.metric} {_arrow(h)}"
        for actor in _actors(h):
            tree.setdefault(actor, {}).setdefault(outcome, []).append(h)
    actors = []
    for actor, outcomes in tree.items():
        outcome_nodes = []
        for outcome, members in outcomes.items():
            leaves = tuple(
                ImpactNode("hypothesis", _hypothesis_label(h), ("hypothesis", h.id))
                for h in members
            )
            outcome_nodes.append(
                ImpactNode("outcome", outcome, ("outcome", key, actor, outcome), leaves)
            )
        actors.append(ImpactNode("actor", actor, ("actor", key, actor), tuple(outcome_nodes)))
    return ImpactNode("objective", label, ("objective", key), tuple(actors), tuple(notes or ()))
