"""What a fraud team knows: labels from chargebacks, partial and late."""

from __future__ import annotations

import numpy as np

from graphrisk.synth.config import WorldConfig
from graphrisk.synth.population import DAY

__all__ = ["chargeback_labels", "first_fraud_seconds"]


def first_fraud_seconds(n_users: int, transactions: dict[str, np.ndarray]) -> np.ndarray:
    """Per user, the time of the first fraudulent transaction they sent or received (``-1``: none).

    ``transactions`` holds the generator's columns (``user``, ``counterparty``, ``seconds``,
    ``fraud``), times already clipped to the accounts' opening.
    """
    fraud = transactions["fraud"].astype(bool)
    users = np.concatenate([transactions["user"][fraud], transactions["counterparty"][fraud]])
    seconds = np.concatenate([transactions["seconds"][fraud], transactions["seconds"][fraud]])
    keep = users >= 0
    first = np.full(n_users, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, users[keep], seconds[keep])
    return np.where(first == np.iinfo(np.int64).max, -1, first)


def chargeback_labels(
    fraud: np.ndarray,
    transactions: dict[str, np.ndarray],
    config: WorldConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """The known label of each user: a fraudster who charged back, by the end of the period.

    A fraudster is known unless they never charge back (``missing_label_share``, at random)
    or their first fraudulent transaction falls in the last ``label_delay_days`` of the
    period (the chargeback has not arrived yet; with a delay, a fraudster without any
    fraudulent transaction stays unknown too). Honest users are never labelled fraud.

    Examples
    --------
    >>> tx = {"user": np.array([0, 1]), "counterparty": np.array([-1, -1]),
    ...       "seconds": np.array([0, 89 * DAY]), "fraud": np.array([True, True])}
    >>> config = WorldConfig(missing_label_share=0.0, label_delay_days=30)
    >>> chargeback_labels(np.array([True, True, False]), tx, config, np.random.default_rng(0)).tolist()
    [True, False, False]
    """
    known = fraud & (rng.random(len(fraud)) >= config.missing_label_share)
    if config.label_delay_days > 0:  # no time check (and nothing drawn) without a delay
        cut = config.days * DAY - config.label_delay_days * DAY
        first = first_fraud_seconds(len(fraud), transactions)
        known &= (first >= 0) & (first < cut)
    return known
