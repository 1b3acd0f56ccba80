"""Progress bars for the command line (libraries stay quiet; the CLI turns these on)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

__all__ = ["stage_bars"]


@contextmanager
def stage_bars(enabled: bool, unit: str = "rows") -> Iterator:
    """Yield a ``progress(stage, n)`` callback that keeps one tqdm bar per stage on stderr."""
    bars: dict[str, tqdm] = {}

    def progress(stage: str, n: int) -> None:
        if not enabled:
            return
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[stage] = tqdm(desc=f"{stage:>16}", unit=f" {unit}", unit_scale=True, leave=False)
        bar.update(n)

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()
