"""The world generator: population, honest activity, hard negatives and fraud rings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphrisk.synth.config import WorldConfig
from graphrisk.synth.friends import friend_transfers
from graphrisk.synth.labels import chargeback_labels
from graphrisk.synth.legit import (
    MerchantSampler,
    family_cards,
    hard_negatives,
    identity_links,
    legit_transactions,
    make_households,
)
from graphrisk.synth.population import DAY, make_population
from graphrisk.synth.rings import assign_rings, plant_rings
from graphrisk.synth.tables import LinkParts, TransactionParts
from graphrisk.synth.world import World

__all__ = ["generate_world"]


def _ids(prefix: str, index: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(index.astype(str), width))


def _iso(start: np.datetime64, seconds: np.ndarray) -> np.ndarray:
    stamps = start + seconds.astype("timedelta64[s]")
    return np.char.add(np.datetime_as_string(stamps, unit="s"), "Z")


def generate_world(n_users: int = 10_000, *, seed: int = 0, config: WorldConfig | None = None) -> World:
    """Generate a transaction world with planted fraud rings and hard negatives.

    Deterministic for a given ``seed``, ``n_users`` and ``config``.

    Parameters
    ----------
    n_users
        Number of accounts (about ``config.transactions_per_user`` payments each).
    seed
        Seed of every random choice.
    config
        Knobs (fraud share, ring sizes and mix, camouflage, missing labels...); the
        default is a hard world. ``WorldConfig.preset("p2p")`` is the regime of a real
        peer-to-peer payments sample (see :data:`graphrisk.synth.config.PRESETS`).

    Returns
    -------
    World

    Raises
    ------
    ValueError
        ``n_users`` is below 100.

    Examples
    --------
    >>> world = generate_world(2_000, seed=1)
    >>> bool(world.labels["is_fraud"].mean() > 0)
    True
    >>> sorted(world.transactions.columns)[:4]
    ['amount', 'card_id', 'counterparty_id', 'device_id']
    """
    if n_users < 100:
        raise ValueError(f"n_users must be >= 100, got {n_users}")
    config = config or WorldConfig()
    rng = np.random.default_rng(seed)
    population = make_population(n_users, config, rng)
    rings = assign_rings(n_users, config, rng)
    honest = ~rings.fraud

    parts, links = TransactionParts(), LinkParts()
    scale_of = plant_rings(rings, population, parts, links, rng)
    scale_of[rings.fraud] *= config.camouflage
    household_of = make_households(population, honest, config.household_share, rng)
    households = int(household_of.max()) + 1 if (household_of >= 0).any() else 0
    household_devices = population.add_devices(households)
    household_device_of = np.where(household_of >= 0, household_devices[np.maximum(household_of, 0)] if households else -1, -1)
    sampler = MerchantSampler(population, config.local_share)
    legit_transactions(population, config, scale_of, household_device_of, sampler, parts, rng)
    hard_negatives(population, config, honest, household_of, sampler, parts, rng)
    friend_transfers(population, config, scale_of, family_cards(population, household_of, config.family_card_share, rng),
                     parts, rng)
    identity_links(population, household_of, household_device_of, links)

    start = np.datetime64(config.start, "s")
    tx = parts.columns()
    # nobody pays before their account exists
    tx["seconds"] = np.maximum(tx["seconds"], np.clip(population.opened_of[tx["user"]], 0, None))
    order = np.argsort(tx["seconds"], kind="stable")
    tx = {name: values[order] for name, values in tx.items()}
    n = len(order)

    def optional(prefix: str, index: np.ndarray, width: int) -> np.ndarray:
        out = np.full(len(index), "", dtype=object)
        present = index >= 0
        out[present] = _ids(prefix, index[present], width)
        return out

    transactions = pd.DataFrame(
        {
            "transaction_id": _ids("T", np.arange(n), 9),
            "timestamp": _iso(start, tx["seconds"]),
            "user_id": _ids("U", tx["user"], 7),
            "amount": tx["amount"],
            "merchant_id": optional("M", tx["merchant"], 6),
            "device_id": optional("D", tx["device"], 7),
            "counterparty_id": optional("U", tx["counterparty"], 7),
            "card_id": optional("C", tx["card"], 7),
        }
    )
    link = links.columns()
    entity = link["entity_id"]
    is_device = link["entity_type"] == "device"
    entity = entity.astype(object)
    entity[is_device] = _ids("D", entity[is_device].astype(np.int64), 7)
    link_frame = pd.DataFrame(
        {
            "user_id": _ids("U", link["user"], 7),
            "entity_type": link["entity_type"],
            "entity_id": entity,
            "timestamp": _iso(start, link["seconds"]),
        }
    )
    users = np.arange(n_users)
    end = config.days * DAY
    user_frame = pd.DataFrame(
        {
            "user_id": _ids("U", users, 7),
            "region": _ids("R", population.region_of, 2),
            "account_age_days": ((end - population.opened_of) // DAY).astype(np.int64),
            "age": rng.integers(18, 80, size=n_users),
        }
    )
    ring_ids = np.where(rings.fraud & ~rings.solo, _ids("R", np.maximum(rings.ring_of, 0), 4), "")
    ring_types = np.array(rings.types + [""], dtype=object)[np.where(rings.fraud, rings.ring_of, len(rings.types))]
    labels = pd.DataFrame(
        {"user_id": user_frame["user_id"], "is_fraud": rings.fraud.astype(np.int8), "ring_id": ring_ids, "ring_type": ring_types}
    )
    known = chargeback_labels(rings.fraud, tx, config, rng)
    known_labels = pd.DataFrame({"user_id": user_frame["user_id"], "is_fraud": known.astype(np.int8)})
    return World(
        transactions=transactions,
        links=link_frame,
        users=user_frame,
        labels=labels,
        known_labels=known_labels,
        settings={"n_users": n_users, "seed": seed, **config.to_dict()},
    )
