"""Verdicts file -> labels: newest wins, conflicts, unsure, unknown users, rejects, counts that reconcile."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.errors import InputError
from graphrisk.feedback import read_verdicts, resolve_verdicts
from graphrisk.feedback.resolve import CONFLICT_COLUMNS

SAMPLES = Path(str(files("graphrisk.samples").joinpath("transactions.csv"))).parent

#: Users of the shipped sample graph: u1..u7 (and counterparties). ``ghost`` and ``nobody`` are not in it.
VERDICTS = """user_id,verdict,by,at,note
u5,fraud,ann,2024-03-01T10:00:00Z,shares an email with u6
u5,legit,bob,2024-03-02T10:00:00Z,"called the customer, verified"
u6,FRAUD,ann,2024-03-01,
u6,fraud,bob,2024-03-01,
u1,legit,bob,2024-02-01,
u1,unsure,ann,2024-03-01,
u2,legit,ann,2024-03-05T00:00:00+01:00,
u2,fraud,ann,2024-03-04T22:00:00Z,
u3,fraud,bob,2024-03-01,same minute
u3,legit,bob,2024-03-01,later line wins
ghost,fraud,ann,2024-03-01,
nobody,legit,ann,2024-03-01,
,fraud,ann,2024-03-01,
u4,maybe,ann,yesterday,
u4,legit,,2024-03-01,
"""


@pytest.fixture
def verdicts_file(tmp_path):
    path = tmp_path / "verdicts.csv"
    path.write_text(VERDICTS)
    return path


def _sample_inputs(tmp_path) -> list[str]:
    return ["--transactions", f"{SAMPLES}/transactions.csv", "--links", f"{SAMPLES}/links.csv",
            "--users", f"{SAMPLES}/users.csv", "--rejects", str(tmp_path / "rejects.csv")]


def test_newest_verdict_wins_and_unsure_gives_no_label(verdicts_file):
    table = read_verdicts(verdicts_file)
    result = resolve_verdicts(table.verdicts, known_users={f"u{i}" for i in range(1, 8)})
    labels = result.labels.set_index("user_id")["is_fraud"].to_dict()
    # u5: legit is newer; u6: both fraud; u1: newest is unsure -> no label; u2: legit at 23:00Z beats fraud at
    # 22:00Z (time zones count); u3: same time, the later line wins
    assert labels == {"u2": 0, "u3": 0, "u5": 0, "u6": 1}
    assert list(result.labels.columns) == ["user_id", "is_fraud", "ring_id"]
    assert (result.labels["ring_id"] == "").all()
    status = result.status.set_index("line")["status"]
    assert status[6] == "superseded" and status[7] == "unsure"  # u1: legit superseded by unsure


def test_conflicts_are_reported_with_history_and_winner(verdicts_file):
    table = read_verdicts(verdicts_file)
    result = resolve_verdicts(table.verdicts, known_users={f"u{i}" for i in range(1, 8)})
    conflicts = result.conflicts.set_index("user_id")
    assert list(result.conflicts.columns) == CONFLICT_COLUMNS
    assert sorted(conflicts.index) == ["u2", "u3", "u5"]  # u6 agrees with itself; u1 is legit then unsure
    assert conflicts.loc["u5", "verdicts"] == "fraud, legit"
    assert conflicts.loc["u5", "by"] == "ann, bob"
    assert conflicts.loc["u5", "at"] == "2024-03-01T10:00:00Z, 2024-03-02T10:00:00Z"
    assert (conflicts.loc["u5", "winner"], conflicts.loc["u5", "winner_by"]) == ("legit", "bob")
    assert conflicts.loc["u5", "is_fraud"] == 0
    assert conflicts.loc["u3", "by"] == "bob, bob"  # one investigator changing their mind is a conflict too


def test_unknown_users_are_reported_and_left_out(verdicts_file):
    table = read_verdicts(verdicts_file)
    result = resolve_verdicts(table.verdicts, known_users={f"u{i}" for i in range(1, 8)})
    assert sorted(result.unknown["user_id"]) == ["ghost", "nobody"]
    assert not result.labels["user_id"].isin(["ghost", "nobody"]).any()
    assert result.counts["unknown_user"] == 2 and result.counts["unknown_users"] == 2


def test_bad_rows_are_rejected_with_every_reason(verdicts_file):
    table = read_verdicts(verdicts_file)
    reasons = table.rejects.set_index("line")["reason"].to_dict()
    assert reasons == {
        14: "empty user_id",
        15: "unparseable at; verdict must be one of fraud, legit, unsure",
        16: "empty by",
    }
    assert (table.rejects["table"] == "verdicts").all()
    assert json.loads(table.rejects.set_index("line").loc[15, "record"])["verdict"] == "maybe"


def test_counts_reconcile(verdicts_file):
    table = read_verdicts(verdicts_file)
    result = resolve_verdicts(table.verdicts, known_users={f"u{i}" for i in range(1, 8)})
    c = result.counts
    assert table.rows_read == 15
    assert (c["used"], c["superseded"], c["unsure"], c["unknown_user"], len(table.rejects)) == (4, 5, 1, 2, 3)
    assert c["used"] + c["superseded"] + c["unsure"] + c["unknown_user"] + len(table.rejects) == table.rows_read


def test_a_file_without_a_required_column_is_one_error(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("user_id,verdict,at\nu1,fraud,2024-03-01\n")
    with pytest.raises(InputError, match="missing required column 'by'"):
        read_verdicts(path)


def test_parquet_verdicts_read_like_csv(tmp_path):
    path = tmp_path / "v.parquet"
    pd.DataFrame({"user_id": ["u1", "u1"], "verdict": ["fraud", "legit"], "by": ["ann", "bob"],
                  "at": pd.to_datetime(["2024-03-01", "2024-03-02"], utc=True)}).to_parquet(path)
    result = resolve_verdicts(read_verdicts(path).verdicts)
    assert result.labels.values.tolist() == [["u1", 0, ""]]


def test_feedback_command_writes_labels_conflicts_rejects_and_reconciling_counts(verdicts_file, tmp_path, capsys):
    out, conflicts, rejects = tmp_path / "labels.csv", tmp_path / "conflicts.csv", tmp_path / "rejects.csv"
    status = main(["feedback", "--verdicts", str(verdicts_file), *_sample_inputs(tmp_path), "--out", str(out),
                   "--conflicts", str(conflicts)])
    printed, err = capsys.readouterr()
    assert status == 0, err
    labels = pd.read_csv(out, keep_default_na=False, dtype={"user_id": str})
    assert list(labels.columns) == ["user_id", "is_fraud", "ring_id"]
    assert labels.set_index("user_id")["is_fraud"].to_dict() == {"u2": 0, "u3": 0, "u5": 0, "u6": 1}
    assert sorted(pd.read_csv(conflicts)["user_id"]) == ["u2", "u3", "u5"]
    written = pd.read_csv(rejects)
    verdict_rejects = written[written["table"] == "verdicts"].set_index("line")["reason"]
    assert verdict_rejects.to_dict() == {
        12: "unknown user_id (not in the graph)", 13: "unknown user_id (not in the graph)", 14: "empty user_id",
        15: "unparseable at; verdict must be one of fraud, legit, unsure", 16: "empty by",
    }
    assert (written["table"] == "transactions").any()  # the input's own rejects stay in the same file
    for line in ("verdicts: 15 rows", "used (the user's newest verdict, fraud or legit)", "labels: 4 users (1 fraud, 3 legit)",
                 "conflicts: 3 users"):
        assert line in printed, printed
    lines = printed.splitlines()
    start = lines.index("verdicts: 15 rows from " + str(verdicts_file)) + 1
    counts = [int(line.split()[-1]) for line in lines[start:start + 5]]
    assert counts == [4, 5, 1, 2, 3] and sum(counts) == 15


def test_feedback_needs_exactly_one_source(verdicts_file, tmp_path, capsys):
    status = main(["feedback", *_sample_inputs(tmp_path), "--out", str(tmp_path / "l.csv")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "--verdicts FILE or --from-neo4j" in err
