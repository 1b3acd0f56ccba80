"""The importer files and arguments of ``graphrisk load --bulk`` (no server: the files are read back)."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.errors import StoreError
from graphrisk.store.bulk import _check_counts
from graphrisk.store.bulk_files import write_import_files
from graphrisk.store.loader import StoreReport


@pytest.fixture
def graph():
    transactions = pd.DataFrame({
        "transaction_id": ["t1", "t2", "t3"],
        "timestamp": ["2024-01-01T00:00:00.123Z", "2024-01-02T10:00:00Z", "2024-01-03T00:00:00Z"],
        "user_id": ['u"1', "u,2", "u3"], "amount": [1.5, 2.0, 4.0], "merchant_id": ["m1", "m1", None],
        "device_id": ["d1", None, None], "counterparty_id": [None, None, 'u"1'],
    })
    users = pd.DataFrame({"user_id": ['u"1', "u,2"], "note": ["line\nbreak", ""], "age": [3.0, None]})
    return build_graph(transactions, users=users)[0]


def test_files_have_typed_headers_and_quoted_strings(graph, tmp_path):
    files = write_import_files(graph, tmp_path)
    assert [label for label, _ in files.nodes] == ["User", "Merchant", "Device"]
    assert [rel_type for rel_type, _ in files.relationships] == ["PAID", "SENT", "USED"]
    users = (tmp_path / "nodes_user.csv").read_text().splitlines()
    assert users[0] == '"user_id:ID(User)","note","age:double"'
    # strings quoted (quotes doubled, line breaks kept); a missing value empty and unquoted: no property
    assert users[1:3] == ['"u""1","line', 'break",3']
    assert '"u,2",,' in users
    paid = (tmp_path / "relationships_paid.csv").read_text().splitlines()
    assert paid[0] == ('":START_ID(User)",":END_ID(Merchant)","count:long","amount:double","first_seen:datetime",'
                       '"last_seen:datetime","fraud_count:long"')
    assert '"u""1","m1",1,1.5,"2024-01-01T00:00:00.123Z","2024-01-01T00:00:00.123Z",' in paid
    assert files.multiline  # the line break in a user attribute


def test_the_database_name_comes_before_the_files_and_nothing_bad_is_skipped(graph, tmp_path):
    arguments = write_import_files(graph, tmp_path).arguments("neo4j")
    assert arguments[0] == "neo4j"
    assert "--bad-tolerance=0" in arguments and "--skip-bad-relationships=false" in arguments
    assert f"--nodes=User={tmp_path / 'nodes_user.csv'}" in arguments
    assert f"--report-file={tmp_path / 'import.report'}" in arguments  # not in the working directory
    assert f"--relationships=SENT={tmp_path / 'relationships_sent.csv'}" in arguments


class _Counts:
    def __init__(self, answer):
        self.answer, self.queries = answer, []

    def read(self, query, parameters=None):
        self.queries.append(query)
        return [self.answer]


def test_counts_that_do_not_reconcile_fail_in_one_line():
    report = StoreReport("x", "bulk-loaded", nodes={"user": 3, "merchant": 1}, relationships={"paid": 2, "sent": 0})
    _check_counts(_Counts({"User": 3, "Merchant": 1, "PAID": 2}), report)
    with pytest.raises(StoreError, match=r"^after the import the database holds PAID 1 instead of 2$"):
        _check_counts(_Counts({"User": 3, "Merchant": 1, "PAID": 1}), report)


def test_the_load_record_is_imported_with_the_graph(graph, tmp_path):
    from datetime import datetime, timezone

    load = {"load_id": "abc", "status": "complete", "method": "bulk",
            "started_at": datetime(2026, 12, 7, 1, 2, 3, tzinfo=timezone.utc), "nodes_user": 3}
    files = write_import_files(graph, tmp_path, load=load)
    assert ("Load", tmp_path / "nodes_load.csv") in files.nodes
    assert (tmp_path / "nodes_load.csv").read_text().splitlines() == [
        '"load_id:ID(Load)","status","method","started_at:datetime","nodes_user:long"',
        '"abc","complete","bulk","2026-12-07T01:02:03.000Z",3']
