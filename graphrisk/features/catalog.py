"""What every user feature means: name, family, meaning, graph it is computed on, cost."""

from __future__ import annotations

import pandas as pd

__all__ = ["FEATURES", "feature_table"]

_ID = "identifier projection"
_MERCH = "merchant projection"
_TX = "transactions"
_AGG = "aggregated edges"

#: (name, family, meaning, graph, cost); n users, m projection edges, t transactions.
FEATURES: list[tuple[str, str, str, str, str]] = [
    ("merchants", "structure", "distinct merchants paid", _AGG, "O(edges)"),
    ("payments", "structure", "payments to merchants", _AGG, "O(edges)"),
    ("sent_to", "structure", "distinct users sent money to", _AGG, "O(edges)"),
    ("received_from", "structure", "distinct users received money from", _AGG, "O(edges)"),
    ("devices", "structure", "distinct devices used (also cards, ips, emails, phones, addresses)", _AGG, "O(edges)"),
    ("users_per_identifier_max", "structure", "most users seen on one of the user's identifiers", _AGG, "O(edges)"),
    ("users_per_identifier_mean", "structure", "mean users per identifier of the user", _AGG, "O(edges)"),
    ("component_size", "structure", "size of the user's connected component", _ID, "O(n + m)"),
    ("core_number", "structure", "k-core number", _ID, "O(m)"),
    ("clustering", "structure", "local clustering coefficient", _ID, "O(m * degree)"),
    ("transfers_out", "flow", "transfers sent", _AGG, "O(edges)"),
    ("transfers_in", "flow", "transfers received", _AGG, "O(edges)"),
    ("amount_out", "flow", "amount sent by transfer", _AGG, "O(edges)"),
    ("amount_in", "flow", "amount received by transfer", _AGG, "O(edges)"),
    ("pass_through", "flow", "min(in, out) / max(in, out) of transfer amounts (1: forwards what it receives)", _AGG, "O(edges)"),
    ("repeat_transfer_share", "flow", "share of transfer partners with more than one transfer", _AGG, "O(edges)"),
    ("transfer_component_size", "flow", "accounts reachable through transfers either way", "transfer graph", "O(n + edges)"),
    ("louvain_community", "community", "Louvain community id (seeded; numbered by size)", _ID, "~O(m log n)"),
    ("louvain_size", "community", "members of the Louvain community", _ID, "~O(m log n)"),
    ("louvain_density", "community", "internal edges / possible pairs in the community", _ID, "O(m)"),
    ("louvain_weight_share", "community", "share of the user's edge weight inside its community", _ID, "O(m)"),
    ("label_propagation_size", "community", "size of the label-propagation community (second view)", _ID, "O(m)"),
    ("merchant_louvain_*", "community", "the four Louvain features on the merchant projection", _MERCH, "~O(m log n)"),
    ("pagerank", "centrality", "weighted PageRank", _ID, "O(m) per iteration"),
    ("betweenness", "centrality", "betweenness from k seeded sample sources (normalised)", _ID, "O(k m)"),
    ("eigenvector", "centrality", "eigenvector centrality within the user's component", _ID, "O(m) per iteration"),
    ("merchant_pagerank", "centrality", "weighted PageRank", _MERCH, "O(m) per iteration"),
    ("tx_count", "temporal", "transactions made", _TX, "O(t)"),
    ("amount_sum / _mean / _max / _std", "temporal", "amount statistics", _TX, "O(t)"),
    ("active_days", "temporal", "distinct days with a transaction", _TX, "O(t)"),
    ("velocity_per_day", "temporal", "transactions per day between first and last", _TX, "O(t)"),
    ("burstiness", "temporal",
     "(sd - mean) / (sd + mean) of the gaps between transactions, population sd (>= 3 tx; Goh and Barabasi 2008)",
     _TX, "O(t log t)"),
    ("age_at_first_tx_days", "temporal", "account age at the first transaction (users with account_age_days)", _TX, "O(t)"),
    ("coactive_payments", "temporal", "other payments at the same merchant within the window", _TX, "O(t log t)"),
    ("coactive_partners", "temporal", "distinct users co-active with the user (merchants <= hub cap)", _TX, "bounded by hub cap"),
    ("coactivity_concentration", "temporal", "share of co-activity with the most frequent partner", _TX, "bounded by hub cap"),
    ("quick_forward_share", "temporal", "share of outgoing transfers sent within 6 h after receiving one", _TX, "O(t log t)"),
    ("known_fraud_neighbor_share", "label", "share of neighbours with a training fraud label", _ID, "O(m)"),
    ("distance_to_known_fraud", "label", "hops to the nearest other training fraudster (cut at 7)", _ID, "O(n + m) per source"),
]


def feature_table() -> pd.DataFrame:
    """The catalogue as a DataFrame (name, family, meaning, graph, cost)."""
    return pd.DataFrame(FEATURES, columns=["name", "family", "meaning", "graph", "cost"])
