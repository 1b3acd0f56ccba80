"""Neo4j settings: precedence of flags, environment and config file; the prompt; the password kept out of sight."""

from __future__ import annotations

import argparse
import os

import pytest

from graphrisk.cli.main import main
from graphrisk.cli.options import add_neo4j_options, neo4j_config
from graphrisk.store.config import DEFAULT_RETRY_SECONDS, Neo4jConfig, read_config_file

SECRET = "pa55-w0rd-never-shown"


def _write(path, text: str, mode: int = 0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return path


@pytest.fixture
def config_file(tmp_path):
    return _write(tmp_path / "graphrisk.toml", f"""
[neo4j]
uri = "bolt://file-host:7687"
user = "file-user"
password = "{SECRET}"
database = "filedb"
retry_seconds = 12.5
""")


def test_defaults_apply_when_only_a_uri_is_given():
    config = Neo4jConfig.from_env({"NEO4J_URI": "bolt://h:7687"})
    assert (config.user, config.password, config.database) == ("neo4j", "", "neo4j")
    assert config.retry_seconds == DEFAULT_RETRY_SECONDS and config.auth is None


def test_config_file_fills_every_setting(config_file):
    config = Neo4jConfig.from_env({}, config_file=config_file)
    assert config == Neo4jConfig("bolt://file-host:7687", "file-user", SECRET, "filedb", 12.5)
    assert config.auth == ("file-user", SECRET)


def test_environment_wins_over_the_file_and_flags_win_over_both(config_file):
    env = {"NEO4J_URI": "bolt://env-host:7687", "NEO4J_USER": "env-user", "NEO4J_PASSWORD": "env-pass",
           "GRAPHRISK_NEO4J_RETRY_SECONDS": "3", "GRAPHRISK_CONFIG": str(config_file)}
    config = Neo4jConfig.from_env(env)
    assert (config.uri, config.user, config.password, config.database, config.retry_seconds) == (
        "bolt://env-host:7687", "env-user", "env-pass", "filedb", 3.0)
    flagged = Neo4jConfig.from_env(env, uri="bolt://flag-host:7687", user="flag-user", database=None)
    assert (flagged.uri, flagged.user, flagged.database) == ("bolt://flag-host:7687", "flag-user", "filedb")


def test_an_explicit_file_wins_over_the_one_named_in_the_environment(config_file, tmp_path):
    other = _write(tmp_path / "other.toml", '[neo4j]\nuri = "bolt://other:7687"\n')
    config = Neo4jConfig.from_env({"GRAPHRISK_CONFIG": str(config_file)}, config_file=other)
    assert config.uri == "bolt://other:7687" and config.password == ""


def test_empty_environment_variables_count_as_unset(config_file):
    config = Neo4jConfig.from_env({"NEO4J_URI": "", "NEO4J_PASSWORD": "", "GRAPHRISK_CONFIG": str(config_file)})
    assert config.uri == "bolt://file-host:7687" and config.password == SECRET


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_file_with_a_password_that_others_can_access_is_refused(config_file, mode):
    os.chmod(config_file, mode)
    with pytest.raises(ValueError, match="chmod 600") as error:
        Neo4jConfig.from_env({}, config_file=config_file)
    assert SECRET not in str(error.value) and f"{mode:04o}" in str(error.value)
    assert "\n" not in str(error.value)


def test_a_readable_file_without_a_password_is_fine(tmp_path):
    path = _write(tmp_path / "shared.toml", '[neo4j]\nuri = "bolt://h:7687"\nuser = "reader"\n', mode=0o644)
    assert read_config_file(path) == {"uri": "bolt://h:7687", "user": "reader"}


@pytest.mark.parametrize("text, key", [
    (f'[neo4j]\nuri = "bolt://h:7687"\npasswd = "{SECRET}"\n', "'passwd'"),
    ('[neo4j]\nuri = "bolt://h:7687"\n[postgres]\nhost = "x"\n', "'postgres'"),
    ('uri = "bolt://h:7687"\n', "'uri'"),
])
def test_an_unknown_key_is_named(tmp_path, text, key):
    path = _write(tmp_path / "c.toml", text)
    with pytest.raises(ValueError, match="unknown key") as error:
        read_config_file(path)
    assert key in str(error.value) and SECRET not in str(error.value)


@pytest.mark.parametrize("text, expected", [
    ("[neo4j]\nretry_seconds = 0\n", "positive number"),
    ("[neo4j]\nretry_seconds = -1\n", "positive number"),
    ('[neo4j]\nretry_seconds = "soon"\n', "positive number"),
    ("[neo4j]\nretry_seconds = inf\n", "positive number"),
    ("[neo4j]\nretry_seconds = true\n", "positive number"),
    ("[neo4j]\npassword = 12345\n", "'password' in the [neo4j] table"),
    (f'[neo4j]\npassword = "{SECRET}\n', "not valid TOML"),
    ("neo4j = 3\n", "must be a table"),
])
def test_bad_values_in_the_file_are_one_line_without_the_value(tmp_path, text, expected):
    path = _write(tmp_path / "c.toml", text)
    with pytest.raises(ValueError, match="c.toml") as error:
        read_config_file(path)
    message = str(error.value)
    assert expected in message and SECRET not in message and "12345" not in message and "\n" not in message


def test_a_missing_file_is_one_clear_line(tmp_path):
    with pytest.raises(ValueError, match="config file not found: .*nowhere.toml"):
        Neo4jConfig.from_env({"GRAPHRISK_CONFIG": str(tmp_path / "nowhere.toml")})


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf", " "])
def test_a_bad_retry_bound_in_the_environment_is_refused(value):
    with pytest.raises(ValueError, match="GRAPHRISK_NEO4J_RETRY_SECONDS must be a positive number"):
        Neo4jConfig.from_env({"NEO4J_URI": "bolt://h:7687", "GRAPHRISK_NEO4J_RETRY_SECONDS": value})


def test_retry_bound_from_the_environment_and_directly():
    assert Neo4jConfig.from_env({"NEO4J_URI": "bolt://h", "GRAPHRISK_NEO4J_RETRY_SECONDS": "2.5"}).retry_seconds == 2.5
    assert Neo4jConfig("bolt://h", retry_seconds=7).retry_seconds == 7.0
    with pytest.raises(ValueError, match="retry_seconds must be a positive number"):
        Neo4jConfig("bolt://h", retry_seconds=0)


def test_credentials_in_the_uri_are_refused_without_showing_them():
    with pytest.raises(ValueError, match="must not hold credentials") as error:
        Neo4jConfig.from_env({"NEO4J_URI": f"bolt://neo4j:{SECRET}@h:7687"})
    assert SECRET not in str(error.value)


def test_unknown_override_is_refused():
    with pytest.raises(ValueError, match="unknown Neo4j setting 'host'"):
        Neo4jConfig.from_env({"NEO4J_URI": "bolt://h"}, host="x")


def test_the_prompt_wins_and_names_user_and_uri(config_file):
    prompts = []
    config = Neo4jConfig.from_env({"NEO4J_PASSWORD": "env-pass"}, config_file=config_file,
                                  ask_password=lambda text: prompts.append(text) or "typed")
    assert config.password == "typed"
    assert prompts == ["Neo4j password for file-user at bolt://file-host:7687: "]


def test_an_ended_prompt_is_a_clear_error():
    def closed(text):
        raise EOFError

    with pytest.raises(ValueError, match="no Neo4j password was typed"):
        Neo4jConfig.from_env({"NEO4J_URI": "bolt://h"}, ask_password=closed)


def _parse(argv):
    parser = argparse.ArgumentParser()
    add_neo4j_options(parser)
    return parser.parse_args(argv)


def test_cli_flags_config_file_and_getpass_prompt(config_file, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("NEO4J_USER", raising=False)
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    monkeypatch.delenv("GRAPHRISK_NEO4J_RETRY_SECONDS", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "from-getpass")
    args = _parse(["--neo4j-config", str(config_file), "--user", "flag-user", "--ask-password"])
    config = neo4j_config(args)
    assert (config.uri, config.user, config.password, config.retry_seconds) == (
        "bolt://file-host:7687", "flag-user", "from-getpass", 12.5)
    assert neo4j_config(_parse(["--neo4j-config", str(config_file)])).password == SECRET


def test_cli_config_from_the_environment_variable(config_file, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("GRAPHRISK_CONFIG", str(config_file))
    assert neo4j_config(argparse.Namespace(uri=None, user=None, database=None)).uri == "bolt://file-host:7687"


def test_cli_refuses_an_open_config_file_in_one_line_without_the_password(config_file, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    os.chmod(config_file, 0o644)
    status = main(["load", "--transactions", str(tmp_path / "t.csv"), "--neo4j-config", str(config_file),
                   "--rejects", str(tmp_path / "r.csv")])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.startswith("graphrisk load: error: Neo4j config file") and captured.err.count("\n") == 1
    assert SECRET not in captured.out + captured.err


def test_cli_unreachable_server_never_shows_a_password_from_the_file(config_file, sample_paths, tmp_path, capsys,
                                                                     monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    _write(config_file, f'[neo4j]\nuri = "bolt://127.0.0.1:1"\npassword = "{SECRET}"\nretry_seconds = 1\n')
    status = main(["load", "--transactions", str(sample_paths["transactions"]), "--no-progress",
                   "--neo4j-config", str(config_file), "--rejects", str(tmp_path / "r.csv")])
    captured = capsys.readouterr()
    assert status == 1 and "cannot reach Neo4j at bolt://127.0.0.1:1" in captured.err
    assert SECRET not in captured.out + captured.err


def test_repr_and_str_never_show_the_password(config_file):
    config = Neo4jConfig.from_env({}, config_file=config_file)
    assert SECRET not in repr(config) and SECRET not in str(config) and SECRET not in f"{config}"


def test_config_never_shows_the_password():
    config = Neo4jConfig.from_env({"NEO4J_URI": "bolt://h:7687", "NEO4J_PASSWORD": "s3cret"})
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)
    assert config.auth == ("neo4j", "s3cret")


def test_config_needs_a_uri():
    with pytest.raises(ValueError, match="NEO4J_URI"):
        Neo4jConfig.from_env({})


# --- the retry bound reaches the driver, and its end is one clear error -------------------------------------------

class _FakeSession:
    def __init__(self, outcomes):
        self.outcomes = outcomes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute_write(self, work):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    execute_read = execute_write


class _FakeDriver:
    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sessions = 0

    def session(self, **options):
        self.sessions += 1
        return _FakeSession(self.outcomes)


def test_connect_hands_the_retry_bound_to_the_driver(monkeypatch):
    from neo4j import GraphDatabase

    from graphrisk.store import runner as runner_module

    seen = {}

    class Driver(_FakeDriver):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def verify_connectivity(self):
            pass

    def driver(uri, **options):
        seen.update(options, uri=uri)
        return Driver()

    monkeypatch.setattr(GraphDatabase, "driver", driver)
    config = Neo4jConfig("bolt://h:7687", password=SECRET, retry_seconds=4.5)
    with runner_module.connect(config) as runner:
        assert (runner.uri, runner.retry_seconds) == ("bolt://h:7687", 4.5)
    assert seen["max_transaction_retry_time"] == 4.5 and seen["auth"] == ("neo4j", SECRET)


def test_retries_that_ran_out_become_one_store_error_naming_server_and_bound():
    from neo4j.exceptions import ServiceUnavailable, TransientError

    from graphrisk.errors import StoreError
    from graphrisk.store.runner import Neo4jRunner

    lost = ServiceUnavailable("Couldn't connect to 127.0.0.1:7687 (resolved to ('127.0.0.1:7687',)):\nmore")
    runner = Neo4jRunner(_FakeDriver(lost), uri="bolt://127.0.0.1:7687", retry_seconds=3)
    with pytest.raises(StoreError) as error:
        runner.write("RETURN 1")
    assert str(error.value) == (
        "Neo4j at bolt://127.0.0.1:7687: gave up after retrying for 3 s (the bound is "
        "GRAPHRISK_NEO4J_RETRY_SECONDS): ServiceUnavailable: Couldn't connect to 127.0.0.1:7687"
    )
    assert error.value.__cause__ is lost
    deadlock = TransientError._hydrate_neo4j(code="Neo.TransientError.Transaction.DeadlockDetected", message="m")
    with pytest.raises(StoreError, match="DeadlockDetected$"):
        Neo4jRunner(_FakeDriver(deadlock), retry_seconds=3).read("RETURN 1")


def test_errors_that_are_not_transient_pass_through():
    from neo4j.exceptions import ClientError

    from graphrisk.store.runner import Neo4jRunner

    wrong = ClientError._hydrate_neo4j(code="Neo.ClientError.Statement.SyntaxError", message="bad")
    with pytest.raises(ClientError):
        Neo4jRunner(_FakeDriver(wrong)).write("RETRUN 1")


def test_a_write_cut_off_during_its_commit_runs_again_a_bounded_number_of_times():
    from neo4j.exceptions import IncompleteCommit

    from graphrisk.errors import StoreError
    from graphrisk.store.runner import INCOMPLETE_COMMIT_RERUNS, Neo4jRunner

    driver = _FakeDriver(IncompleteCommit("cut"), [{"applied": 1}])
    assert Neo4jRunner(driver).write("MERGE (n:N {id: 1})") == [{"applied": 1}] and driver.sessions == 2
    always = _FakeDriver(*[IncompleteCommit("cut")] * (INCOMPLETE_COMMIT_RERUNS + 1))
    with pytest.raises(StoreError, match="connection broke during 4 commits in a row"):
        Neo4jRunner(always, uri="bolt://h:7687").write("MERGE (n:N {id: 1})")
