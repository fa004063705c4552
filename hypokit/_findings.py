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
        severity: ``"warning"`` (the numbers may mislead) or ``"info"``.
    """

    kind: str
    message: str
    segment: str | None = None
    metric: str | None = None
    variant: str | None = None
    severity: Severity = "info"

    def __str__(self) -> str:
        return self.message
