"""Column accumulators used while a world is generated."""

from __future__ import annotations

import numpy as np

__all__ = ["TransactionParts", "LinkParts"]


class TransactionParts:
    """Collects transaction columns from several generators, then concatenates them.

    Users, merchants, devices and cards are integer indices here; ``-1`` means none.
    Times are seconds since the start of the period.
    """

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        user: np.ndarray,
        seconds: np.ndarray,
        amount: np.ndarray,
        *,
        merchant: np.ndarray | int = -1,
        device: np.ndarray | int = -1,
        card: np.ndarray | int = -1,
        counterparty: np.ndarray | int = -1,
        fraud: bool = False,
    ) -> None:
        n = len(user)
        if n == 0:
            return
        self._parts.append(
            {
                "user": np.asarray(user, dtype=np.int64),
                "seconds": np.asarray(seconds, dtype=np.int64),
                "amount": np.round(np.asarray(amount, dtype=np.float64), 2),
                "merchant": np.broadcast_to(np.asarray(merchant, dtype=np.int64), n),
                "device": np.broadcast_to(np.asarray(device, dtype=np.int64), n),
                "card": np.broadcast_to(np.asarray(card, dtype=np.int64), n),
                "counterparty": np.broadcast_to(np.asarray(counterparty, dtype=np.int64), n),
                "fraud": np.full(n, fraud),
            }
        )

    def columns(self) -> dict[str, np.ndarray]:
        """All parts concatenated, column by column."""
        names = ["user", "seconds", "amount", "merchant", "device", "card", "counterparty", "fraud"]
        if not self._parts:
            return {name: np.array([], dtype=np.int64) for name in names}
        return {name: np.concatenate([p[name] for p in self._parts]) for name in names}


class LinkParts:
    """Collects identifier links: user index, entity type, entity id (text), seconds."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]] = []

    def add(self, user: np.ndarray, entity_type: str, entity_id: np.ndarray, seconds: np.ndarray) -> None:
        if len(user):
            self._parts.append((np.asarray(user, dtype=np.int64), entity_type, np.asarray(entity_id), np.asarray(seconds)))

    def columns(self) -> dict[str, np.ndarray]:
        """All links concatenated."""
        if not self._parts:
            return {"user": np.array([], dtype=np.int64), "entity_type": np.array([], dtype=object),
                    "entity_id": np.array([], dtype=object), "seconds": np.array([], dtype=np.int64)}
        return {
            "user": np.concatenate([p[0] for p in self._parts]),
            "entity_type": np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in self._parts]),
            "entity_id": np.concatenate([p[2].astype(object) for p in self._parts]),
            "seconds": np.concatenate([p[3].astype(np.int64) for p in self._parts]),
        }
