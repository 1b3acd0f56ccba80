"""A missing or old Java is one line naming what to install."""

from __future__ import annotations

import stat

import pytest

from graphrisk.cli.main import main
from graphrisk.engines.spark import EngineError, check_java
from graphrisk.errors import GraphRiskError


def _fake_java(folder, version: str):
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2019-01-01' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return folder


def test_a_java_too_old_or_missing_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path / "jdk8", "1.8.0_392")))
    with pytest.raises(EngineError, match=r"needs Java 17 or newer, .* is Java 8; install Java 17") as caught:
        check_java()
    assert "\n" not in str(caught.value) and isinstance(caught.value, GraphRiskError)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(EngineError, match="has no bin/java; install Java 17"):
        check_java()
    monkeypatch.setenv("JAVA_HOME", str(_fake_java(tmp_path / "jdk21", "21.0.2")))
    assert check_java() == 21


def test_the_real_java_here_is_new_enough():
    assert check_java() >= 17


def test_the_cli_reports_an_engine_error_in_one_line(monkeypatch, capsys):
    from graphrisk.cli import generate

    def fail(args):
        raise EngineError("the Spark engine needs Java: no java on PATH; install Java 17 or newer")

    monkeypatch.setattr(generate, "run", fail)
    monkeypatch.setattr("graphrisk.cli.main.COMMANDS", (generate,))
    status = main(["generate", "--users", "100", "--out", "x"])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "needs Java" in err
