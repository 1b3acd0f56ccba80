"""Fraud rings, each pattern grounded in published work.

* **device_farm**: many accounts operated from a few shared devices and cards, opened
  within days of each other. Alipay's GEM (Liu et al., "Heterogeneous Graph Neural
  Networks for Malicious Account Detection", CIKM 2018) calls this *device aggregation*
  (and *activity aggregation* for the short time window).
* **merchant_collusion**: accounts paying colluding small merchants in synchronised
  bursts: lockstep behaviour as in CopyCatch (Beutel et al., WWW 2013) and SynchroTrap
  (Cao et al., CCS 2014).
* **bust_out**: synthetic identities (shared phones and addresses) opened long ago that
  stay dormant, then all max out at once on high-value merchants: the bust-out scheme
  of first-party credit fraud (as in Neo4j's first-party fraud guide, which links
  clients through shared identifiers).
* **mule_network**: person-to-person transfers along chains of mule accounts, often
  closing a cycle, in repeated waves: the fan-out/chain/cycle typologies of AMLSim
  (Weber et al., "Scalable Graph Learning for Anti-Money Laundering", 2018).
* **cash_out**: feeder accounts, operated from a farm of shared devices and stolen cards
  (from 30% to 90% of their transfers, by ring; a stolen card for about three feeders),
  send money in waves to one or a few cash-out accounts (AMLSim's fan-in), which also
  collect payments from scam victims (honest senders): the peer-to-peer regime's ring.
  Half of the rings use accounts opened for the job within days, half recruited old ones.

Fraudsters who act alone (``solo_fraud_share``) are planted by :mod:`graphrisk.synth.solo`
as rings of one whose type is in :data:`~graphrisk.synth.config.SOLO_TYPES`; they come last,
so the rings keep their numbers.

Every ring also keeps normal-looking activity (*camouflage*: CARE-GNN, Dou et al.,
CIKM 2020; FRAUDAR's camouflage edges, Hooi et al., KDD 2016): the generator lowers
fraud accounts' honest activity only by the ``camouflage`` knob.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphrisk.synth.config import RING_TYPES, SOLO_TYPES, WorldConfig
from graphrisk.synth.population import DAY, Population
from graphrisk.synth.solo import SOLO_PLANTERS
from graphrisk.synth.tables import LinkParts, TransactionParts

__all__ = ["Rings", "assign_rings", "plant_rings"]

HOUR = 3_600


@dataclass
class Rings:
    """Ring membership: ``ring_of[user]`` (-1 for honest users) and each ring's type.

    A fraudster who acts alone is a ring of one whose type is in :data:`SOLO_TYPES`.
    """

    ring_of: np.ndarray
    types: list[str]

    @property
    def fraud(self) -> np.ndarray:
        """Boolean mask of fraudsters."""
        return self.ring_of >= 0

    @property
    def solo(self) -> np.ndarray:
        """Boolean mask of the fraudsters who act alone."""
        alone = np.array([t in SOLO_TYPES for t in self.types] + [False])
        return alone[np.where(self.ring_of >= 0, self.ring_of, len(self.types))]


def assign_rings(n_users: int, config: WorldConfig, rng: np.random.Generator) -> Rings:
    """Draw ring sizes and types until ``fraud_share`` of users are fraudsters, ``solo_fraud_share``
    of them alone (rings of one, numbered after the rings)."""
    target = int(round(config.fraud_share * n_users))
    solo = int(round(config.solo_fraud_share * target))
    target -= solo
    names = [t for t in RING_TYPES if config.ring_mix.get(t, 0) > 0]
    weights = np.array([config.ring_mix[t] for t in names], dtype=float)
    sizes: list[int] = []
    spread = max(config.ring_size_mean - config.ring_size_min, 1.0)
    while sum(sizes) < target:
        size = config.ring_size_min + int(rng.geometric(1.0 / (spread + 1.0))) - 1
        size = int(min(max(size, config.ring_size_min), config.ring_size_max, target - sum(sizes)))
        if size < config.ring_size_min:
            break
        sizes.append(size)
    ring_of = np.full(n_users, -1, dtype=np.int64)
    members = rng.permutation(n_users)[: sum(sizes)]
    ring_of[members] = np.repeat(np.arange(len(sizes)), sizes)
    types = [str(t) for t in rng.choice(names, size=len(sizes), p=weights / weights.sum())]
    if solo:  # drawn only when asked for, so that worlds without solo fraud stay as they were
        honest = np.flatnonzero(ring_of < 0)
        alone = rng.choice(honest, size=min(solo, len(honest)), replace=False)
        ring_of[alone] = len(types) + np.arange(len(alone))
        types += [str(t) for t in rng.choice(SOLO_TYPES, size=len(alone))]
    return Rings(ring_of=ring_of, types=types)


def plant_rings(
    rings: Rings,
    population: Population,
    parts: TransactionParts,
    links: LinkParts,
    rng: np.random.Generator,
) -> np.ndarray:
    """Add every ring's fraudulent activity; return a per-user scale for honest activity."""
    scale_of = np.ones(population.n_users)
    members_of = _members(rings)
    for ring, kind in enumerate(rings.types):
        members = members_of[ring]
        planter = _PLANTERS[kind]
        planter(ring, members, population, parts, links, scale_of, rng)
    return scale_of


def _members(rings: Rings) -> list[np.ndarray]:
    order = np.argsort(rings.ring_of, kind="stable")
    ring_sorted = rings.ring_of[order]
    starts = np.searchsorted(ring_sorted, np.arange(len(rings.types)))
    ends = np.searchsorted(ring_sorted, np.arange(len(rings.types)), side="right")
    return [order[s:e] for s, e in zip(starts, ends)]


def _device_farm(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    devices = population.add_devices(int(rng.integers(1, 3)))
    cards = population.add_cards(int(rng.integers(1, 4)))
    # farm accounts do everything, camouflage included, from the farm's devices and cards
    population.fixed_device_of[members] = rng.choice(devices, size=len(members))
    population.fixed_card_of[members] = rng.choice(cards, size=len(members))
    population.opened_of[members] = int(rng.integers(-365 * DAY, period - 30 * DAY)) + rng.integers(
        0, 3 * DAY, size=len(members)
    )
    targets = rng.choice(population.n_merchants, size=int(rng.integers(2, 5)), replace=False)
    counts = rng.poisson(3, size=len(members)) + 1
    users = np.repeat(members, counts)
    begin = np.clip(population.opened_of[users], 0, period - DAY)
    seconds = begin + (rng.random(len(users)) * np.minimum(30 * DAY, period - begin)).astype(np.int64)
    merchants = rng.choice(targets, size=len(users))
    amounts = rng.lognormal(population.merchant_mu[merchants], population.merchant_sigma[merchants])
    parts.add(users, seconds, amounts, merchant=merchants, device=population.own_device(users, rng),
              card=population.own_card(users, rng), fraud=True)
    links.add(members, "device", population.fixed_device_of[members], population.opened_of[members])


def _merchant_collusion(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    region = int(population.region_of[members[0]])
    merchants = population.add_merchants(int(rng.integers(1, 3)), region, mu=4.0, sigma=0.3)
    price = rng.lognormal(4.0, 0.3)
    for _ in range(int(rng.integers(2, 5))):
        burst = int(rng.integers(0, period - 3 * HOUR))
        users = members[rng.random(len(members)) < 0.8]
        seconds = burst + rng.integers(0, 2 * HOUR, size=len(users))
        amounts = price * rng.uniform(0.95, 1.05, size=len(users))
        parts.add(users, seconds, amounts, merchant=rng.choice(merchants, size=len(users)),
                  device=population.own_device(users, rng), card=population.own_card(users, rng), fraud=True)


def _bust_out(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    population.opened_of[members] = rng.integers(-300 * DAY, -100 * DAY, size=len(members))
    scale_of[members] *= 0.5  # dormant until the bust
    bust = int(rng.integers(int(period * 0.6), period - DAY))
    expensive = np.argsort(population.merchant_mu)[-max(population.n_merchants // 10, 1):]
    counts = rng.integers(3, 8, size=len(members))
    users = np.repeat(members, counts)
    merchants = rng.choice(expensive, size=len(users))
    amounts = rng.lognormal(population.merchant_mu[merchants] + 0.3, population.merchant_sigma[merchants])
    seconds = bust + rng.integers(0, DAY, size=len(users))
    parts.add(users, seconds, amounts, merchant=merchants, device=population.own_device(users, rng),
              card=population.own_card(users, rng), fraud=True)
    phone_numbers, address_numbers = population.add_identities(2), population.add_identities(2)
    phones = np.char.add("tel", rng.choice(phone_numbers, size=len(members)).astype(str))
    addresses = np.char.add("addr", rng.choice(address_numbers, size=len(members)).astype(str))
    links.add(members, "phone", phones, population.opened_of[members])
    links.add(members, "address", addresses, population.opened_of[members])


def _mule_network(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    chain = rng.permutation(members)
    cycle = rng.random() < 0.5
    senders = chain if cycle else chain[:-1]
    receivers = np.roll(chain, -1)[: len(senders)]
    for _ in range(int(rng.integers(2, 6))):
        start = int(rng.integers(0, period - 3 * DAY))
        amount = rng.lognormal(6.0, 0.5)
        hops = np.arange(len(senders))
        seconds = start + np.cumsum(rng.integers(10 * 60, 6 * HOUR, size=len(senders)))
        amounts = amount * 0.97**hops
        parts.add(senders, seconds, amounts, device=population.own_device(senders, rng),
                  card=population.funding_card(senders, rng), counterparty=receivers, fraud=True)


def _cash_out(ring, members, population, parts, links, scale_of, rng) -> None:
    period = population.period_seconds
    members = rng.permutation(members)
    collectors, feeders = members[: max(1, len(members) // 5)], members[max(1, len(members) // 5):]
    devices = population.add_devices(int(rng.integers(1, 3)))
    cards = population.add_cards(len(feeders) // 3 + int(rng.integers(1, 3)))  # stolen cards, a few feeders each
    careful = rng.uniform(0.3, 0.9)  # share of the feeders' transfers made from the farm
    if rng.random() < 0.5:  # accounts opened for the job within days of each other
        population.opened_of[feeders] = int(rng.integers(-60 * DAY, period - 20 * DAY)) + rng.integers(
            0, 5 * DAY, size=len(feeders))
    begin = int(np.clip(population.opened_of[feeders].max(), 0, period - 3 * DAY))
    for _ in range(int(rng.integers(1, 5))):
        start = int(rng.integers(begin, period - 2 * DAY))
        users = np.repeat(feeders, rng.integers(1, 4, size=len(feeders)))
        seconds = start + rng.integers(0, 2 * DAY, size=len(users))
        farm = rng.random(len(users)) < careful  # the rest from the feeder's own phone and card
        device = np.where(farm, rng.choice(devices, size=len(users)), population.own_device(users, rng))
        card = np.where(farm, rng.choice(cards, size=len(users)), population.own_card(users, rng)) \
            if population.transfer_cards else -1
        parts.add(users, seconds, rng.lognormal(5.0, 0.7, size=len(users)), device=device, card=card,
                  counterparty=rng.choice(collectors, size=len(users)), fraud=True)
        # scam victims (honest senders, not fraud themselves) pay the cash-out accounts too
        victims = rng.integers(0, population.n_users, size=int(rng.poisson(len(members) / 2)))
        parts.add(victims, start + rng.integers(0, 2 * DAY, size=len(victims)), rng.lognormal(4.5, 0.8, size=len(victims)),
                  device=population.own_device(victims, rng), card=population.funding_card(victims, rng),
                  counterparty=rng.choice(collectors, size=len(victims)))
    links.add(feeders, "device", rng.choice(devices, size=len(feeders)), np.maximum(population.opened_of[feeders], 0))


_PLANTERS = {
    "device_farm": _device_farm,
    "merchant_collusion": _merchant_collusion,
    "bust_out": _bust_out,
    "mule_network": _mule_network,
    "cash_out": _cash_out,
    **SOLO_PLANTERS,
}
