"""Regenerate the example data shipped in hypokit/data (seeded, deterministic).

Run from the repository root: ``python scripts/make_datasets.py``.
"""

import gzip
from pathlib import Path

from hypokit.datasets import CHECKOUT_FILE, make_checkout_history

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = ROOT / "hypokit" / "data" / CHECKOUT_FILE
    text = make_checkout_history().to_csv(index=False)
    # mtime=0 keeps the gzip bytes identical from run to run.
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.encode())
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
