"""Knobs of the synthetic world, with defaults that make a hard problem."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from graphrisk.errors import InputError

__all__ = ["WorldConfig", "RING_TYPES"]

#: Fraud ring patterns the generator can plant (see :mod:`graphrisk.synth.rings`).
RING_TYPES: tuple[str, ...] = ("device_farm", "merchant_collusion", "bust_out", "mule_network")


@dataclass(frozen=True)
class WorldConfig:
    """Parameters of :func:`graphrisk.synth.generate_world`.

    Parameters
    ----------
    days
        Length of the simulated period.
    start
        First day of the period (ISO date, UTC).
    transactions_per_user
        Mean number of payments of an ordinary user over the period.
    heavy_user_share, heavy_user_factor
        Share of honest users who transact ``heavy_user_factor`` times more, with larger amounts.
    users_per_merchant
        Users per merchant (sets the number of merchants).
    merchant_popularity
        Exponent of the power law of merchant popularity (Zipf-like; larger = more concentrated).
    regions, local_share
        Regional clusters of users and merchants, and the share of payments made in the
        user's own region.
    fraud_share
        Share of users that belong to a fraud ring.
    ring_size_min, ring_size_max, ring_size_mean
        Ring sizes are drawn from a geometric-like distribution with this mean, clipped.
    ring_mix
        Relative weight of each ring type (keys from :data:`RING_TYPES`).
    camouflage
        0..1: how much normal activity fraud accounts keep (1 = as much as an honest
        user, with the same merchants and amounts).
    missing_label_share
        Share of fraudsters whose label is missing from ``known_labels`` (undetected fraud).
    household_share
        Share of honest users living in households that share a device and an address.
    kiosks, kiosk_users
        Number of shared terminals (work PCs, shop kiosks) and honest users on each.
    local_events, local_event_size
        Number of local events (many honest neighbours paying one small merchant within
        two days) and their size.
    spree_share
        Share of honest users with one shopping spree (several expensive purchases in a
        day), the honest twin of a bust-out.
    transfer_share
        Share of honest users who send money to friends and family.
    """

    days: int = 90
    start: str = "2024-01-01"
    transactions_per_user: float = 10.0
    heavy_user_share: float = 0.02
    heavy_user_factor: float = 8.0
    users_per_merchant: int = 20
    merchant_popularity: float = 1.1
    regions: int = 20
    local_share: float = 0.8
    fraud_share: float = 0.02
    ring_size_min: int = 3
    ring_size_max: int = 40
    ring_size_mean: float = 8.0
    ring_mix: dict[str, float] = field(
        default_factory=lambda: {"device_farm": 0.3, "merchant_collusion": 0.25, "bust_out": 0.2, "mule_network": 0.25}
    )
    camouflage: float = 0.7
    missing_label_share: float = 0.3
    household_share: float = 0.08
    kiosks: int = 10
    kiosk_users: int = 40
    local_events: int = 15
    local_event_size: int = 25
    spree_share: float = 0.03
    transfer_share: float = 0.15

    def __post_init__(self) -> None:
        for name in ("fraud_share", "camouflage", "missing_label_share", "household_share", "local_share",
                     "heavy_user_share", "spree_share", "transfer_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        if not 2 <= self.ring_size_min <= self.ring_size_max:
            raise ValueError(
                f"ring sizes need 2 <= ring_size_min <= ring_size_max, got {self.ring_size_min}, {self.ring_size_max}"
            )
        unknown = set(self.ring_mix) - set(RING_TYPES)
        if unknown:
            raise ValueError(f"unknown ring types in ring_mix: {sorted(unknown)}; known: {', '.join(RING_TYPES)}")
        if any(w < 0 for w in self.ring_mix.values()) or sum(self.ring_mix.values()) <= 0:
            raise ValueError(f"ring_mix weights must be >= 0 and not all zero, got {self.ring_mix}")
        if self.transactions_per_user <= 0:
            raise ValueError(f"transactions_per_user must be > 0, got {self.transactions_per_user}")

    @classmethod
    def from_file(cls, path: str | Path) -> WorldConfig:
        """Read a JSON file whose keys are a subset of the parameters.

        Raises
        ------
        InputError
            The file is missing, unreadable or not a JSON object, has unknown keys (named),
            or values of the wrong type or out of range; the message names the file. A
            :class:`ValueError` too.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: generator settings file not found") from None
        except (OSError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError: below
            raise InputError(f"{path}: cannot read the generator settings ({type(e).__name__}: {e})") from e
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: the generator settings are not valid JSON ({e})") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: the generator settings must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{path}: unknown generator settings {unknown}; known: {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except (TypeError, ValueError, AttributeError) as e:  # a value of the wrong type, or out of range
            raise InputError(f"{path}: bad generator settings: {e}") from e

    def to_dict(self) -> dict:
        """The settings as plain JSON-ready values."""
        return asdict(self)
