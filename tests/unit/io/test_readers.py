"""Readers: chunking, line numbers, formats and missing columns."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import InputError, build_graph
from graphrisk.io.readers import read_chunks


def test_missing_required_column_names_file_and_column(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("transaction_id,timestamp,user_id\nt1,2024-01-01,u1\n")
    with pytest.raises(InputError, match=r"tx\.csv: missing required column 'amount' in transactions"):
        build_graph(path)


def test_missing_file_and_unknown_type_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        build_graph(tmp_path / "nope.csv")
    other = tmp_path / "tx.json"
    other.write_text("{}")
    with pytest.raises(InputError, match="unknown file type"):
        build_graph(other)


def test_csv_chunks_number_lines_from_the_header(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6\n")
    chunks = list(read_chunks(path, chunk_rows=2))
    assert [lines.tolist() for _, lines in chunks] == [[2, 3], [4]]


def test_quoted_newlines_and_quotes_are_kept(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text('transaction_id,timestamp,user_id,amount\n"t\n1",2024-01-01,"u ""one""",1\nt2,2024-01-01,u2,2\n')
    graph, report = build_graph(path)
    assert report.rows_loaded == 2
    assert graph.transactions["transaction_id"].tolist() == ["t\n1", "t2"]
    assert graph.users["user_id"].tolist() == ['u "one"', "u2"]


def test_parquet_and_csv_give_the_same_graph(tmp_path, sample_paths):
    frame = pd.read_csv(sample_paths["transactions"], dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "tx.parquet")
    from_csv, _ = build_graph(sample_paths["transactions"])
    from_parquet, report = build_graph(tmp_path / "tx.parquet")
    assert report.rows_rejected == 7
    assert from_csv.fingerprint() == from_parquet.fingerprint()


def test_empty_csv_with_header_gives_an_empty_graph(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("transaction_id,timestamp,user_id,amount\n")
    graph, report = build_graph(path)
    assert (report.rows_read, len(graph.users), len(graph.paid)) == (0, 0, 0)


def test_header_only_file_without_columns_is_an_error(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("")
    with pytest.raises(InputError, match="empty"):
        build_graph(path)


def test_blank_lines_are_rejected_and_line_numbers_stay_true(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("transaction_id,timestamp,user_id,amount\nt1,2024-01-01,u1,1\n\nt2,bad,u2,1\n")
    _, report = build_graph(path)
    assert report.rejects["line"].tolist() == [3, 4]
    assert report.rejects["reason"].iloc[1] == "unparseable timestamp"
    assert (report.rows_read, report.rows_loaded) == (3, 1)
