"""The graph model: node types, their Neo4j labels and keys, and relationship types.

========== ============ ================ ===================================================
node type  Neo4j label  key property     comes from
========== ============ ================ ===================================================
user       ``User``     ``user_id``      transactions (payer, counterparty), links, users
merchant   ``Merchant`` ``merchant_id``  transactions ``merchant_id``
device     ``Device``   ``device_id``    transactions ``device_id``, links
card       ``Card``     ``card_id``      transactions ``card_id``, links
ip         ``IP``       ``ip_id``        transactions ``ip``, links
email      ``Email``    ``email_id``     links
phone      ``Phone``    ``phone_id``     links
address    ``Address``  ``address_id``   links
========== ============ ================ ===================================================

Relationships are aggregated per pair: ``(:User)-[:PAID]->(:Merchant)``,
``(:User)-[:SENT]->(:User)`` and ``(:User)-[:USED]->(identifier)``, each with
``count`` (transactions), ``amount`` (sum), ``first_seen``/``last_seen`` and
``fraud_count`` (transactions labelled fraud, absent when none is labelled); ``USED``
also has ``link_count`` (sightings in the links table).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeType", "NODE_TYPES", "IDENTIFIER_TYPES", "RELATIONSHIPS"]


@dataclass(frozen=True)
class NodeType:
    """A kind of node: its name in graphrisk, its Neo4j label and key property."""

    name: str
    label: str
    key: str


NODE_TYPES: dict[str, NodeType] = {
    t.name: t
    for t in (
        NodeType("user", "User", "user_id"),
        NodeType("merchant", "Merchant", "merchant_id"),
        NodeType("device", "Device", "device_id"),
        NodeType("card", "Card", "card_id"),
        NodeType("ip", "IP", "ip_id"),
        NodeType("email", "Email", "email_id"),
        NodeType("phone", "Phone", "phone_id"),
        NodeType("address", "Address", "address_id"),
    )
}

#: Node types reached through ``USED`` (identifiers a user was seen with).
IDENTIFIER_TYPES: tuple[str, ...] = ("device", "card", "ip", "email", "phone", "address")

#: Relationship types: name -> (Neo4j type, source node type, target node type or None for identifiers).
RELATIONSHIPS: dict[str, tuple[str, str, str | None]] = {
    "paid": ("PAID", "user", "merchant"),
    "sent": ("SENT", "user", "user"),
    "used": ("USED", "user", None),
}
