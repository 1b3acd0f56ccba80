"""The cold-start scorer (:mod:`graphrisk.unsupervised`) measured like the supervised detector.

AUC-PR, AUC-ROC, precision@k and ring recall with :func:`~graphrisk.evaluate.metrics.detection_metrics`,
and ring recall at the scorer's own flags. It lives here, not in :mod:`graphrisk.unsupervised`,
so that the scorer never imports the evaluation (nor the labels it reads).
"""

from __future__ import annotations

import pandas as pd

from graphrisk.evaluate.metrics import detection_metrics
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.unsupervised import ColdStartScorer

__all__ = ["evaluate_unsupervised"]


def evaluate_unsupervised(
    graph: TransactionGraph,
    truth: pd.Series,
    *,
    rings: pd.Series | None = None,
    inputs: dict[str, pd.DataFrame] | None = None,
    seed: int = 0,
    flag_policy: str | None = None,
) -> dict[str, float | int]:
    """Score ``graph`` without labels, then measure the scores against ``truth``.

    The labels are read only here, after scoring: the scorer never sees them.

    Parameters
    ----------
    graph
        The graph to score.
    truth
        ``user_id -> 0/1`` of the users to evaluate (all users of the graph, usually).
    rings
        ``user_id -> ring id`` (``""`` or missing outside a ring), for ring recall.
    inputs
        The node inputs when already computed (:func:`graphrisk.features.node_inputs.node_inputs`).
    seed, flag_policy
        Of :class:`~graphrisk.unsupervised.ColdStartScorer`.

    Returns
    -------
    dict
        :func:`~graphrisk.evaluate.metrics.detection_metrics` of the risk with top-k flags
        (k = fraudsters in ``truth``, as every system in ``graphrisk compare``), plus
        ``ring_recall_flagged`` and ``flagged``: ring recall and count at the scorer's own
        flags (``flag_policy``, by default the riskiest 1%), and ``rings_found``.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.synth import WorldConfig, generate_world
    >>> world = generate_world(1000, seed=1, config=WorldConfig(fraud_share=0.05))
    >>> graph, _ = build_graph(world.transactions, world.links, world.users)
    >>> labels = world.labels.set_index("user_id")
    >>> metrics = evaluate_unsupervised(graph, labels["is_fraud"], rings=labels["ring_id"].fillna(""))
    >>> sorted(metrics)[:3], metrics["flagged"]
    (['auc_pr', 'auc_roc', 'flagged'], 10)
    """
    result = ColdStartScorer(seed=seed, flag_policy=flag_policy).fit_score_users(graph, inputs=inputs, reasons=0)
    table = result.scores.set_index("user_id")
    metrics = detection_metrics(truth, table["risk_score"], rings=rings)
    own = detection_metrics(truth, table["risk_score"], flagged=table["flagged"], rings=rings)
    metrics["ring_recall_flagged"] = own["ring_recall"]
    metrics["flagged"] = int(table["flagged"].sum())
    metrics["rings_found"] = len(result.rings)
    return metrics
