"""The stacked head: gradient boosting over the GNN's user embeddings and its own logit.

The pattern of NVIDIA's financial-fraud blueprint: a GNN learns user embeddings from the
graph, then gradient boosting (LightGBM) scores users from those embeddings. Here its
inputs are the user's embedding after every round of message passing (round 0 is the
user's own inputs, graph features and tabular statistics, through the network's input
layer; later rounds add its neighbourhood) and the GNN's logit, so the trees can keep
what the network learned and correct it where splits on single coordinates do better.

The booster is kept as LightGBM's own text model format (no pickled objects), inside the
model directory's ``model.json``. :class:`~graphrisk.model.RiskDetector` fits it on the
training users and keeps it only when the validation users prefer it (``head="auto"``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["StackedHead", "HEAD_ROUNDS"]

#: Boosting rounds of the head (learning rate 0.05, early stopping is the GNN's job).
HEAD_ROUNDS = 300


class StackedHead:
    """LightGBM on ``[embedding rounds..., gnn logit]`` per user.

    Parameters
    ----------
    seed
        Seed of the booster's bagging and feature sampling.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 5))
    >>> y = (x[:, 0] + 0.3 * rng.normal(size=400) > 1.0).astype(int)
    >>> head = StackedHead(seed=0).fit(x, y)
    >>> margin = head.margin(x)
    >>> bool(margin[y == 1].mean() > margin[y == 0].mean())
    True
    >>> np.allclose(StackedHead.from_dict(head.to_dict()).margin(x), margin)
    True
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self._booster = None

    def _parameters(self, y: np.ndarray) -> dict:
        positives = max(int(y.sum()), 1)
        return {
            "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10,
            "feature_fraction": 0.5, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
            # rare fraud: the positive class weighs as much as the negatives, as in the GNN's loss
            "scale_pos_weight": min((len(y) - positives) / positives, 100.0),
            # one thread: LightGBM's OpenMP threads spin, and stalled for seconds beside torch's on 2 cores
            "seed": self.seed, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1,
        }

    def fit(self, features: np.ndarray, labels: np.ndarray) -> StackedHead:
        """Fit on ``features`` (one row per user) and 0/1 ``labels``."""
        import lightgbm

        labels = np.asarray(labels, dtype=np.float64)
        data = lightgbm.Dataset(np.asarray(features, dtype=np.float64), label=labels, free_raw_data=True)
        self._booster = lightgbm.train(self._parameters(labels), data, num_boost_round=HEAD_ROUNDS)
        return self

    def margin(self, features: np.ndarray) -> np.ndarray:
        """The booster's raw score (a logit) per row."""
        if self._booster is None:
            raise RuntimeError("StackedHead is not fitted")
        return np.asarray(self._booster.predict(np.asarray(features, dtype=np.float64), raw_score=True),
                          dtype=np.float64)

    def to_dict(self) -> dict:
        """JSON-ready state: the seed and the booster in LightGBM's text format."""
        if self._booster is None:
            raise RuntimeError("StackedHead is not fitted")
        return {"kind": "lightgbm", "seed": self.seed, "booster": self._booster.model_to_string()}

    @classmethod
    def from_dict(cls, state: dict) -> StackedHead:
        """A fitted head from :meth:`to_dict`.

        Raises
        ------
        ValueError
            Another kind of head, or a booster text LightGBM cannot read (damaged).
        """
        import lightgbm

        if state.get("kind") != "lightgbm":
            raise ValueError(f"unknown stacked head kind {state.get('kind')!r}")
        head = cls(seed=int(state.get("seed", 0)))
        try:
            head._booster = lightgbm.Booster(model_str=state["booster"])
        except lightgbm.basic.LightGBMError as e:
            raise ValueError(f"the stacked head's booster cannot be read: {str(e).strip()[:200]}") from None
        return head
