"""Who and what exists in the world: users, merchants, devices, cards and regions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphrisk.synth.config import WorldConfig

__all__ = ["Population", "make_population", "DAY"]

DAY = 86_400


@dataclass
class Population:
    """Index-based description of the world; generators add merchants and devices as they go.

    Attributes ending in ``_of`` are per-user arrays.
    """

    period_seconds: int
    region_of: np.ndarray
    opened_of: np.ndarray  # seconds since period start (negative: opened before it)
    activity_of: np.ndarray  # multiplier of the mean number of transactions
    heavy_of: np.ndarray
    device_start_of: np.ndarray
    device_count_of: np.ndarray
    card_start_of: np.ndarray
    card_count_of: np.ndarray
    merchant_region: np.ndarray
    merchant_weight: np.ndarray
    merchant_mu: np.ndarray
    merchant_sigma: np.ndarray
    n_devices: int
    n_cards: int
    n_extra_identities: int = 0
    fixed_device_of: np.ndarray | None = None  # device used for all activity (farm accounts), -1: none
    fixed_card_of: np.ndarray | None = None
    transfer_cards: bool = False  # transfers carry the sender's funding card

    def __post_init__(self) -> None:
        if self.fixed_device_of is None:
            self.fixed_device_of = np.full(len(self.region_of), -1, dtype=np.int64)
        if self.fixed_card_of is None:
            self.fixed_card_of = np.full(len(self.region_of), -1, dtype=np.int64)

    @property
    def n_users(self) -> int:
        return len(self.region_of)

    @property
    def n_merchants(self) -> int:
        return len(self.merchant_region)

    def add_merchants(self, count: int, region: int, mu: float, sigma: float) -> np.ndarray:
        """Create ``count`` small merchants (weight 0: only planted activity reaches them)."""
        first = self.n_merchants
        self.merchant_region = np.append(self.merchant_region, np.full(count, region))
        self.merchant_weight = np.append(self.merchant_weight, np.zeros(count))
        self.merchant_mu = np.append(self.merchant_mu, np.full(count, mu))
        self.merchant_sigma = np.append(self.merchant_sigma, np.full(count, sigma))
        return np.arange(first, first + count)

    def _allocate(self, counter: str, count: int, offset: int = 0) -> np.ndarray:
        first = offset + getattr(self, counter)
        setattr(self, counter, getattr(self, counter) + count)
        return np.arange(first, first + count)

    def add_identities(self, count: int) -> np.ndarray:
        """Numbers for extra phones/addresses in the same namespace as the users' own
        (``tel<number>``, ``addr<number>``), so a planted identity looks like any other."""
        return self._allocate("n_extra_identities", count, offset=self.n_users)

    def add_devices(self, count: int) -> np.ndarray:
        """New device indices."""
        return self._allocate("n_devices", count)

    def add_cards(self, count: int) -> np.ndarray:
        """New card indices."""
        return self._allocate("n_cards", count)

    def own_device(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One of each user's personal devices, at random (the fixed one where a user has one)."""
        own = self.device_start_of[users] + rng.integers(0, self.device_count_of[users])
        fixed = self.fixed_device_of[users]
        return np.where(fixed >= 0, fixed, own)

    def own_card(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One of each user's cards, at random (the fixed one where a user has one)."""
        own = self.card_start_of[users] + rng.integers(0, self.card_count_of[users])
        fixed = self.fixed_card_of[users]
        return np.where(fixed >= 0, fixed, own)

    def funding_card(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray | int:
        """The card each sender's transfer is funded from: :meth:`own_card` when transfers carry
        cards, else ``-1`` (no card, and no random draw)."""
        return self.own_card(users, rng) if self.transfer_cards else -1


def make_population(n_users: int, config: WorldConfig, rng: np.random.Generator) -> Population:
    """Users in regional clusters, accounts opened over time, power-law merchant popularity."""
    period = config.days * DAY
    region_sizes = rng.dirichlet(np.full(config.regions, 2.0))
    region_of = rng.choice(config.regions, size=n_users, p=region_sizes)
    # accounts opened throughout the period and the year before it
    opened_of = rng.integers(-365 * DAY, period - DAY, size=n_users)
    heavy_of = rng.random(n_users) < config.heavy_user_share
    activity_of = rng.gamma(2.0, 0.5, size=n_users) * np.where(heavy_of, config.heavy_user_factor, 1.0)
    device_count_of = rng.choice([1, 2, 3], size=n_users, p=[0.5, 0.35, 0.15])
    card_count_of = rng.choice([1, 2], size=n_users, p=[0.7, 0.3])
    device_start_of = np.concatenate([[0], np.cumsum(device_count_of)[:-1]])
    card_start_of = np.concatenate([[0], np.cumsum(card_count_of)[:-1]])

    n_merchants = max(n_users // config.users_per_merchant, 10)
    rank = rng.permutation(n_merchants) + 1
    merchant_weight = 1.0 / rank.astype(np.float64) ** config.merchant_popularity
    merchant_region = rng.choice(config.regions, size=n_merchants, p=region_sizes)
    merchant_mu = rng.normal(3.3, 0.7, size=n_merchants)
    merchant_sigma = rng.uniform(0.3, 0.9, size=n_merchants)
    return Population(
        period_seconds=period,
        region_of=region_of,
        opened_of=opened_of,
        activity_of=activity_of,
        heavy_of=heavy_of,
        device_start_of=device_start_of,
        device_count_of=device_count_of,
        card_start_of=card_start_of,
        card_count_of=card_count_of,
        merchant_region=merchant_region,
        merchant_weight=merchant_weight,
        merchant_mu=merchant_mu,
        merchant_sigma=merchant_sigma,
        n_devices=int(device_count_of.sum()),
        n_cards=int(card_count_of.sum()),
        transfer_cards=config.transfer_cards,
    )
