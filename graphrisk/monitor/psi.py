"""Population stability index: quantile bins from a reference sample, shares per bin, PSI."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["EPSILON", "quantile_edges", "bin_shares", "psi"]

#: Share given to an empty bin before taking logarithms (the usual PSI convention): a bin
#: empty in training that holds 1% of the scoring rows adds about 0.05 to the index.
EPSILON = 1e-4


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[np.isfinite(values)]


def quantile_edges(values, *, bins: int = 10) -> list[float]:
    """Inner bin edges at the reference sample's quantiles, ties merged, midway between values.

    Each decile (for ``bins=10``) of the sample is moved half way up to the next distinct
    value, and bins are closed on the right: bin ``i`` holds ``edges[i-1] < x <= edges[i]``,
    the first bin everything up to ``edges[0]`` and the last everything above ``edges[-1]``.
    So a point mass (70% zeros, a 0/1 flag, the page rank every isolated user shares) is one
    bin of its own, and it stays in that bin when it moves by a rounding error or a little
    (page rank depends on the size of the whole graph). A cut at the sample's maximum closes
    no bin (values above the training range count with the top bin), except for a constant
    feature: its edge is the constant itself, so any other value shows as a shift. Missing
    and infinite values are left out (they have a bin of their own in :func:`bin_shares`).

    Parameters
    ----------
    values
        The reference (training) sample.
    bins
        Number of quantile bins before ties are merged.

    Returns
    -------
    list of float
        Strictly increasing edges; empty when the sample has no finite value.

    Examples
    --------
    >>> quantile_edges(np.arange(100), bins=4)
    [24.5, 49.5, 74.5]
    >>> quantile_edges([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], bins=5)
    [0.5, 1.5]
    >>> quantile_edges([5.0, 5.0, 5.0])
    [5.0]
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    finite = _finite(values)
    if not len(finite):
        return []
    distinct = np.unique(finite)
    if len(distinct) == 1:
        return [float(distinct[0])]
    cuts = np.unique(np.quantile(finite, np.arange(1, bins) / bins, method="inverted_cdf"))
    cuts = cuts[cuts < distinct[-1]]
    above = distinct[np.searchsorted(distinct, cuts, side="right")]
    return [float(v) for v in np.unique(cuts + (above - cuts) / 2)]


def bin_shares(values, edges: Sequence[float]) -> np.ndarray:
    """Share of ``values`` in each bin of ``edges``, then the share missing (NaN or infinite).

    Returns ``len(edges) + 2`` shares summing to 1 (all zero for an empty sample).

    Examples
    --------
    >>> bin_shares([1.0, 2.0, 3.0, np.nan], [1.0, 2.0]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    values = np.asarray(values, dtype=np.float64)
    counts = np.zeros(len(edges) + 2, dtype=np.float64)
    finite = np.isfinite(values)
    if len(values):
        slots = np.searchsorted(np.asarray(edges, dtype=np.float64), values[finite], side="left")
        counts[: len(edges) + 1] = np.bincount(slots, minlength=len(edges) + 1)
        counts[-1] = float((~finite).sum())
        counts /= len(values)
    return counts


def psi(expected, actual, *, epsilon: float = EPSILON) -> float:
    """Population stability index ``sum((a - e) * ln(a / e))`` of two share vectors.

    Shares below ``epsilon`` (empty bins) are raised to it so the logarithm stays finite.

    Examples
    --------
    >>> round(psi([0.5, 0.5], [0.25, 0.75]), 4)
    0.2747
    >>> psi([0.2, 0.8], [0.2, 0.8])
    0.0
    """
    e = np.maximum(np.asarray(expected, dtype=np.float64), epsilon)
    a = np.maximum(np.asarray(actual, dtype=np.float64), epsilon)
    if e.shape != a.shape:
        raise ValueError(f"expected and actual need the same bins, got {e.shape} and {a.shape}")
    return float(np.sum((a - e) * np.log(a / e)))
