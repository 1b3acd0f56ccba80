"""Fraud committed alone, by one account: the groups of one of the peer-to-peer regime.

* **stolen_card**: an account, most often opened days before, funds a burst of transfers
  to one or two recipients with freshly added stolen cards, half the time from a new phone.
* **account_takeover**: an old account, taken over from the attacker's phone, sends a few
  large transfers to new recipients within hours.

Both keep the account's normal activity (scaled by ``camouflage`` like ring members). The
planters take the same arguments as those of :mod:`graphrisk.synth.rings`.
"""

from __future__ import annotations

import numpy as np

from graphrisk.synth.population import DAY

__all__ = ["SOLO_PLANTERS"]

HOUR = 3_600


def _recipients(user: int, count: int, n_users: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` other users, at random (never ``user`` itself)."""
    others = rng.integers(0, n_users - 1, size=count)
    return others + (others >= user)


def _stolen_card(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    user = int(members[0])
    if rng.random() < 0.6:  # a new account opened for the job
        population.opened_of[user] = int(rng.integers(0, period - 5 * DAY))
    begin = int(np.clip(population.opened_of[user], 0, period - 2 * DAY))
    start = int(rng.integers(begin, period - DAY))
    cards = population.add_cards(int(rng.integers(1, 4)))
    new_phone = rng.random() < 0.5
    device = int(population.add_devices(1)[0]) if new_phone else int(population.own_device(members[:1], rng)[0])
    count = int(rng.integers(2, 7))
    recipients = _recipients(user, int(rng.integers(1, 3)), population.n_users, rng)
    seconds = start + rng.integers(0, 3 * DAY, size=count)
    card = rng.choice(cards, size=count) if population.transfer_cards else -1
    parts.add(np.full(count, user), seconds, rng.lognormal(5.2, 0.7, size=count), device=device, card=card,
              counterparty=rng.choice(recipients, size=count), fraud=True)
    if new_phone:
        links.add(members[:1], "device", np.array([device]), np.array([seconds.min()]))


def _account_takeover(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    user = int(members[0])
    begin = int(np.clip(population.opened_of[user], 0, period - 2 * DAY))
    start = int(rng.integers(begin, period - DAY))
    [device] = population.add_devices(1)  # the attacker's phone
    count = int(rng.integers(1, 5))
    recipients = _recipients(user, int(rng.integers(1, 3)), population.n_users, rng)
    seconds = start + rng.integers(0, 6 * HOUR, size=count)
    parts.add(np.full(count, user), seconds, rng.lognormal(5.5, 0.6, size=count), device=device,
              card=population.funding_card(np.full(count, user), rng), counterparty=rng.choice(recipients, size=count),
              fraud=True)
    links.add(members[:1], "device", np.array([device]), np.array([start]))


#: Planter of each kind in :data:`graphrisk.synth.config.SOLO_TYPES`.
SOLO_PLANTERS = {"stolen_card": _stolen_card, "account_takeover": _account_takeover}
