"""``--engine local|spark`` and the Spark options of ``graphrisk features`` and ``graphrisk score``."""

from __future__ import annotations

import argparse
from contextlib import contextmanager

from graphrisk.cli.options import whole_number
from graphrisk.engines.spark.shards import DEFAULT_MAX_COMPONENT_USERS  # no PySpark import
from graphrisk.errors import InputError

__all__ = ["add_engine_options", "check_spark_args", "spark_for", "spark_input_files", "spark_rejects_path"]

#: What ``--rejects`` is when not given (graphrisk's local default, a CSV file).
LOCAL_REJECTS_DEFAULT = "graphrisk-rejects.csv"


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine``, ``--spark-master``, ``--spark-conf`` and ``--shards``."""
    group = parser.add_argument_group(
        "engine", "local: this process (pandas, NetworkX, PyTorch). spark: Apache Spark (pip install "
        "'graphrisk[spark]', Java 17+); the input files or folders are read and validated on the workers, the rejects "
        "and every output are Parquet datasets (folders)")
    group.add_argument("--engine", choices=("local", "spark"), default="local", help="default: %(default)s")
    group.add_argument("--spark-master", metavar="URL",
                       help="Spark master: local[*], spark://host:7077, yarn, k8s://... (default: spark-submit's "
                       "--master, else local[*])")
    group.add_argument("--spark-conf", action="append", default=[], type=_key_value, metavar="KEY=VALUE",
                       help="a Spark setting, e.g. spark.executor.memory=8g (repeatable)")
    group.add_argument("--shards", type=whole_number(1), metavar="N",
                       help="shards the users are hashed into (whole components; default: one per 50,000 users, at "
                       "least the cluster's parallelism)")
    group.add_argument("--max-component-users", type=whole_number(1), default=DEFAULT_MAX_COMPONENT_USERS, metavar="N",
                       help="a component with more users is split for the community and centrality features, busiest "
                       "shared entities first (docs/spark.md; default: %(default)s)")


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def check_spark_args(args: argparse.Namespace, refused: dict[str, bool]) -> None:
    """Refuse, in one line, what the Spark engine does not take (``refused``: flag -> given)."""
    if getattr(args, "from_neo4j", False):
        raise InputError("--engine spark reads files (--transactions, --links, --users): not --from-neo4j")
    if getattr(args, "input", None):
        raise InputError("--engine spark reads canonical files (--transactions ...): convert --input files first "
                         "with graphrisk convert")
    given = [flag for flag, present in refused.items() if present]
    if given:
        raise InputError(f"{', '.join(given)}: not available with --engine spark (use --engine local)")
    for flag in ("out", "rings"):
        path = getattr(args, flag, None)
        if path and not path.lower().endswith(".parquet"):
            raise InputError(f"--{flag} {path}: --engine spark writes a Parquet dataset: name it .parquet")


def spark_rejects_path(args: argparse.Namespace) -> str:
    """Where the Spark engine writes the rejects: ``--rejects`` (.parquet), by default ``graphrisk-rejects.parquet``."""
    if args.rejects == LOCAL_REJECTS_DEFAULT:
        return "graphrisk-rejects.parquet"
    if not args.rejects.lower().endswith(".parquet"):
        raise InputError(f"--rejects {args.rejects}: --engine spark writes the rejects as a Parquet dataset: "
                         "name it .parquet")
    return args.rejects


def spark_input_files(args: argparse.Namespace):
    """The canonical files of ``args`` for the Spark engine."""
    from graphrisk.engines.spark.pipeline import InputFiles

    return InputFiles(transactions=args.transactions, links=args.links, users=args.users, labels=args.labels)


@contextmanager
def spark_for(args: argparse.Namespace):
    """The Spark session ``--spark-master`` and ``--spark-conf`` ask for (Java checked first)."""
    import warnings

    from graphrisk.engines.spark import spark_session  # PySpark itself is imported (and checked) there

    with warnings.catch_warnings():
        # PySpark 4 warns on pandas 3 wherever it checks the version; graphrisk's Spark code passes Arrow, not pandas
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        with spark_session(args.spark_master, dict(args.spark_conf)) as spark:
            context = spark.sparkContext
            print(f"spark: master {context.master}, parallelism {context.defaultParallelism}, Spark {spark.version}")
            yield spark
