"""Benchmark: loading and checking a large registry, against plain PyYAML in the same run.

A registry of ``--learnings`` learnings (default 5,000) and a mix of the other kinds
(``--hypotheses`` hypotheses with criteria, each with an experiment, under objectives and
key results) is written to a temporary folder, then timed:

1. the baseline: every file read and parsed with ``yaml.load(..., Loader=CSafeLoader)``
   (libyaml, no limits, no validation: the least any reader does);
2. ``Registry(path)``: reading, the safety limits, duplicate keys and validation;
3. ``hypokit check``: loading and every finding, as CI runs it;
4. saves: a learning renewed through ``registry.renew`` in a registry whose files carry
   comments (each save keeps them: its file is read again in round-trip mode).

Each is printed in seconds and as a ratio to the baseline; times are the best of
``--repeat`` runs. The goal is under 1 s for loading 5,000 records. Run from the
repository root::

    python benchmarks/bench_registry.py
    python benchmarks/bench_registry.py --learnings 20000 --repeat 5
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import hypokit as hk
from hypokit._cli import main as cli
from hypokit._records import Evidence, Experiment, Hypothesis, KeyResult, Learning, Objective
from hypokit._registry import Registry, to_yaml

AS_OF = dt.date(2026, 11, 10)


def records(learnings: int, hypotheses: int) -> list[hk.Hypothesis | Any]:
    out: list[Any] = []
    objectives = max(1, hypotheses // 50)
    for o in range(objectives):
        out.append(Objective(id=f"objective-{o}", title=f"Objective {o}"))
        out.append(
            KeyResult(
                id=f"kr-{o}",
                objective=f"objective-{o}",
                metric="converted",
                baseline=0.075,
                target=0.085,
                deadline=dt.date(2027, 6, 30),
            )
        )
    for i in range(learnings):
        out.append(
            Learning(
                id=f"learning-{i:05d}",
                believed="new customers leave at login",
                observed=f"{i % 90 + 5}% of new customers who leave do so on the payment step",
                learned="payment, not login, loses new customers",
                decision=("pivot", "persevere", "keep testing")[i % 3],
                evidence=[Evidence(kind="ab_test", sample_size=1000 + i, segment="new")],
                segments=["new"],
                recorded=AS_OF - dt.timedelta(days=i % 300),
            )
        )
    for i in range(hypotheses):
        out.append(
            Hypothesis(
                id=f"hypothesis-{i:04d}",
                change=f"change number {i}",
                metric="converted",
                expected_effect=0.1,
                time_frame_days=21,
                key_result=f"kr-{i % objectives}",
                learnings=[f"learning-{i % max(learnings, 1):05d}"] if learnings else [],
                criteria=[
                    {"segment": "new", "min_effect": 0.05},
                    {"segment": "returning", "priority": 2},
                ],
            )
        )
        out.append(Experiment(id=f"hypothesis-{i:04d}-test", hypothesis=f"hypothesis-{i:04d}"))
    return out


def write(root: Path, items: list[Any], comments: bool) -> None:
    for record in items:
        path = root / record.folder / f"{record.id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = to_yaml(record)
        if comments:
            text = f"# owner: growth team\n{text}".replace("\nrecorded:", "\n# when\nrecorded:")
        path.write_text(text)


def plain_load(root: Path) -> int:
    count = 0
    for path in sorted(root.glob("*/*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        count += 1
    return count


def check(root: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        cli(["check", "--registry", str(root), "--as-of", AS_OF.isoformat()])


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learnings", type=int, default=5_000)
    parser.add_argument("--hypotheses", type=int, default=500)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    items = records(args.learnings, args.hypotheses)
    with tempfile.TemporaryDirectory() as tmp:
        learnings_only = Path(tmp) / "learnings-only"
        write(learnings_only, [r for r in items if isinstance(r, Learning)], comments=False)
        mixed = Path(tmp) / "mixed"
        write(mixed, items, comments=True)
        others = len(items) - args.learnings - 2 * args.hypotheses
        print(
            f"registries: {args.learnings:,} learnings; the same with {args.hypotheses:,} "
            f"hypotheses, as many experiments and {others} objectives and key results, "
            "with comments"
        )
        figures: dict[str, float] = {}
        for name, root in (("learnings", learnings_only), ("mixed", mixed)):
            assert len(Registry(root)) == plain_load(root)  # warm-up, and every file read
            figures[f"{name}: yaml.load (CSafeLoader)"] = best_time(
                lambda r=root: plain_load(r), args.repeat
            )
            figures[f"{name}: Registry(path)"] = best_time(lambda r=root: Registry(r), args.repeat)
            figures[f"{name}: hypokit check"] = best_time(lambda r=root: check(r), args.repeat)

        registry = Registry(mixed)
        ids = [r.id for r in registry.records(Learning)][: args.saves]
        t0 = time.perf_counter()
        for i, learning_id in enumerate(ids):
            registry.renew(learning_id, AS_OF + dt.timedelta(days=200 + i), as_of=AS_OF)
        saves = time.perf_counter() - t0
        assert all("# owner:" in registry.path_of(i).read_text() for i in ids)

    print(f"\n{'what':<40}{'seconds':>10}{'x yaml.load':>14}")
    for name in ("learnings", "mixed"):
        base = figures[f"{name}: yaml.load (CSafeLoader)"]
        for key, seconds in figures.items():
            if key.startswith(name):
                print(f"{key:<40}{seconds:>10.3f}{seconds / base:>14.2f}")
    each = saves / max(len(ids), 1) * 1e3
    print(f"\nsaves keeping comments: {len(ids)} renewals, {each:.1f} ms each")
    load = figures["learnings: Registry(path)"]
    goal = "met" if load < 1 else "missed"
    print(f"loading {args.learnings:,} learnings: {load:.2f} s (goal < 1 s: {goal})")


if __name__ == "__main__":
    main()
