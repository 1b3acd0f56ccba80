"""Every command that reads a graph from files takes it one way: canonical tables or ``--input`` in a public format.

One set of flags (:func:`graphrisk.cli.options.add_graph_input_options`), one reader
(:func:`graphrisk.cli.options.graph_input`): the same checks, rejects and summaries, and the
same one-line errors when both ways, neither, or a format without the labels a command needs
are given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from graphrisk.cli.main import build_parser, main
from graphrisk.loaders import load

#: Commands that build a graph from files, and the flags each needs besides its input.
GRAPH_COMMANDS = {
    "load": lambda tmp: ["load", "--no-progress"],
    "features": lambda tmp: ["features", "--no-progress", "--out", str(tmp / "features.parquet")],
    "train": lambda tmp: ["train", "--model", str(tmp / "model")],
    "score": lambda tmp: ["score", "--model", str(tmp / "no-model"), "--out", str(tmp / "scores.csv")],
    "serve": lambda tmp: ["serve", "--model", str(tmp / "no-model")],
    "evaluate": lambda tmp: ["evaluate", "--out", str(tmp / "evaluation")],
    "compare": lambda tmp: ["compare", "--challenger", str(tmp / "no-model"), "--champion", str(tmp / "other")],
    "demo": lambda tmp: ["demo", "--out", str(tmp / "demo")],
}
#: The commands that learn from or measure against labels.
LABELLED = ("train", "evaluate", "compare", "demo")
INPUT_FLAGS = {"--transactions", "--links", "--users", "--labels", "--rejects", "--chunk-rows",
               "--input", "--format", "--limit"}
TRAIN = ["--epochs", "2", "--hidden", "8", "--no-progress"]


def _paysim_text(users: int = 60) -> str:
    """A small PaySim log: every fifth payer is fraud and sends its money to one of four mule accounts."""
    rows = ["step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,"
            "isFraud,isFlaggedFraud"]
    for user in range(users):
        fraud = user % 5 == 0
        for k in range(3):
            if fraud:
                kind, destination = "TRANSFER", f"C9{user % 4}"
            else:
                kind, destination = "PAYMENT", f"M{(user * 7 + k) % 15}" if k else f"C{100 + (user * 13) % 61}"
            rows.append(f"{user * 3 + k + 1},{kind},{10 + (user * 37 + k * 11) % 890}.5,C{user},0,0,{destination},"
                        f"0,0,{int(fraud)},0")
    return "\n".join(rows) + "\n"


def _accounts(path: Path, rows: int | None = None) -> int:
    """Users of the graph of the first ``rows`` PaySim rows: payers, and payees that are not merchants (``M...``)."""
    log = pd.read_csv(path, dtype=str, nrows=rows)
    return len(set(log["nameOrig"]) | set(log.loc[~log["nameDest"].str.startswith("M"), "nameDest"]))


@pytest.fixture(scope="module")
def paysim(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("paysim") / "paysim.csv"
    path.write_text(_paysim_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory) -> Path:
    """IEEE-CIS columns without ``isFraud`` (as in the competition's test files): no labels."""
    path = tmp_path_factory.mktemp("ieee") / "ieee.csv"
    path.write_text("TransactionID,TransactionDT,TransactionAmt,card1,card2,card3,card4,card5,card6\n"
                    "1,86400,10.5,1001,111,150,visa,226,debit\n2,86500,20.0,1002,111,150,visa,226,credit\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def paysim_model(paysim, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "model"
    status = main(["train", "--input", str(paysim), "--model", str(folder),
                   "--rejects", str(folder.parent / "rejects.csv"), *TRAIN])
    assert status == 0
    return folder


@pytest.fixture(autouse=True)
def _no_server(monkeypatch):
    """Nothing listens on port 1; demo only talks to Neo4j when NEO4J_URI is set."""
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("GRAPHRISK_CONFIG", raising=False)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI; return its single stderr line after checking status 1 and the ``graphrisk CMD: error:`` form."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 1, err
    assert err.count("\n") == 1 and err.startswith(f"graphrisk {argv[0]}: error: "), err
    return err.rstrip("\n")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_graph_command_offers_the_same_input_flags():
    parsers = _subcommands()
    for name in GRAPH_COMMANDS:
        flags = {flag for action in parsers[name]._actions for flag in action.option_strings}
        assert INPUT_FLAGS <= flags, (name, INPUT_FLAGS - flags)
        assert ("--from-neo4j" in flags) == (name in ("score", "features")), name


# --- the input runs ---------------------------------------------------------------------------------------------


def test_features_from_a_public_format_file(paysim, tmp_path, capsys):
    out, rejects = tmp_path / "x.parquet", tmp_path / "rejects.csv"
    argv = ["features", "--input", str(paysim), "--out", str(out), "--rejects", str(rejects), "--no-progress"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"input: {paysim} read as paysim: transactions 180 (fraud 36 = 20.00%)" in printed
    assert f"graph: nodes user {_accounts(paysim)}, merchant 15" in printed
    assert "rejects: none" in printed.splitlines()
    assert not rejects.exists()  # no rejects, no file
    assert len(pd.read_parquet(out)) == _accounts(paysim)


def test_features_from_input_equal_those_from_the_same_tables_as_files(paysim, tmp_path, capsys):
    tables = load(paysim)
    tables.transactions.to_csv(tmp_path / "tx.csv", index=False)
    tables.labels.to_csv(tmp_path / "labels.csv", index=False)
    common = ["--families", "structure,flow,community", "--no-progress", "--rejects", str(tmp_path / "r.csv")]
    assert main(["features", "--input", str(paysim), "--out", str(tmp_path / "a.parquet"), *common]) == 0
    assert main(["features", "--transactions", str(tmp_path / "tx.csv"), "--labels", str(tmp_path / "labels.csv"),
                 "--out", str(tmp_path / "b.parquet"), *common]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet"))


def test_train_learns_from_the_labels_the_format_carries(paysim, tmp_path, capsys):
    model = tmp_path / "model"
    assert main(["train", "--input", str(paysim), "--model", str(model), "--rejects", str(tmp_path / "r.csv"),
                 *TRAIN]) == 0
    printed = capsys.readouterr().out
    labels = next(line for line in printed.splitlines() if line.startswith("labels "))
    assert labels.split()[1:4] == ["60", "60", "0"]  # every payer labelled, none rejected
    assert "trained on " in printed and (model / "model.json").is_file() and (model / "weights.pt").is_file()


def test_score_reads_an_input_file_too(paysim, paysim_model, tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    assert main(["score", "--input", str(paysim), "--limit", "90", "--model", str(paysim_model),
                 "--out", str(scores), "--rejects", str(tmp_path / "r.csv")]) == 0
    assert f"input: {paysim} read as paysim: transactions 90" in capsys.readouterr().out
    assert len(pd.read_csv(scores)) == _accounts(paysim, 90)  # the first 30 payers and the accounts they paid


# --- one clear line when the choice is wrong ---------------------------------------------------------------------


@pytest.mark.parametrize("command", list(GRAPH_COMMANDS))
def test_both_ways_at_once_is_one_line(command, paysim, tmp_path, capsys):
    argv = [*GRAPH_COMMANDS[command](tmp_path), "--input", str(paysim), "--transactions", "tx.csv", "--labels", "l.csv"]
    assert one_line_error(capsys, argv).endswith("give either --input or --transactions/--labels, not both")


@pytest.mark.parametrize("command", [c for c in GRAPH_COMMANDS if c != "demo"])  # demo without input: a generated world
def test_no_input_is_one_line(command, tmp_path, capsys):
    line = one_line_error(capsys, GRAPH_COMMANDS[command](tmp_path))
    assert "error: no input: give --transactions FILE (canonical tables)" in line
    assert "--input FILE_OR_DIR (formats: handbook, xfraud, paysim, ieee)" in line
    assert line.endswith("or --from-neo4j (the graph loaded in Neo4j)") == (command in ("score", "features"))


@pytest.mark.parametrize("command", list(GRAPH_COMMANDS))
def test_format_options_without_input_are_one_line(command, tmp_path, capsys):
    argv = [*GRAPH_COMMANDS[command](tmp_path), "--transactions", "tx.csv", "--limit", "5"]
    assert one_line_error(capsys, argv).endswith("--format and --limit apply only to --input FILE_OR_DIR")


@pytest.mark.parametrize("command", ["score", "features"])
def test_files_and_neo4j_at_once_is_one_line(command, paysim, tmp_path, capsys):
    argv = [*GRAPH_COMMANDS[command](tmp_path), "--from-neo4j", "--input", str(paysim)]
    assert one_line_error(capsys, argv).endswith("give either --from-neo4j or --input, not both")


@pytest.mark.parametrize("command", LABELLED)
def test_an_input_without_labels_is_one_line_where_labels_are_needed(command, unlabelled, tmp_path, capsys):
    argv = [*GRAPH_COMMANDS[command](tmp_path), "--input", str(unlabelled), "--rejects", str(tmp_path / "r.csv")]
    line = one_line_error(capsys, argv)
    assert "error: labels are needed: " in line
    assert line.endswith(f"; {unlabelled} (read as ieee) has none (give canonical tables with --labels FILE)")
    assert not (tmp_path / "model").exists() and not (tmp_path / "evaluation").exists()


@pytest.mark.parametrize("command", LABELLED)
def test_canonical_tables_without_labels_are_one_line_where_labels_are_needed(command, sample_paths, tmp_path,
                                                                              capsys):
    argv = [*GRAPH_COMMANDS[command](tmp_path), "--transactions", str(sample_paths["transactions"])]
    assert "error: --labels FILE is needed: " in one_line_error(capsys, argv)
