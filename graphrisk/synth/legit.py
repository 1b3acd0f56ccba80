"""Honest activity, including the hard negatives that make naive rules fail.

Hard negatives (honest structures that look like fraud to a naive rule):

* households: two to four people sharing a family device and an address (and, for a
  ``family_card_share`` of them, a family card that funds their transfers);
* kiosks and work terminals: one device used by dozens of unrelated honest users;
* local events: many neighbours paying one small merchant within two days (looks like lockstep);
* heavy users: a few percent of users transact many times more, with larger amounts;
* honest transfers between friends and family (looks like mule traffic).
"""

from __future__ import annotations

import numpy as np

from graphrisk.synth.config import WorldConfig
from graphrisk.synth.population import DAY, Population
from graphrisk.synth.tables import LinkParts, TransactionParts

__all__ = ["MerchantSampler", "make_households", "family_cards", "legit_transactions", "hard_negatives", "identity_links"]


class MerchantSampler:
    """Draws merchants by popularity, mostly from the payer's own region."""

    def __init__(self, population: Population, local_share: float) -> None:
        weight = population.merchant_weight
        self.local_share = local_share
        self.global_p = weight / weight.sum()
        self.by_region: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for region in np.unique(population.merchant_region):
            members = np.flatnonzero((population.merchant_region == region) & (weight > 0))
            if len(members):
                self.by_region[int(region)] = (members, weight[members] / weight[members].sum())

    def sample(self, regions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One merchant per payer region."""
        out = rng.choice(len(self.global_p), size=len(regions), p=self.global_p)
        local = rng.random(len(regions)) < self.local_share
        for region, (members, p) in self.by_region.items():
            chosen = np.flatnonzero(local & (regions == region))
            if len(chosen):
                out[chosen] = rng.choice(members, size=len(chosen), p=p)
        return out


def make_households(population: Population, honest: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Group a share of honest users into households of 2-4; return each user's household (-1: none)."""
    household_of = np.full(population.n_users, -1, dtype=np.int64)
    candidates = rng.permutation(np.flatnonzero(honest))[: int(share * honest.sum())]
    position, number = 0, 0
    while position + 2 <= len(candidates):
        size = int(rng.integers(2, 5))
        household_of[candidates[position : position + size]] = number
        position, number = position + size, number + 1
    return household_of


def family_cards(population: Population, household_of: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A new card shared by the members of each of a ``share`` of the households (-1 for everyone else).

    Draws nothing when ``share`` is 0, so worlds without family cards stay as they were.
    """
    card_of = np.full(population.n_users, -1, dtype=np.int64)
    if share <= 0 or not (household_of >= 0).any():
        return card_of
    chosen = rng.random(int(household_of.max()) + 1) < share
    cards = np.full(len(chosen), -1, dtype=np.int64)
    cards[chosen] = population.add_cards(int(chosen.sum()))
    in_household = household_of >= 0
    card_of[in_household] = cards[household_of[in_household]]
    return card_of


def legit_transactions(
    population: Population,
    config: WorldConfig,
    scale_of: np.ndarray,
    household_device_of: np.ndarray,
    sampler: MerchantSampler,
    parts: TransactionParts,
    rng: np.random.Generator,
) -> None:
    """Everyday payments: Poisson counts, uniform times after opening, lognormal amounts per merchant."""
    period = population.period_seconds
    start = np.clip(population.opened_of, 0, period - DAY)
    active = (period - start) / period
    counts = rng.poisson(config.transactions_per_user * population.activity_of * scale_of * active)
    users = np.repeat(np.arange(population.n_users), counts)
    seconds = start[users] + (rng.random(len(users)) * (period - start[users])).astype(np.int64)
    merchants = sampler.sample(population.region_of[users], rng)
    amounts = rng.lognormal(population.merchant_mu[merchants], population.merchant_sigma[merchants])
    amounts *= np.where(population.heavy_of[users], 2.0, 1.0)
    devices = population.own_device(users, rng)
    shared = (household_device_of[users] >= 0) & (rng.random(len(users)) < 0.5)
    devices[shared] = household_device_of[users[shared]]
    parts.add(users, seconds, amounts, merchant=merchants, device=devices, card=population.own_card(users, rng))


def hard_negatives(
    population: Population,
    config: WorldConfig,
    honest: np.ndarray,
    household_of: np.ndarray,
    sampler: MerchantSampler,
    parts: TransactionParts,
    rng: np.random.Generator,
) -> None:
    """Kiosks, local events and honest transfers (households are handled in :func:`legit_transactions`)."""
    period = population.period_seconds
    honest_users = np.flatnonzero(honest)
    if len(honest_users) == 0:
        return
    for kiosk in population.add_devices(config.kiosks):
        region = rng.integers(config.regions)
        pool = honest_users[population.region_of[honest_users] == region]
        pool = pool if len(pool) else honest_users
        users = rng.choice(pool, size=min(config.kiosk_users, len(pool)), replace=False)
        users = np.repeat(users, rng.integers(1, 4, size=len(users)))
        merchants = sampler.sample(population.region_of[users], rng)
        seconds = rng.integers(0, period, size=len(users))
        amounts = rng.lognormal(population.merchant_mu[merchants], population.merchant_sigma[merchants])
        parts.add(users, seconds, amounts, merchant=merchants, device=kiosk, card=population.own_card(users, rng))

    for _ in range(config.local_events):
        region = int(rng.integers(config.regions))
        pool = honest_users[population.region_of[honest_users] == region]
        if len(pool) < 2:
            continue
        [merchant] = population.add_merchants(1, region, mu=float(rng.normal(3.0, 0.3)), sigma=0.15)
        users = rng.choice(pool, size=min(config.local_event_size, len(pool)), replace=False)
        day = rng.integers(0, period - 2 * DAY)
        seconds = day + rng.integers(0, 2 * DAY, size=len(users))
        amounts = rng.lognormal(population.merchant_mu[merchant], 0.15, size=len(users))
        parts.add(users, seconds, amounts, merchant=merchant, device=population.own_device(users, rng),
                  card=population.own_card(users, rng))

    # shopping sprees: several expensive purchases in one day (the honest twin of a bust-out)
    spenders = rng.choice(honest_users, size=int(config.spree_share * len(honest_users)), replace=False)
    expensive = np.argsort(population.merchant_mu)[-max(population.n_merchants // 10, 1):]
    purchases = rng.integers(3, 8, size=len(spenders))
    users = np.repeat(spenders, purchases)
    day = np.repeat(rng.integers(0, period - DAY, size=len(spenders)), purchases)
    merchants = rng.choice(expensive, size=len(users))
    amounts = rng.lognormal(population.merchant_mu[merchants] + 0.3, population.merchant_sigma[merchants])
    parts.add(users, day + rng.integers(0, DAY, size=len(users)), amounts, merchant=merchants,
              device=population.own_device(users, rng), card=population.own_card(users, rng))

    # honest transfers: within households, and to friends
    senders = rng.choice(honest_users, size=max(int(config.transfer_share * len(honest_users)), 1), replace=False)
    receivers = rng.choice(honest_users, size=len(senders))
    in_household = np.flatnonzero(household_of >= 0)
    if len(in_household):
        family = rng.choice(in_household, size=len(in_household) // 2, replace=False)
        partner = in_household[rng.integers(0, len(in_household), size=len(family))]
        same = household_of[partner] == household_of[family]
        senders = np.concatenate([senders, family[same & (partner != family)]])
        receivers = np.concatenate([receivers, partner[same & (partner != family)]])
    keep = senders != receivers
    repeats = rng.integers(1, 6, size=int(keep.sum()))
    senders, receivers = np.repeat(senders[keep], repeats), np.repeat(receivers[keep], repeats)
    seconds = rng.integers(0, period, size=len(senders))
    amounts = rng.lognormal(5.0, 1.0, size=len(senders))
    parts.add(senders, seconds, amounts, device=population.own_device(senders, rng),
              card=population.funding_card(senders, rng), counterparty=receivers)


def identity_links(
    population: Population,
    household_of: np.ndarray,
    household_device_of: np.ndarray,
    links: LinkParts,
) -> None:
    """Sign-up identifiers: an email and phone each, an address (shared in households), device logins."""
    users = np.arange(population.n_users)
    opened = population.opened_of
    links.add(users, "email", np.char.add("mail", users.astype(str)), opened)
    links.add(users, "phone", np.char.add("tel", users.astype(str)), opened)
    address = np.where(household_of >= 0, np.char.add("home", household_of.astype(str)),
                       np.char.add("addr", users.astype(str)))
    links.add(users, "address", address, opened)
    owners = np.repeat(users, population.device_count_of)
    devices = np.arange(int(population.device_count_of.sum()))
    links.add(owners, "device", devices, opened[owners])
    in_household = np.flatnonzero(household_device_of >= 0)
    links.add(in_household, "device", household_device_of[in_household], opened[in_household])
