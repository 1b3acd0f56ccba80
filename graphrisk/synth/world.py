"""A generated world: canonical tables plus the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from graphrisk.io.writers import writable

__all__ = ["World"]


@dataclass
class World:
    """Canonical input tables and ground truth of a synthetic world.

    Attributes
    ----------
    transactions, links, users
        Canonical input (see :mod:`graphrisk.io.schema`).
    labels
        Ground truth for every user: ``user_id, is_fraud, ring_id, ring_type`` (``ring_id``
        empty for honest users and for fraudsters who act alone, whose ``ring_type`` is
        their kind of fraud). For evaluation and splits only.
    known_labels
        What a fraud team would know: ``user_id, is_fraud`` with a share of fraudsters
        missing (labelled 0), as labels are in practice: no ring ids.
    settings
        The generator settings and seed, written beside the tables.
    """

    transactions: pd.DataFrame
    links: pd.DataFrame
    users: pd.DataFrame
    labels: pd.DataFrame
    known_labels: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write every table as CSV (and ``world.json``) into ``folder``; return the paths.

        Raises
        ------
        InputError
            The folder or a file in it cannot be written.
        """
        folder = Path(folder)
        paths = {}
        with writable(folder):
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("transactions", "links", "users", "labels", "known_labels"):
                path = folder / f"{name}.csv"
                table = pa.Table.from_pandas(getattr(self, name), preserve_index=False)
                pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
                paths[name] = path
            settings = folder / "world.json"
            settings.write_text(json.dumps(self.settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths["settings"] = settings
        return paths

    def summary(self) -> str:
        """One line of counts."""
        fraud = self.labels["is_fraud"].astype(bool)
        ring_ids = self.labels["ring_id"].astype("string").fillna("")
        rings = ring_ids[ring_ids != ""].nunique()
        solo = int((fraud & (ring_ids == "")).sum())
        return (
            f"{len(self.transactions):,} transactions, {len(self.users):,} users "
            f"({int(fraud.sum()):,} fraudsters in {rings:,} rings" + (f", {solo:,} of them alone" if solo else "")
            + f"), {len(self.links):,} links"
        )
