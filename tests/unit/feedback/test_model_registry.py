"""The model registry: versions copied in, metrics recorded, current marked, registry.json replaced atomically."""

from __future__ import annotations

import json
import os

import pytest

from graphrisk.errors import InputError, ModelError
from graphrisk.feedback import ModelRegistry
from graphrisk.model.persistence import model_version


def test_register_copies_the_model_once_under_its_version(fb_models, tmp_path):
    registry = ModelRegistry(tmp_path / "registry")
    version = registry.register(fb_models["good"], metrics={"auc_pr": 0.9}, data={"labels": "heldout.csv"})
    assert version == model_version(fb_models["good"])
    assert registry.path_of(version) == tmp_path / "registry" / "versions" / version
    assert model_version(registry.path_of(version)) == version
    assert registry.register(fb_models["good"]) == version  # again: the same version, metrics kept
    record = registry.versions()[version]
    assert record["metrics"] == {"auc_pr": 0.9} and record["data"] == {"labels": "heldout.csv"}
    assert record["source"] == str(fb_models["good"].resolve()) and record["threshold"] > 0
    assert registry.current() is None  # registering does not promote
    registry.set_current(version)
    assert registry.current() == version and registry.current_path() == registry.path_of(version)
    leftovers = [p.name for p in (tmp_path / "registry").rglob("*") if "partial" in p.name]
    assert leftovers == []


def test_a_promotion_is_refused_when_the_current_version_changed_meanwhile(fb_models, tmp_path):
    registry = ModelRegistry(tmp_path / "registry")
    good, weak = registry.register(fb_models["good"]), registry.register(fb_models["weak"])
    registry.set_current(good)
    started_with = registry.current()
    registry.set_current(weak)  # another compare promoted something while this one ran
    with pytest.raises(InputError, match="changed from .* while comparing"):
        registry.record_comparison(champion=fb_models["good"], challenger=fb_models["weak"],
                                   champion_metrics={"auc_pr": 0.9}, challenger_metrics={"auc_pr": 0.95},
                                   promote=True, reason="test", expected_current=started_with)
    assert registry.current() == weak and len(registry.read()["history"]) == 2


def test_a_failed_write_leaves_the_old_registry_whole(fb_models, tmp_path, monkeypatch):
    registry = ModelRegistry(tmp_path / "registry")
    good = registry.register(fb_models["good"])
    registry.register(fb_models["weak"])  # both copied already: the failure hits the registry.json rename
    registry.set_current(good)
    before = registry.file.read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        registry.record_comparison(champion=fb_models["good"], challenger=fb_models["weak"],
                                   champion_metrics={"auc_pr": 0.9}, challenger_metrics={"auc_pr": 0.95},
                                   promote=True, reason="test")
    monkeypatch.undo()
    assert registry.file.read_text() == before  # the old file, whole: never half-written
    assert registry.current() == good
    assert [p.name for p in (tmp_path / "registry").iterdir() if p.name.endswith(".partial")] == []


def test_nan_metrics_are_written_as_null(fb_models, tmp_path):
    registry = ModelRegistry(tmp_path / "registry")
    version = registry.register(fb_models["weak"], metrics={"auc_pr": 0.1, "ring_recall": float("nan")})
    content = json.loads(registry.file.read_text())  # strict JSON: no NaN
    assert content["versions"][version]["metrics"]["ring_recall"] is None


def test_bad_registry_and_model_inputs_are_one_line_errors(tmp_path):
    (tmp_path / "registry.json").write_text("{not json")
    with pytest.raises(InputError, match="registry.json: cannot be read"):
        ModelRegistry(tmp_path).current()
    with pytest.raises(ModelError, match="not a graphrisk model directory"):
        ModelRegistry(tmp_path / "other").register(tmp_path / "no-model")
    with pytest.raises(InputError, match="no version 'm-000000000000'"):
        ModelRegistry(tmp_path / "other").set_current("m-000000000000")
