"""Canonical input: the schema every loader maps to, chunked readers and row validation."""

from graphrisk.io.readers import read_chunks
from graphrisk.io.schema import ENTITY_TYPES, LABELS, LINKS, TRANSACTIONS, USERS
from graphrisk.io.validate import Validator

__all__ = ["TRANSACTIONS", "LINKS", "USERS", "LABELS", "ENTITY_TYPES", "Validator", "read_chunks"]
