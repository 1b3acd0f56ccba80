"""Who may use the console: the bind address, the access token, and the form secret.

The console binds to the loopback interface by default. Any other address needs a token:
each request then carries it, as a cookie (set once by opening any page with
``?token=...``) or as ``Authorization: Bearer ...``. Forms carry a per-process secret so
that another web page cannot post a verdict through the investigator's browser.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from graphrisk.errors import ConfigError

__all__ = ["ConsoleAccess", "check_bind", "is_loopback", "TOKEN_ENV", "TOKEN_COOKIE"]

#: Environment variable that holds the console's access token.
TOKEN_ENV = "GRAPHRISK_CONSOLE_TOKEN"

#: Cookie that carries the token after the first ``?token=`` visit.
TOKEN_COOKIE = "graphrisk_console_token"

#: Fewest characters a token may have.
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """Whether ``host`` names the loopback interface only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token, or with a short one.

    Raises
    ------
    ConfigError
        ``host`` is not a loopback address and ``token`` is missing, or the token is too short.
    """
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"{TOKEN_ENV} must have at least {MIN_TOKEN_LENGTH} characters")
    if not is_loopback(host) and token is None:
        raise ConfigError(f"the console serves investigators' data: binding to {host} needs a token in {TOKEN_ENV} "
                          "(or keep the default --host 127.0.0.1)")


@dataclass(frozen=True)
class ConsoleAccess:
    """The access rules of one console process.

    Attributes
    ----------
    token
        Needed on every request when set (compared in constant time); ``None``: loopback only, no token.
    form_secret
        Put in every form and checked on every post (random per process).
    """

    token: str | None = None
    form_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def admits(self, presented: str | None) -> bool:
        """Whether a request presenting ``presented`` (cookie or bearer token) may pass."""
        if self.token is None:
            return True
        return presented is not None and hmac.compare_digest(presented.encode(), self.token.encode())

    def host_is_allowed(self, host_header: str | None) -> bool:
        """Whether a request's ``Host`` may be served: any with a token; without one, loopback names only.

        Without a token the console trusts the machine, so it must not answer a page that reached
        127.0.0.1 under another name (DNS rebinding): only ``127.0.0.1``, ``localhost`` and
        ``[::1]`` (any port) pass.
        """
        if self.token is not None:
            return True
        if not host_header:
            return False
        name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return name.strip("[]") in ("127.0.0.1", "localhost", "::1")

    def form_is_genuine(self, presented: str | None) -> bool:
        """Whether a posted form carries this process's form secret."""
        return presented is not None and hmac.compare_digest(presented.encode(), self.form_secret.encode())
