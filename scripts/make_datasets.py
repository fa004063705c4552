"""Regenerate the example data shipped in hypokit/data (seeded, deterministic).

Run from the repository root: ``python scripts/make_datasets.py``.
"""

import gzip
from pathlib import Path

from hypokit.datasets import (
    CHECKOUT_FILE,
    EXPERIMENT_FILE,
    PRICING_FILE,
    VIDEO_FILE,
    make_checkout_experiment,
    make_checkout_history,
    make_pricing_page,
    make_video_uploads,
)

ROOT = Path(__file__).resolve().parent.parent


def write(name: str, frame) -> None:
    out = ROOT / "hypokit" / "data" / name
    text = frame.to_csv(index=False)
    # mtime=0 keeps the gzip bytes identical from run to run.
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.encode())
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size:,} bytes)")


def main() -> None:
    write(CHECKOUT_FILE, make_checkout_history())
    write(EXPERIMENT_FILE, make_checkout_experiment())
    write(VIDEO_FILE, make_video_uploads())
    write(PRICING_FILE, make_pricing_page())


if __name__ == "__main__":
    main()
