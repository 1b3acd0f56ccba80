"""Request limits of the scoring service (kept apart so the CLI can read them without importing torch)."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_BODY", "MIN_MAX_BODY"]

#: largest request body by default: a canonical transaction is a few hundred bytes
DEFAULT_MAX_BODY = 16 * 1024

#: the smallest ``--max-body`` accepted: below it an ordinary transaction would not fit
MIN_MAX_BODY = 256
