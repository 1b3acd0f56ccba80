"""Reading the graph back from Neo4j gives the same graph, and so the same features, as the files."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from graphrisk import build_graph, compute_features
from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.store.loader import load_graph
from graphrisk.store.reader import read_graph
from graphrisk.synth import generate_world

pytestmark = pytest.mark.integration


def test_sample_reads_back_identically(runner, sample_paths):
    graph = build_graph(**sample_paths)[0]
    load_graph(runner, graph, keep_transactions=True)
    back = read_graph(runner)
    for name in ("paid", "sent", "used", "merchants", "labels"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(graph, name), check_dtype=True, obj=name)
    for kind in IDENTIFIER_TYPES:
        pd.testing.assert_frame_equal(back.identifiers[kind], graph.identifiers[kind], obj=kind)
    assert back.users["user_id"].tolist() == graph.users["user_id"].tolist()
    assert back.users.set_index("user_id").loc["u5"].to_dict() == {"account_age_days": 3.0, "country": "NG"}
    assert len(back.transactions) == 12


def test_features_from_files_and_from_neo4j_are_identical(runner):
    world = generate_world(800, seed=9)
    graph = build_graph(world.transactions, world.links, world.users)[0]
    load_graph(runner, graph, keep_transactions=True)
    from_files = compute_features(graph, seed=2)
    from_neo4j = compute_features(read_graph(runner), seed=2)
    pd.testing.assert_frame_equal(from_neo4j, from_files, check_index_type=False)


def test_reading_back_logs_no_server_notification(runner, sample_paths):
    """Reading a graph whose properties are not all there (no fraud labels, no transactions) stays quiet.

    The handler sits on the driver's notification logger itself: the CLI's log setup (run
    by earlier tests in this process) stops ``neo4j`` records from reaching the root logger,
    where pytest's ``caplog`` would listen.
    """
    graph = build_graph(sample_paths["transactions"], sample_paths["links"], sample_paths["users"])[0]
    load_graph(runner, graph)
    heard: list[logging.LogRecord] = []
    listener = logging.Handler(level=logging.DEBUG)
    listener.emit = heard.append
    logger = logging.getLogger("neo4j.notifications")
    old_level = logger.level
    logger.addHandler(listener)
    logger.setLevel(logging.DEBUG)
    try:
        read_graph(runner)
    finally:
        logger.removeHandler(listener)
        logger.setLevel(old_level)
    assert heard == [], heard[0].getMessage()[:300]
