"""The contract of :mod:`graphrisk.errors`: a ``GraphRiskError`` is one line and status 1, anything else a traceback.

The CLI catches ``GraphRiskError`` only (and the driver's errors after connecting): a
``ValueError`` or ``TypeError`` from a bug propagates out of ``main()``. What a user can get
wrong (files, flags, the Neo4j configuration, query parameters, generator settings, an
output path) raises a domain error, which is also a ``ValueError`` for code that caught that.
"""

from __future__ import annotations

import pytest

from graphrisk.cli import features as features_command
from graphrisk.cli.main import main
from graphrisk.errors import ConfigError, GraphRiskError, InputError, ModelError, StoreError, StoreUnavailable
from graphrisk.feedback.store import record_verdict


@pytest.fixture(autouse=True)
def _no_server(monkeypatch):
    """A URI where nothing listens, and no config file from the environment."""
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    for name in ("GRAPHRISK_CONFIG", "NEO4J_PASSWORD", "GRAPHRISK_NEO4J_RETRY_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI; return its single stderr line after checking status 1 and the ``graphrisk CMD: error:`` form."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 1, err
    assert err.count("\n") == 1 and err.startswith(f"graphrisk {argv[0]}: error: ") and "Traceback" not in err, err
    return err.rstrip("\n")


def _features(tmp_path, *more: str) -> list[str]:
    return ["features", "--transactions", "tx.csv", "--out", str(tmp_path / "f.csv"), *more]


def test_domain_errors_that_name_bad_values_are_value_errors_too():
    assert issubclass(InputError, GraphRiskError) and issubclass(InputError, ValueError)
    assert issubclass(ConfigError, GraphRiskError) and issubclass(ConfigError, ValueError)
    assert not issubclass(StoreError, ValueError) and not issubclass(ModelError, ValueError)


@pytest.mark.parametrize("error", [InputError, ConfigError, StoreError, StoreUnavailable, ModelError])
def test_a_graphrisk_error_is_exactly_one_line_and_status_1(error, tmp_path, capsys, monkeypatch):
    def run(args):
        raise error("planted: the message\nwith a second line only in the exception")

    monkeypatch.setattr(features_command, "run", run)
    status = main(_features(tmp_path))
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err == "graphrisk features: error: planted: the message with a second line only in the exception\n"
    assert captured.out == ""


@pytest.mark.parametrize("bug", [ValueError("planted"), TypeError("planted"), KeyError("planted"),
                                 OSError("planted"), AttributeError("planted")])
def test_a_planted_bug_is_not_swallowed(bug, tmp_path, capsys, monkeypatch):
    def run(args):
        raise bug

    monkeypatch.setattr(features_command, "run", run)
    with pytest.raises(type(bug), match="planted"):
        main(_features(tmp_path))
    assert capsys.readouterr().err == ""


# --- what a user gets wrong is a domain error: one line --------------------------------------------------------------


@pytest.mark.parametrize(("environment", "expected"), [
    ({"NEO4J_URI": "bolt://neo4j:s3cret@127.0.0.1:7687"}, "the Neo4j URI must not hold credentials"),
    ({"GRAPHRISK_NEO4J_RETRY_SECONDS": "soon"}, "GRAPHRISK_NEO4J_RETRY_SECONDS must be a positive number"),
    ({"NEO4J_URI": ""}, "no Neo4j URI: set NEO4J_URI"),
    ({"GRAPHRISK_CONFIG": "/no/such/graphrisk.toml"}, "Neo4j config file not found: /no/such/graphrisk.toml"),
])
def test_a_bad_neo4j_configuration_is_one_line(environment, expected, sample_paths, tmp_path, capsys, monkeypatch):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    line = one_line_error(capsys, ["load", "--transactions", str(sample_paths["transactions"]),
                                   "--rejects", str(tmp_path / "r.csv")])
    assert expected in line and "s3cret" not in line


def test_a_neo4j_config_file_that_is_a_folder_is_one_line(tmp_path, capsys):
    line = one_line_error(capsys, ["query", "shared_identifiers", "--param", "user_id=u1",
                                   "--neo4j-config", str(tmp_path)])
    assert line.endswith(f"Neo4j config file {tmp_path} is a folder, not a file")


@pytest.mark.parametrize(("text", "expected"), [
    ("MATCH (u {user_id: $user_id}) RETURN u", "query 'custom' uses undeclared parameters $user_id"),
    ("// A title\n// Parameters:\n//   $k  NUMBER  a number (default 3)\nRETURN $k AS k", "unknown type 'NUMBER'"),
])
def test_a_custom_query_file_with_a_bad_header_is_one_line(text, expected, tmp_path, capsys):
    path = tmp_path / "custom.cypher"
    path.write_text(text, encoding="utf-8")
    assert expected in one_line_error(capsys, ["query", "--file", str(path)])


@pytest.mark.parametrize(("text", "expected"), [
    ('{"fraud_share": 2}', "bad generator settings: fraud_share must be between 0 and 1, got 2"),
    ('{"fraud_share": "many"}', "bad generator settings: "),
    ('{"fraud_sharee": 0.1}', "unknown generator settings ['fraud_sharee']"),
    ("[0.1]", "the generator settings must be a JSON object, got list"),
    ("{fraud_share: 0.1", "the generator settings are not valid JSON"),
])
def test_a_bad_generator_settings_file_is_one_line_naming_it(text, expected, tmp_path, capsys):
    config = tmp_path / "world.json"
    config.write_text(text, encoding="utf-8")
    line = one_line_error(capsys, ["generate", "--out", str(tmp_path / "w"), "--users", "100", "--config", str(config)])
    assert f"error: {config}: " in line and expected in line


def test_a_missing_generator_settings_file_is_one_line(tmp_path, capsys):
    line = one_line_error(capsys, ["generate", "--out", str(tmp_path / "w"), "--config", str(tmp_path / "none.json")])
    assert line.endswith("none.json: generator settings file not found")


def test_an_output_of_an_unknown_kind_is_refused_before_the_work(sample_paths, tmp_path, capsys):
    argv = ["features", "--transactions", str(sample_paths["transactions"]), "--out", str(tmp_path / "f.xlsx")]
    assert one_line_error(capsys, argv).endswith(f"--out {tmp_path / 'f.xlsx'}: use a .parquet or .csv file")
    assert not (tmp_path / "graphrisk-rejects.csv").exists()


def test_an_output_path_that_cannot_be_written_is_one_line(sample_paths, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    rejects = blocker / "rejects.csv"
    argv = ["features", "--transactions", str(sample_paths["transactions"]), "--out", str(tmp_path / "f.csv"),
            "--rejects", str(rejects), "--no-progress"]
    assert one_line_error(capsys, argv).startswith(f"graphrisk features: error: {rejects}: cannot write: ")
    assert blocker.read_text() == "in the way"


def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    line = one_line_error(capsys, ["generate", "--out", str(blocker / "world"), "--users", "100"])
    assert line.startswith(f"graphrisk generate: error: {blocker / 'world'}: cannot write: ")


def test_compare_without_a_champion_is_one_line(tmp_path, capsys):
    line = one_line_error(capsys, ["compare", "--challenger", str(tmp_path / "m"), "--transactions", "tx.csv"])
    assert line.endswith("give --champion DIR, or --registry DIR whose current version is the champion")


def test_a_bad_verdict_is_refused_before_anything_is_sent():
    class Unused:
        def __getattr__(self, name):
            raise AssertionError("nothing may be sent")

    for kwargs, expected in (({"at": "yesterday"}, "at must be an ISO-8601 date"), ({"by": " "}, "by is empty")):
        with pytest.raises(InputError, match=expected):
            record_verdict(Unused(), "u1", "fraud", **{"by": "ann", **kwargs})


@pytest.mark.parametrize("argv", [
    ["features", "--transactions", "tx.csv", "--out", "f.csv", "--chunk-rows", "0"],
    ["features", "--transactions", "tx.csv", "--out", "f.csv", "--hub-cap", "1"],
    ["features", "--transactions", "tx.csv", "--out", "f.csv", "--families", "structure,colour"],
    ["load", "--transactions", "tx.csv", "--batch-size", "0"],
    ["load", "--transactions", "tx.csv", "--workers", "-2"],
    ["score", "--transactions", "tx.csv", "--model", "m", "--out", "s.csv", "--batch-size", "0"],
    ["train", "--transactions", "tx.csv", "--model", "m", "--hidden", "0"],
    ["evaluate", "--transactions", "tx.csv", "--out", "e", "--test-size", "1.5"],
    ["evaluate", "--transactions", "tx.csv", "--out", "e", "--missing-label-share", "nan"],
    ["compare", "--transactions", "tx.csv", "--challenger", "m", "--min-gain", "-0.1"],
    ["demo", "--world-users", "50"],
    ["generate", "--out", "w", "--users", "99"],
])
def test_bad_flag_values_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "error: argument " in capsys.readouterr().err
