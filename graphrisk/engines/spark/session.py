"""A Spark session for graphrisk, after checking that Java and PySpark are there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.errors import GraphRiskError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["spark_session", "check_java", "EngineError", "MIN_JAVA"]

#: The oldest Java PySpark 4 runs on.
MIN_JAVA = 17


class EngineError(GraphRiskError):
    """An engine cannot start: its runtime (Java, PySpark) is missing or too old."""


def _java_command() -> str | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java``, else the one on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java")


def java_major(version_text: str) -> int | None:
    """The major version in ``java -version`` output (``1.8.0_392`` -> 8, ``17.0.15`` -> 17).

    Examples
    --------
    >>> java_major('openjdk version "17.0.15" 2025-04-15')
    17
    >>> java_major('java version "1.8.0_392"')
    8
    >>> java_major("no version here") is None
    True
    """
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_text)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java() -> int:
    """The major version of the Java Spark will use; :class:`EngineError` naming what to install otherwise.

    Raises
    ------
    EngineError
        No ``java`` (``JAVA_HOME`` or ``PATH``), one that does not run, or one older than 17.
    """
    advice = f"install Java {MIN_JAVA} or newer (e.g. apt-get install openjdk-{MIN_JAVA}-jre-headless) and set JAVA_HOME"
    command = _java_command()
    if command is None:
        where = f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java" if os.environ.get("JAVA_HOME") else \
            "no java on PATH"
        raise EngineError(f"the Spark engine needs Java: {where}; {advice}")
    try:
        shown = subprocess.run([command, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise EngineError(f"the Spark engine needs Java: {command} -version failed ({e}); {advice}") from None
    major = java_major(shown.stderr + shown.stdout)
    if major is None or major < MIN_JAVA:
        found = f"Java {major}" if major is not None else "a Java whose version cannot be read"
        raise EngineError(f"the Spark engine needs Java {MIN_JAVA} or newer, {command} is {found}; {advice}")
    return major


@contextmanager
def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Iterator[SparkSession]:
    """A Spark session for graphrisk's jobs, stopped on leaving (when this call started it).

    Parameters
    ----------
    master
        The Spark master URL: ``local[*]`` (every core of this machine), ``local[2]``,
        ``spark://host:7077``... ``None``: the one ``spark-submit`` was given, else ``local[*]``.
    conf
        Extra Spark settings (``{"spark.executor.memory": "4g"}``).

    Raises
    ------
    EngineError
        PySpark is not installed, or Java is missing or too old (one line naming what to install).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine needs PySpark: pip install 'graphrisk[spark]'") from None
    check_java()
    active = SparkSession.getActiveSession()
    if active is not None:  # a session the caller (or spark-submit) started: join it, leave it running
        yield active
        return
    builder = SparkSession.builder.appName("graphrisk")
    # under spark-submit this process talks to its JVM (PYSPARK_GATEWAY_PORT): its --master stays
    if master is not None or "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(master or "local[*]")
    # workers run this Python (with graphrisk, pyarrow, networkx), not whatever python3 is on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {"spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC", "spark.sql.shuffle.partitions": "8",
                "spark.ui.showConsoleProgress": "false", **dict(conf or {})}
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
