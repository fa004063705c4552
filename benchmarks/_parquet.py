"""Seeded synthetic experiments written straight to Parquet by DuckDB, never through pandas.

The same experiment as :mod:`_data` (12 segments of unequal size, 2 arms, string
``segment`` and ``variant``, ``converted`` 0/1, ``revenue`` with its pre-period
``pre_revenue``, ``sessions``), but generated in SQL from ``range(N)`` so that 100
million rows cost no more memory than 10 thousand. Row ``i``'s values are a pure
function of ``(i, seed)``: the ``k``-th uniform of a row is DuckDB's 64-bit ``hash`` of
the integer ``i + (64 * seed + k) * 2**40`` mapped to (0, 1), so a file is the same
whatever the thread count or the order DuckDB writes in (rows stay in ``i`` order).

Distributions: segment ``s`` has a share proportional to ``1.35**s``; half the units are
``treatment``; a lognormal propensity drives conversion (lifted 3% in treatment),
revenue (a gamma when converted) and the pre-period revenue (Poisson count times a
gamma), which makes ``pre_revenue`` a useful CUPED covariate; ``sessions`` is
``1 + Poisson(1.5)``.

Files are cached as ``<data_dir>/experiment_<N>_seed<seed>_v<version>.parquet`` and
reused when present; a file is written under a temporary name and renamed when complete.

Run ``python benchmarks/_parquet.py 1000000`` to write (or find) a file and print its path.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

#: Bump when the generator changes, so that stale cached files are not reused.
VERSION = 1
SEGMENTS = 12
GROWTH = 1.35  # segment s has a share proportional to GROWTH**s
ROW_GROUP_SIZE = 1_000_000


def default_data_dir() -> Path:
    """Where the files are cached unless told otherwise: a folder in the system temp dir."""
    return Path(tempfile.gettempdir()) / "hypokit-bench"


def parquet_path(n: int, seed: int = 2026, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache path of the ``n``-row experiment with ``seed`` (the file may not exist)."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    return folder / f"experiment_{n}_seed{seed}_v{VERSION}.parquet"


def _uniform(k: int, seed: int) -> str:
    """SQL for the ``k``-th uniform on (0, 1) of row ``i``."""
    if not 0 <= k < 64:
        raise ValueError(k)
    offset = (64 * seed + k) * 2**40
    return f"((hash(i + {offset}::BIGINT)::DOUBLE + 0.5) / 18446744073709551616.0)"


def _poisson_case(u: str, lam: str, kmax: int) -> str:
    """SQL for ``Poisson(lam)`` by inversion of the CDF, capped at ``kmax``.

    ``lam`` may be an expression that varies by row; the terms are ``exp(-lam) lam^k/k!``.
    """
    terms = [f"exp(-{lam}) * pow({lam}, {k}) / {math.factorial(k)}" for k in range(kmax)]
    whens = [
        f"WHEN {u} < {' + '.join(terms[: k + 1])} THEN {k}"  # P(X <= k)
        for k in range(kmax)
    ]
    return "CASE " + " ".join(whens) + f" ELSE {kmax} END"


def experiment_sql(n: int, seed: int = 2026) -> str:
    """The SELECT that generates the ``n``-row experiment (columns as in :mod:`_data`)."""
    if n < 1:
        raise ValueError(f"n == {n}, must be positive")
    u = {
        name: _uniform(k, seed)
        for k, name in enumerate(
            ["seg", "arm", "z1", "z2", "conv", "sess", "pre", "g1", "g2", "g3", "h1", "h2", "h3"]
        )
    }
    total = GROWTH**SEGMENTS - 1
    # Inverse CDF of P(s) proportional to GROWTH**s, s = 0..11.
    seg = f"least({SEGMENTS - 1}, floor(ln(1 + {u['seg']} * {total!r}) / ln({GROWTH!r})))::INTEGER"
    normal = f"sqrt(-2 * ln({u['z1']})) * cos(2 * pi() * {u['z2']})"
    # Gamma(3, 15) as a sum of three exponentials.
    gamma_rev = f"(-15.0 * (ln({u['g1']}) + ln({u['g2']}) + ln({u['g3']})))"
    gamma_pre = f"(-15.0 * (ln({u['h1']}) + ln({u['h2']}) + ln({u['h3']})))"
    return f"""
WITH base AS (
  SELECT i, {seg} AS s, {u["arm"]} < 0.5 AS treat, exp(-0.5 + 0.8 * {normal}) AS propensity
  FROM range({n}) t(i)
), rates AS (
  SELECT *, 0.05 + 0.01 * (s % 5) AS rate FROM base
), units AS (
  SELECT *,
    {u["conv"]} < least(1.0, rate * propensity * CASE WHEN treat THEN 1.03 ELSE 1.0 END)
      AS conv,
    2 * rate * propensity AS pre_rate
  FROM rates
)
SELECT
  'segment_' || lpad(s::VARCHAR, 2, '0') AS segment,
  CASE WHEN treat THEN 'treatment' ELSE 'control' END AS variant,
  conv::BIGINT AS converted,
  CASE WHEN conv THEN {gamma_rev} * sqrt(propensity) ELSE 0.0 END AS revenue,
  ({_poisson_case(u["pre"], "pre_rate", 6)}) * {gamma_pre} AS pre_revenue,
  (1 + {_poisson_case(u["sess"], "1.5", 12)})::BIGINT AS sessions
FROM units
"""


def write_experiment(
    n: int,
    seed: int = 2026,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    threads: int | None = None,
) -> tuple[Path, bool]:
    """Write the ``n``-row experiment to Parquet unless cached; return (path, written now)."""
    import duckdb

    path = parquet_path(n, seed, data_dir)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        target = str(tmp).replace("'", "''")
        con.execute(
            f"COPY ({experiment_sql(n, seed)}) TO '{target}' "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(tmp, path)
    return path, True


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out, fresh = write_experiment(rows)
    print(f"{out} ({'written' if fresh else 'cached'}, {out.stat().st_size / 2**20:.1f} MiB)")
