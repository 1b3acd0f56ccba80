"""Neo4j connection settings: from flags, the environment, a TOML config file, or given explicitly.

Credentials come only from the environment (``NEO4J_PASSWORD``), a config file that no
other user can read, or a prompt; never from a flag or the URI. The password never
appears in ``repr``, in an error message or in a log line.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from graphrisk.errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10: the tomli backport, if installed
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

__all__ = ["Neo4jConfig", "read_config_file", "DEFAULT_RETRY_SECONDS", "CONFIG_FILE_ENV"]

#: Default upper bound, in seconds, on the driver's retries of one transaction.
DEFAULT_RETRY_SECONDS = 60.0

#: Environment variable naming the config file when no file is given explicitly.
CONFIG_FILE_ENV = "GRAPHRISK_CONFIG"

#: Setting name -> environment variable.
_ENVIRONMENT = {
    "uri": "NEO4J_URI",
    "user": "NEO4J_USER",
    "password": "NEO4J_PASSWORD",
    "database": "NEO4J_DATABASE",
    "retry_seconds": "GRAPHRISK_NEO4J_RETRY_SECONDS",
}

_TEXT_KEYS = ("uri", "user", "password", "database")


@dataclass(frozen=True)
class Neo4jConfig:
    """Where and how to connect to Neo4j. The password never appears in ``repr``.

    Parameters
    ----------
    uri
        Bolt URI such as ``bolt://127.0.0.1:7687`` or ``neo4j://host:7687``; it must not
        hold credentials (``user:password@``).
    user, password
        Credentials; the local test launcher runs without authentication.
    database
        Database name (Neo4j Community has one user database, ``neo4j``).
    retry_seconds
        Upper bound on the time the driver spends retrying one transaction after a
        transient error or a lost connection (with exponential backoff); then the error
        is raised.

    Raises
    ------
    ConfigError
        ``retry_seconds`` is not a positive number, or the URI holds credentials
        (a :class:`ValueError` too).

    Examples
    --------
    >>> Neo4jConfig("bolt://127.0.0.1:7687", password="s3cret", retry_seconds=5)
    Neo4jConfig(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j', retry_seconds=5.0)
    """

    uri: str
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"
    retry_seconds: float = DEFAULT_RETRY_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry_seconds", _positive_seconds(self.retry_seconds, "retry_seconds"))
        if "@" in urlsplit(self.uri).netloc:
            raise ConfigError(
                "the Neo4j URI must not hold credentials (user:password@host): give the user with --user or "
                "NEO4J_USER and the password with NEO4J_PASSWORD, a config file or --ask-password"
            )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config_file: str | os.PathLike[str] | None = None,
        ask_password: Callable[[str], str] | None = None,
        **overrides: str | float | None,
    ) -> Neo4jConfig:
        """Settings from ``overrides`` over the environment over a config file over the defaults.

        Parameters
        ----------
        environ
            The environment (default ``os.environ``): ``NEO4J_URI``, ``NEO4J_USER``,
            ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``, ``GRAPHRISK_NEO4J_RETRY_SECONDS``, and
            ``GRAPHRISK_CONFIG`` naming a config file. Empty variables count as unset.
        config_file
            A TOML file with a ``[neo4j]`` table (see :func:`read_config_file`); default:
            the file named by ``GRAPHRISK_CONFIG``, if any.
        ask_password
            When given, called with a prompt text; what it returns is the password (it
            wins over the environment and the file). The CLI passes ``getpass.getpass``.
        **overrides
            ``uri``, ``user``, ``password``, ``database``, ``retry_seconds``; those that are
            not ``None`` win over everything else (command-line flags).

        Raises
        ------
        ConfigError
            No URI anywhere, a bad retry bound, no password typed at the prompt, or a config
            file that cannot be used (see :func:`read_config_file`). Messages never hold the
            password. A :class:`ValueError` too.
        ValueError
            An unknown keyword in ``overrides`` (a programming error).

        Examples
        --------
        >>> Neo4jConfig.from_env({"NEO4J_URI": "bolt://127.0.0.1:7687", "NEO4J_PASSWORD": "s3cret"})
        Neo4jConfig(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j', retry_seconds=60.0)
        >>> Neo4jConfig.from_env({"NEO4J_URI": "bolt://db:7687"}, user="reader")
        Neo4jConfig(uri='bolt://db:7687', user='reader', database='neo4j', retry_seconds=60.0)
        """
        env = os.environ if environ is None else environ
        unknown = sorted(set(overrides) - set(_ENVIRONMENT))
        if unknown:
            raise ValueError(f"unknown Neo4j setting {unknown[0]!r} (known: {', '.join(_ENVIRONMENT)})")
        values: dict[str, Any] = {}
        path = config_file if config_file is not None else env.get(CONFIG_FILE_ENV) or None
        if path is not None:
            values.update(read_config_file(path))
        for key, variable in _ENVIRONMENT.items():
            if env.get(variable):
                values[key] = env[variable]
        if "retry_seconds" in values and not isinstance(values["retry_seconds"], (int, float)):
            values["retry_seconds"] = _parse_seconds(values["retry_seconds"], _ENVIRONMENT["retry_seconds"])
        values.update({key: value for key, value in overrides.items() if value is not None})
        if not values.get("uri"):
            raise ConfigError(
                "no Neo4j URI: set NEO4J_URI, pass --uri, or put uri in the [neo4j] table of a config file "
                "(--neo4j-config FILE or GRAPHRISK_CONFIG), for example bolt://127.0.0.1:7687"
            )
        config = cls(**values)
        if ask_password is not None:
            try:
                password = ask_password(f"Neo4j password for {config.user} at {config.uri}: ")
            except EOFError:
                raise ConfigError("no Neo4j password was typed (the input ended)") from None
            config = replace(config, password=password)
        return config

    @property
    def auth(self) -> tuple[str, str] | None:
        """Driver auth tuple, or ``None`` when no password is set."""
        return (self.user, self.password) if self.password else None


def read_config_file(path: str | os.PathLike[str]) -> dict[str, str | float]:
    """The settings in the ``[neo4j]`` table of a TOML config file.

    The file may set ``uri``, ``user``, ``password``, ``database`` (strings) and
    ``retry_seconds`` (a positive number). A file that holds a password must not be
    readable or writable by anyone but its owner (``chmod 600``), as ssh requires of
    private keys: others could read the password, or point ``uri`` at their own server
    and collect it.

    Raises
    ------
    ConfigError
        The file is missing, unreadable or not valid TOML, has a key or table other than these,
        a value of the wrong type, or holds a password while other users may access it.
        The message names the file and the key, never a value. A :class:`ValueError` too.

    Examples
    --------
    ::

        # ~/.config/graphrisk.toml  (chmod 600)
        [neo4j]
        uri = "bolt://db.internal:7687"
        user = "graphrisk"
        password = "..."
        retry_seconds = 30
    """
    path = Path(path)
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        raise ConfigError(f"cannot read Neo4j config file {path}: Python 3.11+ (or the tomli package) is needed")
    try:
        with path.open("rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            document = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"Neo4j config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"Neo4j config file {path} is a folder, not a file") from None
    except PermissionError:
        raise ConfigError(f"Neo4j config file {path} cannot be read (permission denied)") from None
    except OSError as e:
        raise ConfigError(f"Neo4j config file {path} cannot be read ({e.strerror or type(e).__name__})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        # the decoder names a position, never the text at it
        reason = str(e).splitlines()[0] if isinstance(e, tomllib.TOMLDecodeError) else "not UTF-8 text"
        raise ConfigError(f"Neo4j config file {path} is not valid TOML: {reason}") from None
    for key in document:
        if key != "neo4j":
            raise ConfigError(f"unknown key {key!r} in Neo4j config file {path} (expected a [neo4j] table)")
    table = document.get("neo4j", {})
    if not isinstance(table, dict):
        raise ConfigError(f"'neo4j' in Neo4j config file {path} must be a table ([neo4j])")
    settings: dict[str, str | float] = {}
    for key, value in table.items():
        if key not in _ENVIRONMENT:
            raise ConfigError(
                f"unknown key {key!r} in the [neo4j] table of {path} (known: {', '.join(_ENVIRONMENT)})"
            )
        if key in _TEXT_KEYS and not isinstance(value, str):
            raise ConfigError(f"{key!r} in the [neo4j] table of {path} must be a string, got {type(value).__name__}")
        if key == "retry_seconds":
            value = _positive_seconds(value, f"retry_seconds in {path}")
        settings[key] = value
    if "password" in settings and os.name == "posix" and stat.S_IMODE(mode) & 0o077:
        raise ConfigError(
            f"Neo4j config file {path} holds a password but other users may read or change it "
            f"(mode {stat.S_IMODE(mode):04o}): run chmod 600 {path}"
        )
    return settings


def _parse_seconds(text: str, source: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{source} must be a positive number of seconds, got {text!r}") from None
    return _positive_seconds(value, source)


def _positive_seconds(value: object, source: str) -> float:
    """``value`` as float seconds, if it is a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        shown = repr(value) if isinstance(value, (int, float, str)) else type(value).__name__
        raise ConfigError(f"{source} must be a positive number of seconds, got {shown}")
    return float(value)
