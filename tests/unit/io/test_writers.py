"""write_table: CSV and Parquet outputs, empty tables included."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk.errors import InputError
from graphrisk.io.writers import write_table


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_empty_rings_table_is_written_with_its_header(tmp_path, suffix):
    """A scoring that finds no ring still writes its rings file (string columns have no any(): this crashed)."""
    empty = pd.DataFrame({"ring_id": pd.Series([], dtype="string"), "members": pd.Series([], dtype=object),
                          "size": pd.Series([], dtype="int64")})
    path = write_table(empty, tmp_path / f"rings{suffix}")
    back = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert list(back.columns) == ["ring_id", "members", "size"] and back.empty


def test_list_columns_are_joined_in_csv(tmp_path):
    table = pd.DataFrame({"ring_id": pd.Series(["r1", "r2"], dtype="string"), "members": [["a", "b"], ["c"]]})
    assert (write_table(table, tmp_path / "r.csv").read_text().splitlines()
            == ["ring_id,members", "r1,a|b", "r2,c"])


def test_other_suffixes_are_refused(tmp_path):
    with pytest.raises(InputError, match="use .parquet or .csv"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.xlsx")
