"""``graphrisk load --input/--format/--limit``: the input side runs, then the usual load path."""

from __future__ import annotations

import pytest

from graphrisk.cli.main import main

PAYSIM = ("step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud\n"
          "1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0\n"
          "1,TRANSFER,181.0,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0\n"
          "2,CASH_OUT,181.0,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0\n")


@pytest.fixture
def paysim_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    path = tmp_path / "paysim.csv"
    path.write_text(PAYSIM)
    return path


def test_input_is_read_then_neo4j_is_unreachable(paysim_file, tmp_path, capsys):
    rejects = tmp_path / "rejects.csv"
    status = main(["load", "--format", "paysim", "--input", str(paysim_file), "--limit", "2", "--no-progress",
                   "--rejects", str(rejects)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.count("\n") == 1 and "cannot reach Neo4j at bolt://127.0.0.1:1" in captured.err
    assert f"input: {paysim_file} read as paysim: transactions 2 (fraud 1 = 50.00%)" in captured.out
    assert "graph: nodes user 3, merchant 1" in captured.out
    assert "rejects: none" in captured.out.splitlines() and not rejects.exists()


def test_auto_format_is_the_default(paysim_file, tmp_path, capsys):
    assert main(["load", "--input", str(paysim_file), "--no-progress", "--rejects", str(tmp_path / "r.csv")]) == 1
    assert "read as paysim: transactions 3" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    ([], "no input: give --transactions FILE (canonical tables) or --input FILE_OR_DIR"),
    (["--links", "links.csv"], "no input: give --transactions FILE"),
    (["--input", "{paysim}", "--transactions", "tx.csv", "--labels", "l.csv"], "give either --input or --transactions/--labels, not both"),
    (["--transactions", "tx.csv", "--format", "paysim"], "--format and --limit apply only to --input"),
    (["--input", "{tmp}"], "unknown input format (a folder, but without annotation_publish.csv"),
])
def test_input_choice_errors_are_one_line_and_status_1(paysim_file, tmp_path, capsys, argv, message):
    argv = [a.format(paysim=paysim_file, tmp=tmp_path) for a in argv]
    assert main(["load", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("graphrisk load: error: ") and message in err and err.count("\n") == 1


def test_bad_limit_or_format_are_usage_errors(paysim_file):
    for argv in (["--limit", "0"], ["--format", "csv"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["load", "--input", str(paysim_file), *argv])
        assert exit_info.value.code == 2
