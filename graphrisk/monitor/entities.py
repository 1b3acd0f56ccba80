"""Compact sets of entity ids: sorted 64-bit hashes, and the share of ids not in a set."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

__all__ = ["ID_HASH", "hash_ids", "new_share"]

#: Name of the id hash, stored with the hashes so another scheme is never compared with it.
ID_HASH = "blake2b-64"


def hash_ids(ids: Iterable) -> np.ndarray:
    """Sorted unique 64-bit BLAKE2b hashes of the ids (as text), as ``uint64``.

    Eight bytes per id instead of the id itself; two different ids share a hash with a
    chance of about ``n / 2**64``, nothing next to the shares reported. The hash is
    hashlib's, so it is the same on every machine, Python and library version.

    Examples
    --------
    >>> hashes = hash_ids(["U1", "U2", "U1"])
    >>> hashes.dtype.name, len(hashes)
    ('uint64', 2)
    """
    digest = b"".join(hashlib.blake2b(str(i).encode("utf-8"), digest_size=8).digest() for i in ids)
    return np.unique(np.frombuffer(digest, dtype="<u8").astype(np.uint64))


def new_share(known: np.ndarray, ids: Iterable) -> tuple[float, int]:
    """Share of the distinct ``ids`` whose hash is not in ``known`` (sorted hashes), and their number.

    Examples
    --------
    >>> new_share(hash_ids(["a", "b"]), ["a", "b", "c", "d"])
    (0.5, 4)
    >>> new_share(hash_ids(["a"]), [])
    (0.0, 0)
    """
    hashes = hash_ids(ids)
    if not len(hashes):
        return 0.0, 0
    known = np.asarray(known, dtype=np.uint64)
    seen = np.isin(hashes, known, assume_unique=True)
    return float((~seen).sum() / len(hashes)), int(len(hashes))
