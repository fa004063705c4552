"""ReviewQueue: learnings expired, due or contradicted, with Renew, Retire and Re-test."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable

import ipywidgets as w

from hypokit._errors import HypokitError
from hypokit._records import Learning
from hypokit._registry import Registry
from hypokit._validate import check_int_at_least
from hypokit.widgets._common import DESCRIPTION, Panel, as_date, button, open_registry, say
from hypokit.widgets._hypothesis import HypothesisForm
from hypokit.widgets._mapping import default_expiry, retest_values

__all__ = ["ReviewItem", "ReviewQueue"]


class ReviewItem:
    """One learning in the queue (class ``hk-review-item``).

    Attributes:
        learning: The learning.
        until: The new expiry for Renew (``hk-field-until``).
        renew_button, retire_button, retest_button: The actions (``hk-renew``,
            ``hk-retire``, ``hk-retest``).
        box: The row's box.
    """

    def __init__(self, learning: Learning, status: str, as_of: dt.date, until: dt.date) -> None:
        self.learning = learning
        days = learning.days_left(as_of)
        when = f"expired {-days} day(s) ago" if days <= 0 else f"expires in {days} day(s)"
        about = f" — {html.escape(learning.title)}" if learning.title else ""
        self.label = w.HTML(
            f"<b>{html.escape(learning.id)}</b>{about}<br>"
            f"<i>{status}: {when} ({learning.expires})</i><br>{html.escape(learning.learned)}"
        )
        self.until = w.DatePicker(value=until, description="valid until", style=DESCRIPTION)
        self.until.add_class("hk-field-until")
        self.renew_button = button("Renew", "hk-renew", style="success", tooltip="Checked again")
        self.retire_button = button("Retire", "hk-retire", style="danger", tooltip="No longer true")
        self.retest_button = button("Re-test", "hk-retest", style="info", tooltip="New hypothesis")
        self.box = w.VBox(
            [
                self.label,
                w.HBox([self.until, self.renew_button, self.retire_button, self.retest_button]),
            ],
            layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"),
        )
        self.box.add_class("hk-review-item")


class ReviewQueue(Panel):
    """The learnings that have expired, expire within ``due_within`` days, or are contradicted.

    A learning still in force that a later learning contradicts (``contradicts``,
    ``contradicted_by``; as ``registry.learnings`` reports it) is listed too, marked
    "contradicted by ...": renew it if it still holds, retire it if not.

    Each learning has **Renew** (checked again and still true: valid until the date
    picked, ``registry.renew``), **Retire** (no longer true: ``registry.retire``; it
    stays in the registry) and **Re-test** (a :class:`HypothesisForm` that cites it, in
    :attr:`retest_area`). The list is read again from the registry after each action.

    Args:
        registry: An ``hk.Registry`` or the path of its folder.
        as_of: The date to review on (None: today).
        due_within: Days before expiry when a learning is due for review.
        on_change: Called after each renewal or retirement (the board refreshes).

    Attributes:
        items: The :class:`ReviewItem` per learning id, soonest expiry first.
        retest_form: The last :class:`HypothesisForm` opened by Re-test.
        retest_area: Where it is shown.
        messages: What the actions did.
        widget: The root box (class ``hk-review-queue``).
    """

    def __init__(
        self,
        registry: Registry | str | os.PathLike[str],
        *,
        as_of: dt.date | str | None = None,
        due_within: int = 30,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("hk-review-queue")
        self.on_change = on_change
        self._source = registry
        self.as_of = as_date(as_of)
        self.due_within = check_int_at_least("due_within", due_within, 0)
        self.registry: Registry | None = None
        self.items: dict[str, ReviewItem] = {}
        self.retest_form: HypothesisForm | None = None
        self.list_box = w.VBox([])
        self.retest_area = w.VBox([])
        self.reload_button = button("Reload", "hk-reload", tooltip="Read the registry again")
        self.reload_button.on_click(lambda _: self.reload())
        self.widget.children = [
            w.HTML(
                f"<h3>Learnings to review on {self.as_of}</h3>"
                f"<i>Expired, expiring within {self.due_within} days, or contradicted by a "
                "later learning.</i>"
            ),
            self.list_box,
            self.reload_button,
            self.messages,
            self.retest_area,
        ]
        self.reload()

    def reload(self) -> None:
        """Read the registry again and rebuild the list."""
        self._notices = []
        self.messages.outputs = ()
        self.registry, problem = open_registry(self._source)
        if self.registry is None:
            self._notice(problem, "error")
        else:
            for error in self.registry.errors:
                self._notice(f"Skipped a file that cannot be read: {error}", "warning")
        self._refresh()

    def due(self) -> list[tuple[Learning, str]]:
        """The learnings to review with their status, soonest expiry first."""
        if self.registry is None:
            return []
        table = self.registry.learnings(as_of=self.as_of)
        by = dict(zip(table["id"], table["contradicted_by"], strict=True))
        out: list[tuple[Learning, str]] = []
        for learning in sorted(self.registry.records(Learning), key=lambda x: (x.expires, x.id)):
            status = learning.status(self.as_of, due_within=self.due_within)
            in_force = status in ("active", "due for review", "revalidated")
            if in_force and by.get(learning.id):
                out.append((learning, f"contradicted by {by[learning.id]}"))
            elif status in ("expired", "due for review"):
                out.append((learning, status))
        return out

    def _refresh(self) -> None:
        self.items = {}
        shelf = None if self.registry is None else self.registry.shelf_life
        for learning, status in self.due():
            kinds = [e.kind for e in learning.evidence]
            until = default_expiry(self.as_of, kinds, shelf) or self.as_of + dt.timedelta(90)
            item = ReviewItem(learning, status, self.as_of, until)
            lid = learning.id
            item.renew_button.on_click(lambda _, lid=lid: self.renew(lid))
            item.retire_button.on_click(lambda _, lid=lid: self.retire(lid))
            item.retest_button.on_click(lambda _, lid=lid: self.retest(lid))
            self.items[lid] = item
        if self.items:
            self.list_box.children = [i.box for i in self.items.values()]
        else:
            empty = w.HTML(
                f"<i>Nothing to review: no learning expires within {self.due_within} days, "
                "and none is contradicted.</i>"
            )
            empty.add_class("hk-review-empty")
            self.list_box.children = [empty]

    def _after(self, done: str) -> None:
        self._refresh()
        say(self.messages, done, "success")
        if self.on_change is not None:
            self.on_change()

    def renew(self, learning_id: str, until: dt.date | None = None) -> None:
        """Renew a learning until ``until`` (default: its row's date) and refresh."""
        self._reset_messages()
        item = self.items.get(learning_id)
        until = until or (item.until.value if item is not None else None)
        if self.registry is None or until is None:
            say(
                self.messages,
                f"Nothing renewed: pick the date {learning_id} stays valid until.",
                "error",
            )
            return
        try:
            renewed = self.registry.renew(learning_id, until, as_of=self.as_of)
        except HypokitError as exc:
            say(self.messages, f"Nothing renewed: {exc}", "error")
            return
        self._after(f"Renewed {renewed.id} until {renewed.expires}.")

    def retire(self, learning_id: str) -> None:
        """Retire a learning on ``as_of`` and refresh."""
        self._reset_messages()
        if self.registry is None:
            say(self.messages, "Nothing retired: the registry cannot be used.", "error")
            return
        try:
            retired = self.registry.retire(learning_id, as_of=self.as_of)
        except HypokitError as exc:
            say(self.messages, f"Nothing retired: {exc}", "error")
            return
        self._after(f"Retired {retired.id} on {retired.retired}.")

    def retest(self, learning_id: str) -> HypothesisForm | None:
        """Open a hypothesis form that cites the learning, to test it again."""
        self._reset_messages()
        if self.registry is None:
            say(self.messages, "The registry cannot be used.", "error")
            return None
        try:
            learning = self.registry.get(learning_id, Learning)
        except HypokitError as exc:
            say(self.messages, str(exc), "error")
            return None
        form = HypothesisForm(self.registry, as_of=self.as_of)
        form.set_values(retest_values(learning))
        self.retest_form = form
        self.retest_area.children = [form.widget]
        say(self.messages, f"A new hypothesis citing {learning_id} is below: fill it in and save.")
        return form
