"""Findings: plain-language warnings that a user can filter, not printed text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding"]

Severity = Literal["info", "warning"]


@dataclass(frozen=True)
class Finding:
    """One finding about a result: what it is about, and what it means in plain words.

    Attributes:
        kind: What was found, e.g. ``"srm"``, ``"simpson"``, ``"heterogeneity"``,
            ``"segment_differs"``, ``"segment_opposes"``, ``"underpowered"``,
            ``"missing"``, ``"one_arm"``, ``"not_computed"``, ``"lift"``, ``"cuped"``.
        message: A sentence a product manager can read.
        segment, metric, variant: What it is about (None when it is about everything).
            ``segment`` is the segment's label: the value of the segment column, or with
            several columns their values joined by ``" / "`` (``"DE / ios"``); a value
            that could be taken for something else is quoted (``'"x / y" / z'``), a
            missing one is ``(missing)`` (see :meth:`AnalysisResult.row`).
        severity: ``"warning"`` (the numbers may mislead) or ``"info"``.
        columns: The segment column(s) the finding is about, in the order given to
            ``segments=``: for a finding about one segment, the columns whose values
            make its label (``("country", "platform")`` for ``"DE / ios"``); for a finding
            about a whole metric (``"simpson"``, ``"heterogeneity"``), the columns the
            check stratified by. Empty when the finding is about the whole population
            or about no segment. Filter with ``result.findings(columns=("country",))``.
    """

    kind: str
    message: str
    segment: str | None = None
    metric: str | None = None
    variant: str | None = None
    severity: Severity = "info"
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.message
