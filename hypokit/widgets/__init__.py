"""Forms for Jupyter: hypotheses, learnings, sizing, results and the review queue.

Product managers fill the templates through these forms; analysts use them to go fast.
The YAML registry stays the source of truth: a form reads the registry when it is
created (and on ``reload()``), writes with ``registry.save``, and never keeps a record
of its own. Every form is an object whose widgets are attributes (``form.fields``,
``form.save_button``, ``form.messages``), displayed through ``form.widget``.

* :class:`HypothesisForm`: a hypothesis, its key result, cited learnings and
  per-segment criteria, with the statement previewed live, and its lifecycle (Move).
* :class:`LearningForm`: a learning and its evidence; the expiry follows the
  evidence's shelf life until it is edited.
* :class:`ReviewQueue`: learnings expired or due, with Renew, Retire and Re-test.
* :class:`SizingPanel`: sizing per segment, recomputed on every change; with a
  registry, it records the plan on a hypothesis.
* :class:`ResultsExplorer`: an analysis, one metric, segment and variant at a time.
* :class:`Board`: every hypothesis by stage under its key result, with its next action
  as a button (plan, start, size, review its learning) or the command that does it.
* :class:`MetricPicker`: the metrics to analyse, picked among the data's columns.
* :class:`ConcludePanel`: a hypothesis concluded on an analysis, saved after a
  confirmation; then its key result's progress.

``import hypokit`` does not load this module (nor ipywidgets): import it explicitly,
``from hypokit.widgets import HypothesisForm``.
"""

from __future__ import annotations

from hypokit._public import publish
from hypokit.widgets._board import Board
from hypokit.widgets._conclude import ConcludePanel
from hypokit.widgets._hypothesis import HypothesisForm
from hypokit.widgets._learning import LearningForm
from hypokit.widgets._metric_picker import MetricPicker
from hypokit.widgets._results import ResultsExplorer
from hypokit.widgets._review import ReviewQueue
from hypokit.widgets._sizing import SizingPanel

__all__ = [
    "Board",
    "ConcludePanel",
    "HypothesisForm",
    "LearningForm",
    "MetricPicker",
    "ResultsExplorer",
    "ReviewQueue",
    "SizingPanel",
]

# Public classes print as hypokit.widgets.X (hypokit._public).
publish(globals(), __all__, "hypokit.widgets")
