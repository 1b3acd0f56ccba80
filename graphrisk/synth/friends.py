"""Friend circles and the transfers between friends: the honest core of a peer-to-peer network.

Users (fraud accounts too, as camouflage) fall into circles of about
``friend_circle_size`` people, cut from a random order of the users within each region.
Each user sends ``transfers_per_user`` transfers on average over the period (scaled by
activity, by ``camouflage`` for fraudsters and by how long the account has been open), to
a random friend of their circle, and one in seven to an acquaintance anywhere. A share
``borrowed_device_share`` of them are sent from the friend's phone, and half of those of a
household with a family card are funded by it: honest device and card sharing.
"""

from __future__ import annotations

import numpy as np

from graphrisk.synth.config import WorldConfig
from graphrisk.synth.population import DAY, Population
from graphrisk.synth.tables import TransactionParts

__all__ = ["friend_circles", "friend_transfers"]

#: Share of friend transfers that go to an acquaintance outside the circle.
ACQUAINTANCE_SHARE = 1 / 7


def friend_circles(population: Population, mean_size: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cut the users into circles of at least 2 (the last may be smaller).

    Returns
    -------
    order
        The users, circle after circle.
    bounds
        ``bounds[user] = (start, size)``: where the user's circle lies in ``order``.
    """
    n = population.n_users
    order = np.lexsort((rng.random(n), population.region_of))  # regions together, random within each
    sizes = 2 + rng.poisson(mean_size - 2.0, size=n)
    ends = np.cumsum(sizes)
    sizes = sizes[: int(np.searchsorted(ends, n)) + 1]
    sizes[-1] -= int(sizes.sum()) - n
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    bounds = np.empty((n, 2), dtype=np.int64)
    bounds[order, 0] = np.repeat(starts, sizes)
    bounds[order, 1] = np.repeat(sizes, sizes)
    return order, bounds


def friend_transfers(
    population: Population,
    config: WorldConfig,
    scale_of: np.ndarray,
    family_card_of: np.ndarray,
    parts: TransactionParts,
    rng: np.random.Generator,
) -> None:
    """Add the transfers between friends (nothing when ``config.transfers_per_user`` is 0).

    ``family_card_of[user]`` is the household's shared card (-1: none, see
    :func:`graphrisk.synth.legit.family_cards`).
    """
    if config.transfers_per_user <= 0:
        return
    n, period = population.n_users, population.period_seconds
    order, bounds = friend_circles(population, config.friend_circle_size, rng)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    start = np.clip(population.opened_of, 0, period - DAY)
    active = (period - start) / period
    counts = rng.poisson(config.transfers_per_user * population.activity_of * scale_of * active)
    senders = np.repeat(np.arange(n), counts)
    first, size = bounds[senders, 0], bounds[senders, 1]
    # a friend other than the sender: skip over the sender's own place in the circle
    offset = (rng.random(len(senders)) * np.maximum(size - 1, 1)).astype(np.int64)
    offset += offset >= position[senders] - first
    receivers = order[np.minimum(first + offset, n - 1)]
    stranger = (size < 2) | (rng.random(len(senders)) < ACQUAINTANCE_SHARE) | (receivers == senders)
    others = rng.integers(0, n - 1, size=int(stranger.sum()))
    receivers[stranger] = others + (others >= senders[stranger])
    seconds = start[senders] + (rng.random(len(senders)) * (period - start[senders])).astype(np.int64)
    devices = population.own_device(senders, rng)
    borrowed = rng.random(len(senders)) < config.borrowed_device_share
    devices[borrowed] = population.own_device(receivers[borrowed], rng)
    cards = population.funding_card(senders, rng)
    if population.transfer_cards:
        family = (family_card_of[senders] >= 0) & (rng.random(len(senders)) < 0.5)
        cards[family] = family_card_of[senders[family]]
    parts.add(senders, seconds, rng.lognormal(3.6, 1.0, size=len(senders)), device=devices, card=cards,
              counterparty=receivers)
