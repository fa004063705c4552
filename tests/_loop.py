"""A product manager's own project for the loop tests: a CSV unlike the example, a registry.

The CSV has ``user_id, day, variant, segment, converted, revenue``: no ``pre_revenue``,
no ``sessions``, other segments (mobile, desktop) and another variant label
(``one_tap``) than the shipped checkout example. One-tap checkout lifts mobile
conversion by 30% and leaves desktop alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
from nbclient import NotebookClient

import hypokit as hk

START = dt.date(2026, 10, 5)
DAYS = 14
TRAFFIC = {"mobile": 600, "desktop": 400}
RATES = {"mobile": 0.08, "desktop": 0.12}
LIFT = {"mobile": 1.30, "desktop": 1.0}


def user_data(seed: int = 20261005, days: int = DAYS) -> pd.DataFrame:
    """One row per user over ``days`` days, seeded."""
    rng = np.random.default_rng(seed)
    parts = []
    for day in range(days):
        for segment, units in TRAFFIC.items():
            arm = rng.choice(["control", "one_tap"], units)
            rate = np.where(arm == "one_tap", RATES[segment] * LIFT[segment], RATES[segment])
            converted = (rng.random(units) < rate).astype(int)
            revenue = np.round(converted * rng.gamma(2.0, 25.0, units), 2)
            parts.append(
                pd.DataFrame(
                    {
                        "day": (START + dt.timedelta(days=day)).isoformat(),
                        "variant": arm,
                        "segment": segment,
                        "converted": converted,
                        "revenue": revenue,
                    }
                )
            )
    data = pd.concat(parts, ignore_index=True)
    data.insert(0, "user_id", [f"u{i:06d}" for i in range(len(data))])
    return data


def plan() -> hk.SizingPlan:
    """The plan recorded with the experiment."""
    return hk.size(
        hk.Proportion(baseline=RATES),
        mde=0.25,
        relative=True,
        traffic=TRAFFIC,
        correction="holm",
    )


def make_project(root: Path, *, status: str = "running") -> Path:
    """``root/data/checkout.csv`` and ``root/records`` (a hypothesis, ``status``, and more)."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    user_data().to_csv(root / "data" / "checkout.csv", index=False)
    registry = hk.Registry(root / "records")
    registry.save(hk.Objective(id="checkout", title="Checkout that customers finish"))
    registry.save(
        hk.KeyResult(
            id="kr-conversion",
            objective="checkout",
            title="Checkout conversion from 9.5% to 11%",
            metric="converted",
            baseline=0.095,
            target=0.11,
            deadline=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.Hypothesis(
            id="one-tap",
            change="offer one-tap checkout on mobile",
            metric="converted",
            outcome="checkout conversion",
            expected_effect=0.25,
            time_frame_days=14,
            key_result="kr-conversion",
            criteria=[
                hk.SegmentCriteria(segment="mobile", min_effect=0.10),
                hk.SegmentCriteria(
                    segment="desktop",
                    min_effect=None,
                    priority=2,
                    guardrails=[hk.Guardrail(metric="converted", margin=0.10)],
                ),
            ],
        )
    )
    registry.save(
        hk.Experiment(
            id="one-tap-test",
            hypothesis="one-tap",
            plan=plan(),
            planned_end=START + dt.timedelta(days=DAYS),
            data_source="data/checkout.csv",
        )
    )
    if status in ("planned", "running"):
        registry.move("one-tap", status, as_of=START)
    return root / "records"


def execute(path: Path, *extra: str, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Run the notebook in its own folder, as Jupyter does, then the ``extra`` cells.

    A failing cell stops the run (CellExecutionError) unless ``allow_errors``; the
    notebook, with the outputs so far, is ``error.nb`` of the exception when it does.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            for code in extra:
                cell = nbformat.v4.new_code_cell(code)
                nb.cells.append(cell)
                client.execute_cell(cell, len(nb.cells) - 1)
    except Exception as exc:
        exc.nb = nb  # type: ignore[attr-defined]
        raise
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    """Every output of every code cell."""
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def tracebacks(nb: nbformat.NotebookNode) -> list[str]:
    """Every traceback shown: an error of more than one line, or a printed one."""
    found = []
    for o in outputs(nb):
        if o.get("output_type") == "error" and len(o.get("traceback", [])) != 1:
            found.append(f"{o.get('ename')}: {o.get('evalue')}")
        text = o.get("text", "") or o.get("data", {}).get("text/plain", "")
        if "Traceback (most recent call last)" in str(text):
            found.append(str(text)[:400])
    return found


def errors(nb: nbformat.NotebookNode) -> list[dict]:
    """Every error output."""
    return [o for o in outputs(nb) if o.get("output_type") == "error"]


def text_of(nb: nbformat.NotebookNode) -> str:
    """Every output as text (plain, markdown and streams)."""
    parts = []
    for o in outputs(nb):
        data = o.get("data", {})
        parts.append(str(o.get("text", "")))
        parts.append(str(data.get("text/markdown", "")))
        parts.append(str(data.get("text/plain", "")))
        parts.append(str(data.get("text/html", "")))
        parts += [str(line) for line in o.get("traceback", [])]
    return "\n".join(parts)
