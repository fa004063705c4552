"""The ``hypokit`` command line.

``hypokit size`` sizes a test from assumptions, a per-segment traffic CSV or historical
data, with a group-sequential look schedule on request (``--looks``); ``hypokit
analyze`` analyses an experiment per segment from CSV or Parquet files, by the
frequentist, sequential or Bayesian method, and day by day (``--date``, ``--over-time``);
``hypokit demo`` prints the shipped example; ``new`` and ``report`` write notebooks and
reports; the commands for records are in :mod:`hypokit._cli_records`.

Exit codes: 0 when the command ran, 1 for findings (``hypokit check``, ``hypokit
analyze --fail-on-warning``), 2 for usage and input errors, with one line on stderr
naming the argument, file or column at fault; 3 for an unexpected error, a bug, with
one line asking to report it (``HYPOKIT_DEBUG=1`` or ``--debug`` prints the
traceback); 130 when interrupted (Ctrl-C); 141 when the reader of the output went away
(``hypokit ... | head``), as for a process ended by SIGPIPE. No exception leaves
:func:`main` as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import math
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from hypokit._errors import HypokitError
from hypokit._files import check_output_file, reason, write_text
from hypokit._version import __version__

if TYPE_CHECKING:
    from hypokit._analysis import AnalysisResult
    from hypokit._metrics import Metric
    from hypokit._over_time import OverTime
    from hypokit.stats import Prior

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]

#: The exit codes (README, "Command line").
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

#: Longest message printed; longer ones (a huge argument echoed back) are cut.
_MAX_MESSAGE = 2000


def one_line(text: object) -> str:
    """``text`` as one printable line: line breaks joined, other controls escaped.

    A message of several lines (a third-party error quoting a query) keeps its first
    line when the whole would be long.
    """
    try:
        raw = str(text)
    except Exception:  # an exception whose message cannot be made
        raw = f"({type(text).__name__}, no message)"
    parts = [part.strip() for part in raw.splitlines()]
    parts = [part for part in parts if part]
    line = " ".join(parts)
    if len(parts) > 1 and len(line) > 200:
        line = parts[0] + " (...)"
    line = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in line
    )
    if len(line) > _MAX_MESSAGE:  # keep the start and the end, which says what was expected
        line = line[: _MAX_MESSAGE // 2] + " (...) " + line[-_MAX_MESSAGE // 2 :]
    return line


def _short(text: str, limit: int = 60) -> str:
    """``repr(text)``, cut in the middle when long, for echoing an argument back."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit // 2]!r}...{text[-limit // 4 :]!r} ({len(text):,} characters)"


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (and the usage left to ``--help``)."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see 'PROG --help')`` and exit with status 2."""
        self.exit(
            EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n"
        )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hypokit",
        description=(
            "Outcome-driven experimentation: size and analyze A/B tests per customer segment."
        ),
        epilog=(
            "examples:\n"
            "  hypokit size --metric proportion --baseline 0.1 --mde 0.02\n"
            "  hypokit analyze experiment.csv --variant variant --control control \\\n"
            "      --segments segment --metric converted:proportion\n"
            "  hypokit demo\n"
            "\n"
            "Run 'hypokit COMMAND --help' for a command's options.\n"
            "\n"
            "Exit status: 0 done; 1 findings (check, analyze --fail-on-warning); 2 a usage or\n"
            "input error, told in one line naming the argument, file or column; 3 an\n"
            "unexpected error, a bug: please report it (--debug or HYPOKIT_DEBUG=1 prints\n"
            "the traceback); 130 interrupted; 141 the reader of the output went away."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hypokit {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback of an error (also HYPOKIT_DEBUG=1); anywhere on the line",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    size = sub.add_parser(
        "size",
        help="sample size, power, days of traffic and looks per segment",
        description=(
            "Size an A/B test. Give the metric's assumptions on the command line "
            "(--baseline, or --mean/--sd), per segment in a CSV (--segments-csv), or "
            "estimate them from historical data (--data). Proportions follow R's "
            "power.prop.test; means and ratios R's power.t.test."
        ),
        epilog=(
            "examples:\n"
            "  hypokit size --metric proportion --baseline 0.1 --mde 0.02\n"
            "  hypokit size --metric mean --mean 12 --sd 30 --mde 0.05 --relative --traffic 5000\n"
            "  hypokit size --metric proportion --mde 0.1 --relative --segments-csv traffic.csv\n"
            "      (columns: segment, traffic, and baseline or mean/sd per segment)\n"
            "  hypokit size --metric proportion --mde 0.1 --relative --data history.csv \\\n"
            "      --column converted --segment-column segment --date-column date\n"
            "  hypokit size --baseline 0.1 --mde 0.02 --traffic 1000 --looks 4\n"
            "  hypokit size --baseline 0.1 --mde 0.02 --looks 0.25,0.5,1 --spending pocock\n"
            "\n"
            "With --looks the plan is a group-sequential test (Lan-DeMets alpha spending, as R's\n"
            "rpact): the sizes are the maximum, and the look schedule follows the plan. With\n"
            "--format csv the two tables are separated by a blank line; with --format json\n"
            'they are the "plan" and "schedule" of one object.'
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m = size.add_argument_group("metric")
    m.add_argument(
        "--metric",
        choices=("proportion", "mean", "ratio"),
        default="proportion",
        help="kind of metric (default: proportion)",
    )
    m.add_argument("--baseline", type=float, help="control rate of a proportion, in (0, 1)")
    m.add_argument("--mean", type=float, help="control mean of a mean metric")
    m.add_argument("--sd", type=float, help="per-unit standard deviation of a mean metric")
    m.add_argument(
        "--correlation",
        type=float,
        help="correlation with the pre-period covariate (CUPED: variance x (1 - rho^2))",
    )
    e = size.add_argument_group("effect and test")
    e.add_argument("--mde", type=float, required=True, help="minimum detectable effect (signed)")
    e.add_argument(
        "--relative", action="store_true", help="--mde and --margin relative to baseline"
    )
    e.add_argument("--alpha", type=float, default=0.05, help="family-wise alpha (default 0.05)")
    e.add_argument("--power", type=float, default=0.8, help="target power (default 0.8)")
    e.add_argument(
        "--alternative",
        default="two-sided",
        choices=("two-sided", "greater", "less"),
        help="direction of the test (default two-sided)",
    )
    e.add_argument("--ratio", type=float, default=1.0, help="variant units per control unit")
    e.add_argument("--arms", type=int, default=2, help="arms including control (default 2)")
    e.add_argument(
        "--correction",
        choices=("bonferroni", "holm", "none"),
        default="none",
        help="share alpha across segments and arms (default none)",
    )
    e.add_argument("--margin", type=float, help="non-inferiority margin (one-sided tests)")
    e.add_argument("--method", help="proportions: pooled (default), unpooled or arcsine; means: t")
    g = size.add_argument_group("planned looks (group-sequential)")
    g.add_argument(
        "--looks",
        metavar="N|FRACTIONS",
        help="stop early at planned looks: a number of equally spaced looks (4), or their "
        f"information fractions, increasing and ending at 1 (0.25,0.5,1); at most {MAX_LOOKS}",
    )
    g.add_argument(
        "--spending",
        choices=("obrien-fleming", "pocock"),
        help="alpha spending with --looks: obrien-fleming (little early, default) or pocock "
        "(evenly)",
    )
    t = size.add_argument_group("traffic and segments")
    t.add_argument("--traffic", type=float, help="eligible units per day (whole population)")
    t.add_argument(
        "--segments-csv",
        metavar="FILE",
        help="CSV with a 'segment' column, 'traffic' and optional per-segment baseline, "
        "mean, sd, correlation and mde columns; one row per segment (a segment on two "
        "rows is refused)",
    )
    t.add_argument("--whole-weeks", action="store_true", help="round durations up to whole weeks")
    h = size.add_argument_group("historical data")
    h.add_argument("--data", metavar="FILE", help="CSV or Parquet file, one row per unit")
    h.add_argument("--column", help="metric column in --data")
    h.add_argument("--covariate", help="pre-period covariate column in --data (CUPED)")
    h.add_argument("--numerator", help="ratio metric numerator column in --data")
    h.add_argument("--denominator", help="ratio metric denominator column in --data")
    h.add_argument("--segment-column", help="segment column in --data")
    h.add_argument("--date-column", help="date column in --data (traffic = units per date)")
    h.add_argument("--days", type=float, help="days --data covers, without a date column")
    size.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )

    _add_analyze_parser(sub)
    demo = sub.add_parser(
        "demo",
        help="size and analyze the shipped checkout example per segment, and write its report",
        description=(
            "Print per-segment sizing plans and the analysis of the shipped express-pay "
            "experiment, then write the analysis notebook (from the 'analysis' template) "
            "and its HTML report to --output-dir."
        ),
    )
    demo.add_argument(
        "--output-dir", default="hypokit-demo", help="where to write the notebook and report"
    )
    demo.add_argument("--no-report", action="store_true", help="print only, write nothing")
    from hypokit import _cli_monitor, _cli_records

    _cli_records.add_parsers(sub)
    _cli_monitor.add_parser(sub)
    new = sub.add_parser(
        "new",
        help="create a notebook from a template",
        description=(
            "Write notebooks/NAME.ipynb from a template, with parameters filled in after "
            "its 'parameters' cell (values are Python literals, or text)."
        ),
        epilog=(
            "examples:\n"
            "  hypokit new --list\n"
            "  hypokit new sizing checkout-sizing -p mde=0.05 -p correction=bonferroni\n"
            "  hypokit new analysis express-pay -p data_path=events.parquet\n"
            "\n"
            "NAME is 1-100 ASCII letters, digits, '-', '_' and '.', starting with a letter or\n"
            "digit. Each -p value is checked against what the template accepts (a rate in\n"
            "(0, 1), one of its choices, a date, ...); a refused one names the parameter and\n"
            "what was expected. An existing notebook is replaced only with --force, and\n"
            "never through a symbolic link."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("kind", nargs="?", metavar="KIND", help="the template (see --list)")
    new.add_argument("name", nargs="?", metavar="NAME", help="the notebook's name")
    new.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a parameter (repeatable)",
    )
    new.add_argument("--list", action="store_true", help="list the template kinds")
    new.add_argument("--folder", default="notebooks", help="where to write (default notebooks)")
    new.add_argument("--force", action="store_true", help="replace an existing notebook")
    report = sub.add_parser(
        "report",
        help="export a notebook as a standalone HTML report (code hidden)",
        description="Write NOTEBOOK as one HTML file with the code hidden, for readers "
        "who do not open Jupyter; --execute runs it first.",
    )
    report.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file")
    report.add_argument("-o", "--output", help="the HTML file (default: NOTEBOOK.html)")
    report.add_argument("--execute", action="store_true", help="run the notebook first")
    report.add_argument("--show-code", action="store_true", help="keep the code cells")
    return parser


def _segment_checks() -> dict[str, Callable[[str, Any], float]]:
    """The columns of ``--segments-csv`` besides ``segment``, and the rule of each."""
    from hypokit._validate import (
        check_correlation,
        check_finite,
        check_open_unit,
        check_positive,
    )

    return {
        "traffic": check_positive,
        "baseline": check_open_unit,
        "mean": check_finite,
        "sd": check_positive,
        "correlation": check_correlation,
        "mde": check_finite,
    }


def _segments_text(path: str) -> str:
    """The text of ``--segments-csv``: UTF-8 (a BOM is fine), gzip when named .gz."""
    import gzip
    import zlib

    from hypokit._errors import DataError
    from hypokit._files import input_kind, read_bytes

    arg = f"--segments-csv {path!r}"
    input_kind(path, "--segments-csv")
    lower = path.lower()
    if not lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        raise DataError(f"{arg}: expected a .csv, .csv.gz or .tsv file.")
    data = read_bytes(path, "--segments-csv")
    if lower.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise DataError(f"{arg} is not gzip-compressed; expected a .csv.gz file.") from None
    if not data.strip():
        raise DataError(
            f"{arg} is empty; expected a header line 'segment,traffic,...' and a row per segment."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{arg} is UTF-16 text; save it as UTF-8.")
    if b"\0" in data:
        at = data.index(b"\0")
        raise DataError(f"{arg} holds binary data (a NUL byte at offset {at}); expected CSV text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{arg}, line {line}: not UTF-8 text; save the file as UTF-8.") from None


def _read_segments_csv(path: str) -> dict[str, dict[str, float]]:
    """``--segments-csv``: {column: {segment: value}}, every value checked with its line.

    A ``segment`` and a ``traffic`` column, optionally ``baseline``, ``mean``, ``sd``,
    ``correlation`` and ``mde``; a value in every cell. Refused, naming the line: an
    unknown or repeated column, an empty segment, ``(all)``, a segment on two rows (its
    traffic would be ambiguous), a cell that is not a finite number or breaks the
    column's rule. Segment names are kept as written (``NA`` is a segment, not a
    missing value); spaces around cells are ignored.
    """
    import csv
    import io

    from hypokit._aggregate import ALL
    from hypokit._errors import DataError, ValidationError

    arg = f"--segments-csv {path!r}"
    text = _segments_text(path)
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    checks = _segment_checks()
    try:
        header = [h.strip() for h in next(reader)]
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise DataError(f"{arg}, line {reader.line_num}: not valid CSV ({exc}).") from None
    known = ("segment", *checks)
    for name in header:
        if header.count(name) > 1:
            raise DataError(f"{arg}: the column {name!r} appears twice in the header.")
        if name not in known:
            hint = ""
            if len(header) == 1 and (";" in name or "\t" in name):
                hint = " (the columns must be separated by commas)"
            raise DataError(
                f"{arg}: unknown column {name!r}{hint}; the columns are segment, traffic "
                "and optionally baseline, mean, sd, correlation, mde."
            )
    if "segment" not in header or "traffic" not in header:
        have = ", ".join(map(repr, header))
        raise DataError(f"{arg} needs columns 'segment' and 'traffic'; it has {have}.")
    if not rows:
        raise DataError(f"{arg} has a header line but no rows; expected one row per segment.")
    out: dict[str, dict[str, float]] = {name: {} for name in header if name != "segment"}
    lines: dict[str, int] = {}
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"{arg}, line {line}: {len(row)} cells, but the header has {len(header)}."
            )
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        segment = cells["segment"]
        if not segment:
            raise DataError(f"{arg}, line {line}: the segment is empty.")
        if segment == ALL:
            raise DataError(
                f"{arg}, line {line}: {ALL!r} is the name hypokit keeps for the whole "
                "population; rename the segment."
            )
        if segment in lines:
            raise DataError(
                f"{arg}: segment {segment!r} is on line {lines[segment]} and on line {line}; "
                "give each segment one row (add their traffic up if both are meant)."
            )
        lines[segment] = line
        for name, check in checks.items():
            if name not in cells:
                continue
            try:
                value = float(cells[name])
            except ValueError:
                raise DataError(
                    f"{arg}, line {line}: column {name!r} must be a number; it is {cells[name]!r}."
                ) from None
            try:
                out[name][segment] = check(name, value)
            except ValidationError as exc:
                raise DataError(f"{arg}, line {line}, segment {segment!r}: {exc}") from None
    return out


def _run_size(ns: argparse.Namespace) -> int:
    import hypokit as hk

    per_segment = _read_segments_csv(ns.segments_csv) if ns.segments_csv else {}
    if ns.data is not None:
        _data_argument([ns.data], name="--data")

    def pick(name: str, value: Any) -> Any:
        return per_segment.get(name, value)

    metric: Any
    if ns.metric == "proportion":
        metric = hk.Proportion(ns.column, baseline=pick("baseline", ns.baseline))
    elif ns.metric == "mean":
        metric = hk.Mean(
            ns.column,
            covariate=ns.covariate,
            mean=pick("mean", ns.mean),
            sd=pick("sd", ns.sd),
            correlation=pick("correlation", ns.correlation),
        )
    else:
        if ns.data is None:
            raise HypokitError(
                "--metric ratio is sized from --data with --numerator/--denominator."
            )
        metric = hk.Ratio(
            ns.numerator,
            ns.denominator,
            covariate=ns.covariate,
            correlation=pick("correlation", ns.correlation),
        )
    traffic = per_segment.get("traffic", ns.traffic)
    looks = _parse_looks(ns.looks)
    if ns.spending is not None and looks is None:
        raise HypokitError(f"--spending {ns.spending} needs --looks (the planned looks).")
    plan = hk.size(
        metric,
        mde=pick("mde", ns.mde),
        relative=ns.relative,
        alpha=ns.alpha,
        power=ns.power,
        alternative=ns.alternative,
        ratio=ns.ratio,
        arms=ns.arms,
        correction=None if ns.correction == "none" else ns.correction,
        traffic=traffic,
        margin=ns.margin,
        method=ns.method,
        whole_weeks=ns.whole_weeks,
        data=ns.data,
        segments=ns.segment_column,
        date=ns.date_column,
        days=ns.days,
        looks=looks,
        spending=ns.spending or "obrien-fleming",
    )
    _print_plan(plan, ns.format)
    return 0


#: The most planned looks ``--looks`` accepts. rpact allows 20; beyond about 500 the
#: boundaries' recursive integration fails, and sooner for small alphas (1e-3: 300).
MAX_LOOKS = 100


def _parse_looks(text: str | None) -> int | list[float] | None:
    """``--looks``: a number of looks (``4``) or information fractions (``0.25,0.5,1``)."""
    if text is None:
        return None
    looks: int | list[float]
    try:
        if "," in text or "." in text:
            looks = [float(part) for part in text.split(",")]
        else:
            looks = int(text)
    except ValueError:
        raise HypokitError(
            f"--looks {_short(text)}: expected a number of looks (e.g. 4) or information "
            "fractions, increasing and ending at 1 (e.g. 0.25,0.5,1)."
        ) from None
    count = looks if isinstance(looks, int) else len(looks)
    if count > MAX_LOOKS:
        raise HypokitError(
            f"--looks {_short(text)}: {count:,} looks; "
            f"expected at most {MAX_LOOKS} (daily looks for three months)."
        )
    return looks


def _print_plan(plan: Any, fmt: str) -> None:
    """The plan, then its look schedule when it has planned looks."""
    schedule = plan.schedule() if plan.looks is not None else None
    if fmt == "table":
        print(plan.to_string())
        if schedule is not None:
            print()
            print(schedule.to_string())
    elif fmt == "csv":
        print(plan.to_pandas().to_csv(index=False), end="")
        if schedule is not None:
            print()
            print(schedule.to_pandas().to_csv(index=False), end="")
    elif schedule is None:
        print(json.dumps(plan.to_records(), indent=2, default=float))
    else:
        design = {
            "looks": plan.looks.looks,
            "spending": plan.looks.spending,
            "inflation": plan.inflation,
            "plan": plan.to_records(),
            "schedule": schedule.to_records(),
        }
        print(json.dumps(_finite(design), indent=2, allow_nan=False))


def _run_demo(ns: argparse.Namespace) -> int:
    from hypokit.datasets import demo_analysis, demo_sizing

    if not ns.no_report:  # refuse a bad --output-dir before printing anything
        from hypokit._files import ensure_folder

        folder = ensure_folder(ns.output_dir, "--output-dir")
        check_output_file(folder / "checkout-analysis.html", "--output-dir", create=False)
    print(demo_sizing())
    print()
    print(demo_analysis())
    if not ns.no_report:
        from hypokit._report import render_report
        from hypokit._templates import new_notebook

        notebook = new_notebook(
            "analysis",
            "checkout-analysis",
            folder=ns.output_dir,
            overwrite=True,
            folder_argument="--output-dir",
        )
        report = render_report(notebook, execute=True)
        print()
        print(f"notebook: {notebook}")
        print(f"HTML report: {report}")
    return 0


# ------------------------------------------------------------------------------ analyze
_METRIC_FORMS = (
    "COL:proportion, COL:mean, COL:mean:COVARIATE, NUM/DEN:ratio or NUM/DEN:ratio:COVARIATE "
    "(a ratio's covariate may be CNUM/CDEN), each optionally ending in =NAME"
)

_ANALYZE_EPILOG = """\
metric specs (--metric, repeat it for several metrics):
  COL:proportion            a 0/1 column (z-test, as R's prop.test without correction)
  COL:mean                  a numeric column (Welch's t-test)
  COL:mean:COVARIATE        the same with CUPED on a pre-experiment column
  NUM/DEN:ratio             sum(NUM) / sum(DEN) per unit (delta method)
  NUM/DEN:ratio:COVARIATE   the same with CUPED (COVARIATE may be CNUM/CDEN)
  ...=NAME                  any of these, shown as NAME (e.g. revenue:mean:pre=revenue_cuped)

examples:
  hypokit analyze experiment.csv --variant variant --control control \\
      --segments segment --metric converted:proportion \\
      --metric revenue:mean:pre_revenue --metric revenue/sessions:ratio
  hypokit analyze 'events/*.parquet' --variant arm --control A \\
      --metric converted:proportion --correction bh --output report.html
  hypokit analyze part1.csv part2.csv --variant variant --control control \\
      --metric converted:proportion --allocation control=0.9 --allocation treatment=0.1
  hypokit analyze experiment.csv --variant group --control 0 \
      --metric converted:proportion   # integer arms 0/1 (or --control false for booleans)
  hypokit analyze experiment.csv --variant variant --control control \\
      --metric converted:proportion --format json > result.json
  hypokit analyze experiment.csv --variant variant --control control \\
      --metric converted:proportion --quiet --fail-on-warning   # in CI
  hypokit analyze experiment.csv --variant variant --control control \\
      --metric converted:proportion --method sequential --n-tune 50000 \\
      --date date --over-time          # always-valid intervals, day by day
  hypokit analyze experiment.csv --variant variant --control control \\
      --metric converted:proportion --metric revenue:mean \\
      --method bayesian --prior-sd 0.1   # P(beats control) and expected loss

--control and --allocation name arms as the data prints them (control, 0, true or
True); they are matched against the variant column's labels, whose type (text,
integers, booleans) is kept in the output.

Rows that cannot be computed (a segment with one arm, a constant metric) are left out
of the table and explained under "Warnings:". Exit status: 0 when the analysis ran
(even with warnings), 1 with --fail-on-warning when there are warning-severity
findings, 2 for usage and input errors (a missing file or column, a bad --metric)."""


def _add_analyze_parser(sub: Any) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyze an A/B test per segment from CSV or Parquet files",
        usage=(
            "hypokit analyze PATH_OR_GLOB [PATH_OR_GLOB ...] --variant COL --control NAME\n"
            "                       --metric SPEC [--metric SPEC ...] [--segments COL ...] "
            "[options]"
        ),
        description=(
            "Analyze an A/B test per segment and overall (segment '(all)'): every variant\n"
            "against control for every metric, with the lift and its interval, p-values\n"
            "adjusted over the whole table, a sample-ratio check and plain-language warnings\n"
            "(Simpson's paradox, segments that differ or move against the average, missing\n"
            "data). The data has one row per unit, read by DuckDB from CSV or Parquet files.\n"
            "--method sequential gives intervals and p-values valid however often they are\n"
            "read; --method bayesian the chance each variant beats control and its expected\n"
            "loss; --date with --over-time shows how the numbers evolved day by day."
        ),
        epilog=_ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH_OR_GLOB",
        help="CSV or Parquet files, or a quoted glob such as 'data/*.parquet'",
    )
    d = p.add_argument_group("data")
    d.add_argument("--variant", required=True, metavar="COL", help="the variant column")
    d.add_argument(
        "--control",
        required=True,
        metavar="NAME",
        help="the control variant's label as the data prints it (control, 0, true)",
    )
    d.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        required=True,
        metavar="SPEC",
        help="a metric, e.g. converted:proportion, revenue:mean:pre_revenue or "
        "revenue/sessions:ratio (repeatable; see below)",
    )
    d.add_argument(
        "--segments",
        action="append",
        metavar="COL",
        help="a segment column (repeatable: several columns combine into segments)",
    )
    d.add_argument(
        "--date",
        metavar="COL",
        help="the column with the day each unit entered (for --over-time)",
    )
    t = p.add_argument_group("test")
    t.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    t.add_argument(
        "--correction",
        choices=("holm", "bonferroni", "bh", "none"),
        default="holm",
        help="multiple-testing correction over every (segment, metric, variant) (default holm)",
    )
    t.add_argument(
        "--alternative",
        choices=("two-sided", "greater", "less"),
        default="two-sided",
        help="direction of the test (default two-sided)",
    )
    t.add_argument(
        "--lift",
        choices=("auto", "delta", "log", "fieller"),
        default="auto",
        help="interval of the relative lift (default auto: the one that agrees with the test)",
    )
    t.add_argument(
        "--allocation",
        action="append",
        metavar="VARIANT=SHARE",
        help="planned share of units of a variant, for the sample-ratio check "
        "(repeat for every variant; default equal shares)",
    )
    t.add_argument(
        "--srm-alpha",
        type=float,
        default=0.001,
        help="p-value below which the sample ratio is flagged (default 0.001)",
    )
    m = p.add_argument_group("method")
    m.add_argument(
        "--method",
        choices=("frequentist", "sequential", "bayesian"),
        default="frequentist",
        help="frequentist: read once, at the planned size (default); sequential: "
        "always-valid intervals and p-values, safe to read daily; bayesian: posterior "
        "intervals, prob_beats_control and expected_loss instead of p-values",
    )
    m.add_argument(
        "--n-tune",
        type=float,
        metavar="N",
        help="sequential: units (both arms) where the interval is tightest; about the "
        "final size is best (default 5000)",
    )
    m.add_argument(
        "--prior-a",
        type=float,
        metavar="A",
        help="bayesian: the Beta(A, B) prior of each arm's rate for proportions (default 1)",
    )
    m.add_argument("--prior-b", type=float, metavar="B", help="bayesian: see --prior-a (default 1)")
    m.add_argument(
        "--prior-sd",
        type=float,
        metavar="SD",
        help="bayesian: the prior sd of the relative lift for means and ratios, e.g. 0.1 "
        "(default: a flat prior, the credible interval equals the z interval)",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="what to print: a table with warnings (default), the rows as CSV, or rows, "
        "warnings and the sample-ratio check as JSON",
    )
    o.add_argument(
        "--output",
        metavar="FILE",
        help="also write the result to FILE.csv (every column) or FILE.html (a standalone page)",
    )
    o.add_argument(
        "--over-time",
        action="store_true",
        help="print (and write with --output) the analysis day by day, on the data up to "
        "each day of --date, instead of the final table",
    )
    o.add_argument("--quiet", action="store_true", help="print only the table")
    o.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="the aggregation's progress bar: auto (terminals, after 2 s), on or off",
    )
    o.add_argument(
        "--fail-on-warning",
        action="store_true",
        help="exit 1 when there are warning-severity findings (for CI pipelines)",
    )


def _bad_metric(spec: str, problem: str) -> HypokitError:
    return HypokitError(f"--metric {spec!r}: {problem}; accepted forms: {_METRIC_FORMS}.")


def _parse_metric(spec: str) -> Metric:
    """A metric from ``COL:kind[:COVARIATE][=NAME]`` (see ``_METRIC_FORMS``)."""
    import hypokit as hk

    body, has_name, name = spec.partition("=")
    name = name.strip()
    if has_name and not name:
        raise _bad_metric(spec, "the name after '=' is empty")
    parts = [part.strip() for part in body.split(":")]
    if len(parts) < 2:
        raise _bad_metric(spec, "no kind after the column")
    if len(parts) > 3:
        raise _bad_metric(spec, "too many ':'")
    if not all(parts):
        raise _bad_metric(spec, "an empty column, kind or covariate")
    columns, kind = parts[0], parts[1].lower()
    covariate = parts[2] if len(parts) == 3 else None
    label = name or None
    if kind not in ("proportion", "mean", "ratio"):
        raise _bad_metric(spec, f"unknown kind {parts[1]!r} (proportion, mean or ratio)")
    if kind == "ratio":
        numerator, slash, denominator = (c.strip() for c in columns.partition("/"))
        if not slash or not numerator or not denominator or "/" in denominator:
            raise _bad_metric(spec, "a ratio needs NUM/DEN columns")
        cov, cov_slash, cov_den = (c.strip() for c in (covariate or "").partition("/"))
        if cov_slash and (not cov or not cov_den or "/" in cov_den):
            raise _bad_metric(spec, "a ratio covariate is COL or CNUM/CDEN")
        return hk.Ratio(
            numerator,
            denominator,
            covariate=cov or None,
            covariate_denominator=cov_den or None,
            name=label,
        )
    if "/" in columns:
        raise _bad_metric(spec, f"NUM/DEN columns make a ratio, not a {kind}")
    if kind == "proportion":
        if covariate is not None:
            raise _bad_metric(spec, "a proportion takes no covariate")
        return hk.Proportion(columns, name=label)
    return hk.Mean(columns, covariate=covariate, name=label)


def _parse_metrics(specs: Sequence[str]) -> list[Metric]:
    metrics = [_parse_metric(s) for s in specs]
    seen: dict[str, str] = {}
    for spec, metric in zip(specs, metrics, strict=True):
        if metric.label in seen:
            raise HypokitError(
                f"--metric {seen[metric.label]!r} and --metric {spec!r} are both named "
                f"{metric.label!r}; end one of them in =NAME (e.g. {spec}=other_name)."
            )
        seen[metric.label] = spec
    return metrics


def _parse_allocation(items: Sequence[str] | None) -> dict[str, float] | None:
    """``--allocation`` as {variant: share}, the variants as text to match labels by."""
    from hypokit._labels import LabelText

    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        variant, eq, share = item.rpartition("=")
        variant = variant.strip()
        try:
            value = float(share)
        except ValueError:
            value = math.nan
        if not eq or not variant or not math.isfinite(value):
            raise HypokitError(
                f"--allocation {item!r}: expected VARIANT=SHARE with a number, "
                "e.g. --allocation control=0.5."
            )
        if variant in out:
            raise HypokitError(f"--allocation names variant {variant!r} twice.")
        out[LabelText(variant)] = value
    return out


_GLOB_CHARS = "*?["


def _matches(path: str) -> list[str]:
    """The local files a PATH_OR_GLOB argument names (none for a remote address)."""
    import glob

    if "://" in path:
        return []
    if any(ch in path for ch in _GLOB_CHARS):
        return sorted(glob.glob(path, recursive=True))
    return [path]


def _sniff_data_file(arg: str, path: str, name: str = "PATH_OR_GLOB") -> None:
    """Refuse a data file that cannot be what its name says, before DuckDB reads it.

    An empty file, a CSV that is binary or not UTF-8 text or has no rows, a Parquet file
    without Parquet's magic bytes. Pipes and devices are left alone (reading their
    first bytes would consume them).
    """
    from hypokit._errors import DataError
    from hypokit._files import input_kind, read_bytes

    where = f"{name} {arg!r}" if arg == path else f"{name} {arg!r} matches {path!r}, which"
    label = name if arg == path else f"{name} {arg!r}: the match"
    if input_kind(path, label) != "file":
        return
    head = read_bytes(path, label, 65536)
    lower = path.lower()
    size = os.path.getsize(path)
    if size == 0:
        raise DataError(f"{where} is an empty file; expected a CSV or Parquet file with data.")
    if lower.endswith((".parquet", ".pq")):
        with open(path, "rb") as f:
            f.seek(max(size - 4, 0))
            tail = f.read(4)
        if size < 12 or head[:4] != b"PAR1" or tail != b"PAR1":
            raise DataError(
                f"{where} is not a Parquet file (no PAR1 magic bytes at both ends; "
                "truncated, or another format)."
            )
        return
    if lower.endswith(".gz"):
        if head[:2] != b"\x1f\x8b":
            raise DataError(f"{where} is not gzip-compressed; expected a .csv.gz file.")
        return
    formats = {
        b"PAR1": "a Parquet file; name it .parquet",
        b"\x1f\x8b": "gzip-compressed; name it .csv.gz",
        b"PK\x03\x04": "a zip archive (an Excel .xlsx?); export it as CSV",
        b"\xff\xfe": "UTF-16 text; save it as UTF-8",
        b"\xfe\xff": "UTF-16 text; save it as UTF-8",
    }
    for magic, what in formats.items():
        if head.startswith(magic):
            raise DataError(f"{where} is {what}.")
    if b"\0" in head:
        at = head.index(b"\0")
        raise DataError(
            f"{where} holds binary data (a NUL byte at offset {at}); expected CSV text."
        )
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where} is not UTF-8 text (byte offset {exc.start}); save it as UTF-8 CSV."
        ) from None
    if len(head) == size:
        lines = [line for line in head.splitlines() if line.strip()]
        if len(lines) < 2:
            raise DataError(f"{where} has a header line but no rows; expected one row per unit.")


def _data_argument(
    paths: Sequence[str], output: str | None = None, name: str = "PATH_OR_GLOB"
) -> str | list[str]:
    """One path or glob as given, several as a list, after checking the files.

    Refused: CSV and Parquet mixed; a folder; a file given twice or matched by two
    arguments (its units would count twice); ``--output`` naming one of the inputs;
    files that cannot be what their names say (see :func:`_sniff_data_file`).
    """
    from hypokit._errors import DataError
    from hypokit._files import check_path_text, input_kind

    kinds = {"parquet" if p.lower().endswith((".parquet", ".pq")) else "csv" for p in paths}
    if len(kinds) > 1:
        raise HypokitError(
            f"{name} arguments mix CSV and Parquet files ({', '.join(paths)}); "
            "give files of one kind."
        )
    seen: dict[tuple[int, int], tuple[str, str]] = {}
    for arg in paths:
        check_path_text(arg, name)
        literal = "://" not in arg and not any(ch in arg for ch in _GLOB_CHARS)
        if literal and os.path.isdir(arg):
            raise DataError(
                f"{name} {arg!r} is a folder; give its files, e.g. "
                f"'{os.path.join(arg, '*.parquet')}' (quoted)."
            )
        if literal:
            input_kind(arg, name)  # no such file, a broken link
        for path in _matches(arg):
            try:
                st = os.stat(path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                first, first_path = seen[key]
                if arg != first:
                    files = "" if (arg, first) == (path, first_path) else f" ({path!r})"
                    problem = f"{first!r} and {arg!r} name the same file{files}"
                elif path == first_path:
                    problem = f"{arg!r} is given twice"
                else:
                    problem = f"{arg!r} matches one file twice ({first_path!r}, {path!r})"
                raise DataError(f"{name} {problem}; its units would count twice.")
            seen[key] = (arg, path)
            if os.path.isfile(path):
                _sniff_data_file(arg, path, name)
    if output is not None:
        try:
            out = os.stat(output)
        except OSError:
            out = None
        if out is not None and (out.st_dev, out.st_ino) in seen:
            given = seen[(out.st_dev, out.st_ino)][0]
            raise DataError(
                f"--output {output!r} is one of the input files ({given!r}); writing it would "
                "destroy the data. Choose another file name."
            )
    return paths[0] if len(paths) == 1 else list(paths)


def _output_kind(path: str | None) -> str | None:
    if path is None:
        return None
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        kind = "csv"
    elif ext in (".html", ".htm"):
        kind = "html"
    else:
        raise HypokitError(f"--output {path!r}: expected a .csv or .html file name.")
    check_output_file(path, "--output", create=False)
    return kind


_PRIOR_OPTIONS = {"a": "--prior-a", "b": "--prior-b", "effect_sd": "--prior-sd"}


def _prior(ns: argparse.Namespace) -> Prior | None:
    """``hk.Prior`` from ``--prior-a/--prior-b/--prior-sd``; None when none is given."""
    import hypokit as hk

    given = {
        name: getattr(ns, option[2:].replace("-", "_")) for name, option in _PRIOR_OPTIONS.items()
    }
    given = {name: value for name, value in given.items() if value is not None}
    if not given:
        return None
    try:
        return hk.Prior(**given)
    except HypokitError as exc:
        name = str(exc).partition(" == ")[0]
        raise HypokitError(f"{_PRIOR_OPTIONS.get(name, '--prior')}: {exc}") from None


def _method_note(method: str, n_tune: float | None, prior: Prior | None) -> str:
    """How the sequential or Bayesian reading was tuned, for the caption."""
    if method == "sequential":
        from hypokit.stats import DEFAULT_N_TUNE

        tune = f"{n_tune:,.6g}" if n_tune is not None else f"{DEFAULT_N_TUNE:,.0f} (default)"
        return f"sequential: always-valid intervals and p-values, n_tune {tune}"
    if method == "bayesian":
        import hypokit as hk

        prior = prior or hk.Prior()
        effect = (
            "a flat prior on the effect"
            if prior.effect_sd is None
            else f"a normal prior on the lift (sd {prior.effect_sd:g})"
        )
        return (
            f"bayesian: Beta({prior.a:g}, {prior.b:g}) prior on rates, {effect}; "
            "no p-values, no correction"
        )
    return ""


def _run_analyze(ns: argparse.Namespace) -> int:
    import hypokit as hk
    from hypokit._labels import LabelText

    metrics = _parse_metrics(ns.metrics)
    allocation = _parse_allocation(ns.allocation)
    output = _output_kind(ns.output)
    data = _data_argument(ns.paths, ns.output)
    prior = _prior(ns)
    if ns.over_time and ns.date is None:
        raise HypokitError("--over-time needs --date COL (the day each unit entered).")
    segments = ns.segments[0] if ns.segments and len(ns.segments) == 1 else ns.segments
    result = hk.analyze(
        data,
        variant=ns.variant,
        control=LabelText(ns.control),  # matched by its printed form: "0" finds 0
        metrics=metrics,
        segments=segments,
        alpha=ns.alpha,
        correction=None if ns.correction == "none" else ns.correction,
        method=ns.method,
        alternative=ns.alternative,
        lift=ns.lift,
        allocation=allocation,
        srm_alpha=ns.srm_alpha,
        progress={"auto": None, "on": True, "off": False}[ns.progress],
        date=ns.date,
        n_tune=ns.n_tune,
        prior=prior,
    )
    days = result.over_time() if ns.over_time else None
    note = _method_note(result.method, ns.n_tune, prior)
    serious = [f for f in result.warnings if f.severity == "warning"]
    if ns.format == "json":
        document = _analysis_json(result)
        if days is not None:
            document["over_time"] = {"date": days.date, "rows": _finite(days.to_records())}
        print(json.dumps(document, indent=2, allow_nan=False))
    elif ns.format == "csv":
        table = result.to_pandas() if days is None else days.to_pandas()
        print(table.to_csv(index=False), end="", flush=True)
        if not ns.quiet:  # the warnings go to stderr, to keep stdout a clean CSV
            print(_warning_lines(result), file=sys.stderr)
    else:
        if not ns.quiet:
            print(_caption(result, note))
        print(_analysis_table(result, None if days is None else days.rows))
        if not ns.quiet:
            print()
            print(_warning_lines(result))
    if output is not None:
        _write_output(result, days, ns.output, output, ns.paths, note)
        if not ns.quiet:
            sys.stdout.flush()
            print(f"hypokit analyze: wrote {ns.output}", file=sys.stderr)
    if ns.fail_on_warning and serious:
        sys.stdout.flush()
        print(
            f"hypokit analyze: {len(serious)} warning(s); exit status 1 (--fail-on-warning).",
            file=sys.stderr,
        )
        return 1
    return 0


def _pct(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    return f"{x:+.1%}"


def _pvalue(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return "<0.0001" if x < 1e-4 else f"{x:.4f}"


def _p_is(x: float) -> str:
    text = _pvalue(x)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def _caption(result: AnalysisResult, note: str = "") -> str:
    n = len(result.segments) - 1
    segments = f"{n} segment(s) and (all)" if n else "no segments"
    variants = ", ".join(map(repr, result.variants))
    if result.method == "bayesian":
        test = f"{(1 - result.alpha) * 100:g}% credible intervals, {result.alternative}"
    else:
        test = (
            f"alpha {result.alpha:g}, {result.correction or 'no'} correction, "
            f"{result.alternative}, {result.lift_method} lift intervals"
        )
    return (
        f"{variants} against {result.control!r}: {segments}, "
        f"{len(result.metrics)} metric(s); {test}" + (f"; {note}" if note else "")
    )


def _prob(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.1%}"


def _loss(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4g}"


def _analysis_table(result: AnalysisResult, dated: Sequence[dict[str, Any]] | None = None) -> str:
    """The rows as an aligned plain-text table: lift and its interval in percent.

    ``dated`` are the day-by-day rows of ``result.over_time()``, shown with a date
    column first. The Bayesian reading shows ``prob_beats_control`` and
    ``expected_loss`` (of shipping the variant, in the metric's units) for p-values.
    """
    bayesian = result.method == "bayesian"
    ci = f"{(1 - result.alpha) * 100:g}% {'credible' if bayesian else 'CI'}"
    adjusted = f"p ({result.correction})" if result.correction else "p (unadjusted)"
    tests = ["prob_beats_control", "expected_loss"] if bayesian else ["p", adjusted]
    header = ["segment", "metric", "variant", "n_control", "n_variant", "lift", ci, *tests]
    header = (["date"] if dated is not None else []) + [*header, "significant"]
    left = {"date", "segment", "metric", "variant", ci, "significant"}
    rows = []
    for r in result.rows if dated is None else dated:
        cells = [
            str(r["segment"]),
            str(r["metric"]),
            str(r["variant"]),
            f"{r['n_control']:,}",
            f"{r['n_variant']:,}",
            _pct(r["lift"]),
            f"[{_pct(r['lift_ci_low'])}, {_pct(r['lift_ci_high'])}]",
        ]
        if bayesian:
            cells += [_prob(r["prob_beats_control"]), _loss(r["expected_loss"])]
        else:
            cells += [_pvalue(r["p_value"]), _pvalue(r["p_adjusted"])]
        cells.append("yes" if r["significant"] else "no")
        rows.append(([str(r["date"])] if dated is not None else []) + cells)
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if h in left else c.rjust(w)
            for c, w, h in zip(cells, widths, header, strict=True)
        ).rstrip()

    lines = [line(header)] + [line(row) for row in rows]
    if not rows:
        lines.append("(no rows could be computed; see the warnings)")
    return "\n".join(lines)


def _srm_line(result: AnalysisResult) -> str:
    srm = result.srm
    overall = next(r for r in srm.rows if r["segment"] == "(all)")
    arms = (result.control, *result.variants)
    counts = ", ".join(f"{a}: {overall[f'n_{a}']:,}" for a in arms)
    bad = [r["segment"] for r in srm.rows if r["mismatch"]]
    status = f"MISMATCH in {', '.join(bad)}" if bad else "ok"
    return (
        f"Sample ratio: {status} (chi-square {_p_is(srm.p_value)} overall; {counts}; "
        f"flagged when p < {srm.threshold:g})"
    )


def _warning_lines(result: AnalysisResult) -> str:
    if not result.warnings:
        lines = ["Warnings: none"]
    else:
        lines = ["Warnings:"] + [f"- [{f.kind}] {f.message}" for f in result.warnings]
    return "\n".join([*lines, _srm_line(result)])


def _finite(value: Any) -> Any:
    """JSON-safe values: NaN and infinities (an unbounded one-sided interval) become null."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # a numpy scalar
        return _finite(value.item())
    return str(value)


def _analysis_json(result: AnalysisResult) -> dict[str, Any]:
    return _finite(  # type: ignore[no-any-return]
        {
            "method": result.method,
            "control": result.control,
            "variants": list(result.variants),
            "segments": list(result.segments),
            "metrics": list(result.metrics),
            "alpha": result.alpha,
            "correction": result.correction,
            "alternative": result.alternative,
            "lift": result.lift_method,
            "rows": result.to_records(),
            "warnings": [
                {
                    "kind": f.kind,
                    "severity": f.severity,
                    "segment": f.segment,
                    "columns": list(f.columns),
                    "metric": f.metric,
                    "variant": f.variant,
                    "message": f.message,
                }
                for f in result.warnings
            ],
            "srm": {
                "threshold": result.srm.threshold,
                "p_value": result.srm.p_value,
                "mismatch": result.srm.mismatch,
                "rows": result.srm.to_records(),
            },
        }
    )


_HTML_STYLE = """\
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem;
       color: #222; }
h1 { font-size: 1.4rem; }
.meta { color: #555; }
table.hypokit-table { border-collapse: collapse; font-size: 0.9rem; }
table.hypokit-table caption { text-align: left; font-weight: 600; padding: 0.4rem 0; }
table.hypokit-table th, table.hypokit-table td { border: 1px solid #ccc;
       padding: 0.25rem 0.6rem; text-align: right; }
table.hypokit-table th { background: #f3f3f3; }
table.hypokit-table td:nth-child(-n+3) { text-align: left; }
table.hypokit-table tbody tr:nth-child(even) { background: #fafafa; }
"""


def _over_time_html(days: OverTime, method: str) -> str:
    """The day-by-day rows as an HTML table, with the columns the printed table has."""
    from hypokit._results import format_label, html_table

    columns = [c for c in days._display_columns if c != "p_value"]
    extra = ["prob_beats_control", "expected_loss"] if method == "bayesian" else ["p_value"]
    if method != "bayesian":
        extra.append("p_adjusted")
    columns[columns.index("significant") : columns.index("significant")] = extra
    labels: dict[str, Callable[[Any], str]] = {"variant": format_label}
    return html_table(days.to_records(), columns, labels, caption=days._caption())


def _html_page(
    result: AnalysisResult,
    sources: Sequence[str],
    note: str = "",
    days: OverTime | None = None,
) -> str:
    title = "hypokit analysis: " + ", ".join(sources)
    by_day = (
        "" if days is None else f"\n<h2>Day by day</h2>\n{_over_time_html(days, result.method)}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_HTML_STYLE}</style>\n</head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n"
        f'<p class="meta">{html.escape(_caption(result, note))}. '
        f"Made by hypokit {html.escape(__version__)}.</p>\n"
        f"{result._repr_html_()}{by_day}\n</body>\n</html>\n"
    )


def _write_output(
    result: AnalysisResult,
    days: OverTime | None,
    path: str,
    kind: str,
    sources: Sequence[str],
    note: str = "",
) -> None:
    """``--output``: the rows (the day-by-day rows with ``--over-time``) as CSV, or a page.

    Written in one step: a full disk or an interruption leaves no half file.
    """
    if kind == "csv":
        text = (result if days is None else days).to_pandas().to_csv(index=False)
    else:
        text = _html_page(result, sources, note, days)
    write_text(path, text, "--output")


def _run_new(ns: argparse.Namespace) -> int:
    from hypokit._templates import kinds, new_notebook

    if ns.list:
        for kind in kinds():
            print(kind)
        return 0
    if ns.kind is None or ns.name is None:
        raise HypokitError("give KIND and NAME (hypokit new KIND NAME), or --list.")
    parameters: dict[str, str] = {}
    for item in ns.parameter:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise HypokitError(f"-p {item!r}: expected KEY=VALUE with KEY a parameter name.")
        if key in parameters:
            raise HypokitError(f"-p {key}=... is given twice; give each parameter once.")
        parameters[key] = value
    path = new_notebook(ns.kind, ns.name, parameters, folder=ns.folder, overwrite=ns.force)
    print(f"wrote {path}")
    return 0


def _run_report(ns: argparse.Namespace) -> int:
    from hypokit._report import render_report

    out = render_report(ns.notebook, ns.output, execute=ns.execute, show_code=ns.show_code)
    print(f"wrote {out}")
    return 0


def _debug_requested(args: list[str]) -> tuple[list[str], bool]:
    """``args`` without ``--debug``, and whether debugging was asked for.

    ``--debug`` is accepted anywhere before ``--``; ``HYPOKIT_DEBUG`` set to anything
    but empty, 0, false or no asks too.
    """
    end = args.index("--") if "--" in args else len(args)
    flag = "--debug" in args[:end]
    rest = [a for a in args[:end] if a != "--debug"] + args[end:]
    env = os.environ.get("HYPOKIT_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    return rest, flag or env


def _say(prog: str, kind: str, message: object) -> None:
    """One line on stderr: ``PROG: KIND: MESSAGE``."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    print(f"{prog}: {kind}: {one_line(message)}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _warnings_on_one_line(prog: str) -> Iterator[None]:
    """Warnings (from hypokit or the libraries it uses) as one line each on stderr.

    Only how they are shown changes: the filters in force (``-W error`` among them)
    still apply.
    """

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        _say(prog, "warning", f"{category.__name__}: {message}")

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _tolerant_stdout() -> None:
    """Print what a terminal cannot encode as escapes instead of failing on it."""
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if encoding != "utf8" and hasattr(stream, "reconfigure"):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")


def _stdout_gone() -> None:
    """After a broken pipe: send what is left of stdout nowhere, silently."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(ns: argparse.Namespace) -> int:
    if ns.command == "size":
        return _run_size(ns)
    if ns.command == "analyze":
        return _run_analyze(ns)
    if ns.command == "demo":
        return _run_demo(ns)
    if ns.command == "new":
        return _run_new(ns)
    if ns.command == "report":
        return _run_report(ns)
    if ns.command == "monitor":
        from hypokit import _cli_monitor

        return _cli_monitor.run(ns)
    from hypokit import _cli_records

    return _cli_records.run(ns)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    0: the command ran; 1: findings (``check``, ``analyze --fail-on-warning``); 2: a
    usage or input error, told in one line on stderr that names the argument, file or
    column; 3: an unexpected error (a bug), told in one line asking to report it, with
    the traceback under ``--debug`` or ``HYPOKIT_DEBUG=1``; 130: interrupted; 141: the
    reader of the output went away. Usage errors found by the argument parser, and
    ``--help``/``--version``, end in ``SystemExit`` as argparse does.
    """
    args, debug = _debug_requested(list(sys.argv[1:] if argv is None else argv))
    prog = "hypokit"
    try:
        parser = _parser()
        _tolerant_stdout()
        ns, extra = parser.parse_known_args(args)
        if extra:  # named by the command they were given to, not by "hypokit"
            command = f"hypokit {ns.command}" if ns.command else "hypokit"
            _say(
                command,
                "error",
                f"unrecognized arguments: {' '.join(extra)} (see '{command} --help')",
            )
            raise SystemExit(EXIT_USAGE)
        if ns.command is None:
            parser.print_help()
            _say(prog, "error", "give a COMMAND (the commands are listed above).")
            return EXIT_USAGE
        prog = f"hypokit {ns.command}"
        with _warnings_on_one_line(prog):
            return _run(ns)
    except HypokitError as exc:
        if debug:
            traceback.print_exc()
        _say(prog, "error", exc)
        return EXIT_USAGE
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the file system or the network, on a path not checked earlier
        if debug:
            traceback.print_exc()
        name = exc.filename
        if isinstance(name, bytes):
            name = os.fsdecode(name)
        where = f"{str(name)!r}: " if name is not None else ""
        _say(prog, "error", f"{where}{reason(exc)}.")
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        _say(prog, "error", "interrupted.")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last resort: a bug, never a traceback unless asked
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (--debug or HYPOKIT_DEBUG=1 shows the traceback)"
        detail = one_line(exc)[:300].rstrip(". ")
        what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        _say(
            prog,
            "internal error",
            f"{what}. This is a bug in hypokit {__version__}; please report it with the "
            f"command that caused it{hint}.",
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
