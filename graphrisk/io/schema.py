"""The canonical input: the contract every loader maps to.

Four tables, each a CSV or Parquet file (or a pandas DataFrame from Python):

=============  ==========================================================================
table          columns (``*`` required)
=============  ==========================================================================
transactions   ``transaction_id*`` (unique), ``timestamp*`` (ISO-8601 or epoch seconds),
               ``user_id*`` (paying account), ``amount*`` (0 to 1e15), ``merchant_id``,
               ``device_id``, ``counterparty_id`` (receiving account of a transfer),
               ``card_id``, ``ip``, ``is_fraud`` (0/1 transaction label)
links          ``user_id*``, ``entity_type*`` (device, card, ip, email, phone, address),
               ``entity_id*``, ``timestamp``
users          ``user_id*`` plus any attribute columns (tabular features)
labels         ``user_id*``, ``is_fraud*`` (0/1), ``ring_id``
=============  ==========================================================================

Identifiers are strings with surrounding whitespace removed; an empty optional field
means "not known". Timestamps without a time zone are read as UTC. An amount above
:data:`MAX_AMOUNT` (1e15, far above any real payment) is rejected, so that sums per pair
and per user stay finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "ColumnKind",
    "Column",
    "TableSchema",
    "TRANSACTIONS",
    "LINKS",
    "USERS",
    "LABELS",
    "ENTITY_TYPES",
    "TRANSACTION_ENTITY_COLUMNS",
    "SCHEMAS",
    "MAX_AMOUNT",
]


class ColumnKind(str, Enum):
    """How a column's raw text is parsed and what makes a value bad."""

    ID = "id"
    TIMESTAMP = "timestamp"
    AMOUNT = "amount"
    FLAG = "flag"
    ENTITY_TYPE = "entity_type"
    ATTRIBUTE = "attribute"


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, how to parse it and whether it must be present."""

    name: str
    kind: ColumnKind
    required: bool = False


@dataclass(frozen=True)
class TableSchema:
    """The columns of one canonical table.

    Parameters
    ----------
    name
        Table name used in messages (``transactions``, ``links``...).
    columns
        The known columns.
    unique
        Column whose values must be unique; later duplicates are rejected.
    open_columns
        Whether unknown columns are kept as attributes (users) or ignored.
    """

    name: str
    columns: tuple[Column, ...]
    unique: str | None = None
    open_columns: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all known columns."""
        return tuple(c.name for c in self.columns)


#: Identifier types a user can be linked to; each becomes a node label in Neo4j.
ENTITY_TYPES: tuple[str, ...] = ("device", "card", "ip", "email", "phone", "address")

#: The largest amount accepted (in the currency's units). No real payment comes near it, and
#: a billion such amounts still sum to a finite float: a larger value is a unit or parsing
#: mistake, rejected with the reason ``"amount above 1e15"``.
MAX_AMOUNT: float = 1e15

#: Transaction columns that name an identifier the paying user used.
TRANSACTION_ENTITY_COLUMNS: dict[str, str] = {"device_id": "device", "card_id": "card", "ip": "ip"}

TRANSACTIONS = TableSchema(
    name="transactions",
    columns=(
        Column("transaction_id", ColumnKind.ID, required=True),
        Column("timestamp", ColumnKind.TIMESTAMP, required=True),
        Column("user_id", ColumnKind.ID, required=True),
        Column("amount", ColumnKind.AMOUNT, required=True),
        Column("merchant_id", ColumnKind.ID),
        Column("device_id", ColumnKind.ID),
        Column("counterparty_id", ColumnKind.ID),
        Column("card_id", ColumnKind.ID),
        Column("ip", ColumnKind.ID),
        Column("is_fraud", ColumnKind.FLAG),
    ),
    unique="transaction_id",
)

LINKS = TableSchema(
    name="links",
    columns=(
        Column("user_id", ColumnKind.ID, required=True),
        Column("entity_type", ColumnKind.ENTITY_TYPE, required=True),
        Column("entity_id", ColumnKind.ID, required=True),
        Column("timestamp", ColumnKind.TIMESTAMP),
    ),
)

USERS = TableSchema(
    name="users",
    columns=(Column("user_id", ColumnKind.ID, required=True),),
    unique="user_id",
    open_columns=True,
)

LABELS = TableSchema(
    name="labels",
    columns=(
        Column("user_id", ColumnKind.ID, required=True),
        Column("is_fraud", ColumnKind.FLAG, required=True),
        Column("ring_id", ColumnKind.ID),
    ),
    unique="user_id",
)

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (TRANSACTIONS, LINKS, USERS, LABELS)}
