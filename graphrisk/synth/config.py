"""Knobs of the synthetic world, with defaults that make a hard problem, and named regimes (:data:`PRESETS`)."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from graphrisk.errors import InputError

__all__ = ["WorldConfig", "RING_TYPES", "SOLO_TYPES", "PRESETS"]

#: Fraud ring patterns the generator can plant (see :mod:`graphrisk.synth.rings`).
RING_TYPES: tuple[str, ...] = ("device_farm", "merchant_collusion", "bust_out", "mule_network", "cash_out")

#: Kinds of fraud committed alone, by one account (see :mod:`graphrisk.synth.solo`).
SOLO_TYPES: tuple[str, ...] = ("stolen_card", "account_takeover")

#: Named regimes: the settings each one changes from the defaults (see :meth:`WorldConfig.preset`).
#:
#: ``p2p``: the regime of a real peer-to-peer payments sample (about 34,000 users with devices,
#: cards and transfers; 0.7% fraud; labels from chargebacks, without ring ids). Honest users
#: mostly send money to friends (circles of about 6) and pay few of only about ten merchants;
#: households and borrowed phones make honest device sharing common (15% of users in
#: households, 2% of friend transfers from a friend's phone: about a quarter of honest users
#: share a device with another, against 8% in the default world), and half the households fund
#: transfers from a family card, so that honest card sharing exists too; a third of the fraudsters act
#: alone (stolen cards, account takeovers); the rings are transfer-centred (mule chains and
#: cycles, fan-in to cash-out accounts from device and card farms) and keep 80% of an honest
#: user's activity; 40% of fraudsters never charge back, and fraud of the last 30 days has no
#: chargeback yet.
PRESETS: dict[str, dict] = {
    "default": {},
    "p2p": {
        "transactions_per_user": 1.5,
        "users_per_merchant": 3_000,
        "local_events": 0,
        "spree_share": 0.0,
        "kiosks": 5,
        "kiosk_users": 30,
        "household_share": 0.15,
        "transfer_share": 0.15,
        "transfers_per_user": 8.0,
        "friend_circle_size": 6.0,
        "borrowed_device_share": 0.02,
        "transfer_cards": True,
        "family_card_share": 0.5,
        "fraud_share": 0.007,
        "solo_fraud_share": 0.35,
        "ring_size_min": 3,
        "ring_size_mean": 6.0,
        "ring_size_max": 25,
        "ring_mix": {"mule_network": 0.4, "cash_out": 0.6},
        "camouflage": 0.8,
        "missing_label_share": 0.4,
        "label_delay_days": 30,
    },
}


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
        Share of users who are fraudsters (in rings, and alone: ``solo_fraud_share``).
    ring_size_min, ring_size_max, ring_size_mean
        Ring sizes are drawn from a geometric-like distribution with this mean, clipped.
    ring_mix
        Relative weight of each ring type (keys from :data:`RING_TYPES`; ``cash_out`` is
        not in the default mix).
    solo_fraud_share
        Share of the fraudsters who act alone, in no ring (0 by default): a stolen card
        funding a burst of transfers from a new account, or an account taken over from a
        new device (:data:`SOLO_TYPES`). Their ``ring_id`` in ``labels`` is empty (each is a
        group of one for splits, and no ring for ring recall); ``ring_type`` names the kind.
    camouflage
        0..1: how much normal activity fraud accounts keep (1 = as much as an honest
        user, with the same merchants and amounts).
    missing_label_share
        Share of fraudsters whose label is missing from ``known_labels`` (undetected fraud:
        they never charge back).
    label_delay_days
        Chargebacks arrive this many days after the fraud (0 by default): a fraudster whose
        first fraudulent transaction (sent or received) falls in the last
        ``label_delay_days`` of the period has no known label yet.
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
        Share of honest users who send money to a random other user (and households to
        their own members).
    transfers_per_user
        Mean number of transfers each user sends to their friend circle over the period
        (0 by default: no friend circles). Fraud accounts keep them as camouflage.
    friend_circle_size
        Mean size of the friend circles (groups of users of mostly one region); one
        transfer in seven goes to an acquaintance outside the circle.
    borrowed_device_share
        Share of friend transfers sent from the receiving friend's phone (0 by default).
    transfer_cards
        Transfers carry the sender's funding card, as in a peer-to-peer app (``False`` by
        default: transfers have no card).
    family_card_share
        Share of households with a family card that funds half their members' friend
        transfers (0 by default; with ``transfer_cards`` only): honest card sharing.

    Examples
    --------
    >>> WorldConfig().fraud_share
    0.02
    >>> config = WorldConfig.preset("p2p", fraud_share=0.01)
    >>> config.fraud_share, config.transfers_per_user, config.label_delay_days
    (0.01, 8.0, 30)
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
    solo_fraud_share: float = 0.0
    label_delay_days: int = 0
    transfers_per_user: float = 0.0
    friend_circle_size: float = 6.0
    borrowed_device_share: float = 0.0
    transfer_cards: bool = False
    family_card_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("fraud_share", "camouflage", "missing_label_share", "household_share", "local_share",
                     "heavy_user_share", "spree_share", "transfer_share", "solo_fraud_share", "borrowed_device_share",
                     "family_card_share"):
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
        if not 0 <= self.label_delay_days <= self.days:
            raise ValueError(f"label_delay_days must be between 0 and days ({self.days}), got {self.label_delay_days}")
        if self.transfers_per_user < 0:
            raise ValueError(f"transfers_per_user must be >= 0, got {self.transfers_per_user}")
        if self.friend_circle_size < 2:
            raise ValueError(f"friend_circle_size must be >= 2, got {self.friend_circle_size}")
        if not isinstance(self.transfer_cards, bool):
            raise TypeError(f"transfer_cards must be true or false, got {self.transfer_cards!r}")

    @classmethod
    def preset(cls, name: str, **overrides) -> WorldConfig:
        """The settings of a named regime (:data:`PRESETS`), with ``overrides`` on top.

        Raises
        ------
        ValueError
            ``name`` is not a preset (the known ones are named), or an override is out of range.

        Examples
        --------
        >>> WorldConfig.preset("p2p").ring_mix
        {'mule_network': 0.4, 'cash_out': 0.6}
        """
        if name not in PRESETS:
            raise ValueError(f"unknown regime {name!r}; known: {', '.join(PRESETS)}")
        return cls(**{**copy.deepcopy(PRESETS[name]), **overrides})

    @classmethod
    def from_file(cls, path: str | Path, *, base: WorldConfig | None = None) -> WorldConfig:
        """Read a JSON file whose keys are a subset of the parameters.

        The settings the file leaves out are those of ``base`` (the defaults when ``None``).

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
            return replace(base, **data) if base is not None else cls(**data)
        except (TypeError, ValueError, AttributeError) as e:  # a value of the wrong type, or out of range
            raise InputError(f"{path}: bad generator settings: {e}") from e

    def to_dict(self) -> dict:
        """The settings as plain JSON-ready values."""
        return asdict(self)
