"""The record commands of the ``hypokit`` command line: learnings, hypotheses, okr, check.

Every command reads the YAML registry (``--registry``, default ``records``, or the
``HYPOKIT_REGISTRY`` environment variable), which must be an existing folder: a path
that does not exist, is a file or cannot be used (a symbolic link loop, a name too
long, no permission) exits with status 2 and one line naming it. Dates default to
today here, and only here: pass ``--as-of`` for reproducible output in CI.

``learnings renew`` and ``learnings retire`` save: they wait at most
``--lock-timeout`` seconds (default 10) for another save's lock, and a save that
fails (a full disk, a read-only folder) exits with status 2 naming the file; nothing
is changed on disk then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import stat
import sys
from argparse import SUPPRESS
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypokit._errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from hypokit._registry import Registry

__all__ = ["COMMANDS", "add_parsers", "run"]

COMMANDS = ("learnings", "hypotheses", "okr", "check")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _saving(p: argparse.ArgumentParser) -> None:
    from hypokit._registry import DEFAULT_LOCK_TIMEOUT

    p.add_argument(
        "--lock-timeout",
        type=_seconds,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help="wait at most this long for another save to finish (default: %(default)g)",
    )


def _common(p: argparse.ArgumentParser, *, dated: bool = True, action: bool = False) -> None:
    """The options every record command takes.

    An action's parser (``learnings renew``) takes them too, with no defaults of its
    own, so ``hypokit learnings --registry DIR renew ID`` keeps the ``--registry``
    given before the action.
    """
    p.add_argument(
        "--registry",
        metavar="DIR",
        default=SUPPRESS if action else os.environ.get("HYPOKIT_REGISTRY", "records"),
        help="the registry folder (default: $HYPOKIT_REGISTRY or ./records)",
    )
    if dated:
        p.add_argument(
            "--as-of",
            type=_date,
            metavar="DATE",
            default=SUPPRESS if action else None,
            help="judge on this date (default: today)",
        )
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default=SUPPRESS if action else "table",
        help="output format (default: table)",
    )
    # The old spelling, kept working: one flag, --format json, is documented.
    p.add_argument("--json", action="store_const", dest="format", const="json", help=SUPPRESS)


def add_parsers(sub: Any) -> None:
    """Add the record commands to the ``hypokit`` subparsers."""
    lp = sub.add_parser(
        "learnings",
        help="learnings that are expired or due for review; renew or retire one",
        description=(
            "List learnings with their status. Without filters, every learning is listed; "
            "--expired and --due-within narrow it to those that need attention."
        ),
        epilog=(
            "examples:\n"
            "  hypokit learnings --expired --due-within 30\n"
            "  hypokit learnings renew express-pay-2023 --until 2027-06-30\n"
            "  hypokit learnings retire express-pay-2023"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(lp)
    lp.add_argument("--expired", action="store_true", help="only expired learnings")
    lp.add_argument("--due-within", type=int, metavar="DAYS", help="only learnings due within DAYS")
    lp.add_argument("--segment", help="only learnings about this segment")
    actions = lp.add_subparsers(dest="action", metavar="ACTION")
    renew = actions.add_parser("renew", help="extend a learning's expiry (it was re-examined)")
    renew.add_argument("id")
    renew.add_argument("--until", type=_date, required=True, metavar="DATE", help="new expiry")
    _common(renew, action=True)
    _saving(renew)
    retire = actions.add_parser("retire", help="retire a learning (kept, never deleted)")
    retire.add_argument("id")
    _common(retire, action=True)
    _saving(retire)

    hp = sub.add_parser(
        "hypotheses",
        help="hypotheses ranked by expected impact; move one through its lifecycle",
        description=(
            "List the hypotheses still to test, ranked by expected impact (ICE, RICE or the "
            "expected value of information), or every one with --all. Move one through its "
            "lifecycle: idea -> planned -> running -> (concluded by the analysis) -> "
            "archived; each move is dated (--as-of) and kept in the record's history."
        ),
        epilog=(
            "examples:\n"
            "  hypokit hypotheses --by rice\n"
            "  hypokit hypotheses plan express-pay\n"
            "  hypokit hypotheses start express-pay --as-of 2026-11-02\n"
            "  hypokit hypotheses move express-pay archived"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(hp, dated=False)
    hp.add_argument(
        "--by", choices=("ice", "rice", "evi"), default="ice", help="the score to rank by"
    )
    hp.add_argument(
        "--all", action="store_true", help="every hypothesis, not only those still to test"
    )
    moves = hp.add_subparsers(dest="action", metavar="ACTION")
    for name, status, text in (
        ("plan", "planned", "mark it planned: sized and scheduled"),
        ("start", "running", "mark it running (and start its planned experiment)"),
        ("archive", "archived", "set it aside; it is kept"),
    ):
        mp = moves.add_parser(name, help=text, description=f"{text[0].upper()}{text[1:]}.")
        mp.add_argument("id", help="the hypothesis's id")
        mp.set_defaults(status=status)
        _common(mp, action=True)
        _saving(mp)
    move = moves.add_parser(
        "move", help="move it to STATUS", description="Move a hypothesis to STATUS."
    )
    move.add_argument("id", help="the hypothesis's id")
    move.add_argument("status", choices=("idea", "planned", "running", "archived"))
    _common(move, action=True)
    _saving(move)

    op = sub.add_parser(
        "okr",
        help="progress per key result, and the impact map",
        description=(
            "Objectives and their key results: baseline, target, the latest recorded value "
            "and the progress it makes (0% at the baseline, 100% at the target), the "
            "hypotheses serving each, and the impact map."
        ),
    )
    _common(op, dated=False)
    op.add_argument("--mermaid", action="store_true", help="print the impact map as Mermaid")

    sp = sub.add_parser(
        "status",
        help="the board: every hypothesis by stage under its key result, and what next",
        description=(
            "Every hypothesis by stage (idea, planned, running, concluded, archived) under "
            "its key result, with the next action for each: size it, plan it, start it, "
            "monitor it, analyse it, record or review its learning."
        ),
    )
    _common(sp)

    cp = sub.add_parser(
        "check",
        help="check the registry; exit 1 when it finds a problem (for CI)",
        description=(
            "Findings: active hypotheses citing expired or contradicted learnings, "
            "learnings of inactive objectives, running experiments past their end, "
            "concluded experiments without a learning, outcomes repeated across segments "
            "with one set of criteria, dangling links and unreadable files. Exit status: "
            "0 none, 1 findings, 2 the registry cannot be read."
        ),
    )
    _common(cp)


def _print_table(frame: pd.DataFrame, as_json: bool, empty: str) -> None:
    if as_json:
        print(frame.to_json(orient="records", date_format="iso", indent=2))
    elif frame.empty:
        print(empty)
    else:
        print(frame.to_string(index=False))


def _registry(ns: argparse.Namespace) -> Registry:
    """The registry at ``--registry``, which must be an existing folder.

    ``Registry`` treats a missing folder as an empty registry (it is created on the
    first save), but a command that reads one would then report "no findings" for a
    mistyped path: here that is an error (exit status 2) naming the path, as is a
    path that cannot be used (a symbolic link loop, a name too long, no permission).
    """
    from hypokit._errors import RegistryError
    from hypokit._registry import Registry, _printable, _reason

    path = Path(ns.registry)
    shown = _printable(str(ns.registry))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise RegistryError(
            f"--registry {shown}: no such folder; pass the registry's folder "
            "(--registry DIR or $HYPOKIT_REGISTRY)."
        ) from None
    except (OSError, ValueError) as exc:
        raise RegistryError(f"--registry {shown}: cannot be used ({_reason(exc, path)}).") from None
    if not stat.S_ISDIR(info.st_mode):
        raise RegistryError(f"--registry {shown}: is a file; a registry is a folder.")
    timeout = getattr(ns, "lock_timeout", None)
    return Registry(path) if timeout is None else Registry(path, lock_timeout=timeout)


def _today(ns: argparse.Namespace) -> dt.date:
    return ns.as_of if getattr(ns, "as_of", None) is not None else dt.date.today()


def run(ns: argparse.Namespace) -> int:
    """Run one record command; returns the exit code."""
    reg = _registry(ns)
    as_of = _today(ns)
    as_json = ns.format == "json"
    if ns.command == "learnings":
        if ns.action == "renew":
            learning = reg.renew(ns.id, ns.until, as_of=as_of)
            print(f"renewed {learning.id} until {learning.expires} ({reg.path_of(learning.id)})")
            return 0
        if ns.action == "retire":
            learning = reg.retire(ns.id, as_of=as_of)
            print(f"retired {learning.id} ({reg.path_of(learning.id)})")
            return 0
        if ns.due_within is not None and ns.due_within < 0:
            raise ValidationError(f"--due-within == {ns.due_within}, must be at least 0.")
        table = reg.learnings(
            expired=True if ns.expired else None,
            as_of=as_of,
            due_within=ns.due_within,
            segment=ns.segment,
        )
        columns = [
            c
            for c in ("id", "title", "status", "expires", "days_left", "segments", "decision")
            if c in table.columns
        ]
        if table["contradicted_by"].astype(bool).any():
            columns.append("contradicted_by")  # which later learnings contradict it
        _print_table(
            table if as_json else table[columns],
            as_json,
            "no learnings match.",
        )
        return _errors(reg)
    if ns.command == "hypotheses":
        if getattr(ns, "action", None):
            before = reg.get(ns.id)
            moved = reg.move(ns.id, ns.status, as_of=as_of)
            added = [c.status for c in moved.history[len(getattr(before, "history", ())) :]]
            where = reg.path_of(moved.id)
            if not added:
                print(f"{moved.id} is {moved.status} already ({where})")
            else:
                path = " -> ".join([getattr(before, "status", "?"), *added])
                print(f"moved {moved.id}: {path} on {as_of} ({where})")
            return 0
        table = reg.prioritize(by=ns.by) if not ns.all else reg.hypotheses()
        _print_table(table, as_json, "no hypotheses to rank.")
        return _errors(reg)
    if ns.command == "okr":
        table = reg.okr()
        if ns.mermaid:
            print(reg.impact_map().to_mermaid())
            return _errors(reg)
        _print_table(
            table if as_json else _okr_text(table),
            as_json,
            "no objectives yet.",
        )
        if not as_json:
            print()
            print(reg.impact_map().to_text())
        return _errors(reg)
    if ns.command == "status":
        loop = reg.status(as_of=as_of)
        if as_json:
            print(json.dumps(loop.to_records(), indent=2, default=str))
        else:
            print(_board_text(loop))
        return _errors(reg)
    findings = reg.check(as_of=as_of)
    if ns.format == "json":
        print(
            json.dumps(
                [{"kind": f.kind, "severity": f.severity, "message": f.message} for f in findings],
                indent=2,
            )
        )
    elif findings:
        for f in findings:
            print(f"{f.kind}: {f.message}")
        print(f"\n{len(findings)} finding(s) in {ns.registry} as of {as_of}.")
    else:
        print(f"{ns.registry}: no findings as of {as_of}.")
    return 1 if findings else 0


def _board_text(table: Any) -> str:
    """The board for the terminal: key result by key result, a line per hypothesis."""
    lines = [table._caption()]
    current = None
    for r in table.rows:
        if r["key_result"] != current:
            current = r["key_result"]
            lines.append(f"\n{current}")
        lines.append(f"  [{r['stage']}] {r['hypothesis']}: {r['title']}")
        detail = f" ({r['detail']})" if r["detail"] else ""
        lines.append(f"      next: {r['next']}{detail}")
    return "\n".join(lines)


def _okr_text(table: pd.DataFrame) -> pd.DataFrame:
    """The OKR table for the terminal: progress in percent, "—" where not measured."""
    from hypokit._results import format_number

    def number(x: Any) -> str:
        return "—" if x is None else format_number(float(x))

    def percent(x: Any) -> str:
        return "—" if x is None or x != x else f"{x:.0%}"

    out = table.astype(object).where(table.notna(), None)
    for col in ("baseline", "target", "current"):
        out[col] = [number(x) for x in out[col]]
    out["progress"] = [percent(x) for x in out["progress"]]
    for col in ("measured", "deadline"):
        out[col] = ["—" if x is None else str(x) for x in out[col]]
    for col in ("key_result", "title", "metric"):
        out[col] = ["—" if x is None else x for x in out[col]]
    columns = [
        "objective", "key_result", "title", "metric", "baseline", "target", "current",
        "progress", "measured", "deadline", "hypotheses", "running",
    ]  # fmt: skip
    if out["source"].notna().any():
        columns.append("source")
        out["source"] = ["" if x is None else x for x in out["source"]]
    return out[columns]


def _errors(reg: Registry) -> int:
    """Report files that could not be read; exit non-zero when there are any."""
    errors = getattr(reg, "errors", ())
    for err in errors:
        print(f"hypokit: error: {err}", file=sys.stderr)
    return 2 if errors else 0
