"""Bad files stop every command with exactly one line on stderr: ``graphrisk <cmd>: error: ...``, status 1.

Wrong model directories for ``score`` (missing, empty, a manifest that is not JSON or not a
graphrisk model, weights that are garbage, truncated or pickled objects, weights or
features from another schema); damaged transactions files for ``load``, ``score`` and
``features`` (truncated or empty Parquet, empty CSV, a folder, a record with more fields
than the header); and a labels file for ``train``/``evaluate`` in which no row names a
known user (almost certainly the wrong file) next to one in which only some rows do (used,
with those rows in the rejects).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.synth import WorldConfig, generate_world

#: Small enough for a two-epoch model in a few seconds on 2 cores.
USERS = 300
TRAIN = ["--epochs", "2", "--hidden", "8", "--no-progress"]


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI and return its one error line, after checking the status and that nothing else went to stderr."""
    status = main(argv)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 1, err
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith(f"graphrisk {argv[0]}: error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def world_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate_world(USERS, seed=3, config=WorldConfig(fraud_share=0.1)).write(folder)
    return folder


@pytest.fixture(scope="module")
def model_dir(world_files, tmp_path_factory) -> Path:
    """A real (tiny) model directory, trained with the users table."""
    folder = tmp_path_factory.mktemp("model") / "model"
    status = main(["train", "--transactions", str(world_files / "transactions.csv"), "--users",
                   str(world_files / "users.csv"), "--labels", str(world_files / "labels.csv"), "--rejects",
                   str(folder.parent / "rejects.csv"), "--model", str(folder), *TRAIN])
    assert status == 0
    return folder


@pytest.fixture(autouse=True)
def _unreachable_neo4j(monkeypatch):
    """``load`` needs a URI before it reads input; nothing listens on port 1, and bad input stops it first."""
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.delenv("GRAPHRISK_CONFIG", raising=False)


# --- wrong model directories ----------------------------------------------------------------------


def _score(world_files: Path, model: Path, tmp_path: Path, *, users: bool = True) -> list[str]:
    argv = ["score", "--transactions", str(world_files / "transactions.csv"), "--model", str(model),
            "--out", str(tmp_path / "scores.csv"), "--rejects", str(tmp_path / "rejects.csv")]
    return argv + (["--users", str(world_files / "users.csv")] if users else [])


def _edit_manifest(change):
    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        change(manifest)
        (folder / "model.json").write_text(json.dumps(manifest), encoding="utf-8")
    return edit


def _truncate(share: float):
    def edit(folder: Path) -> None:
        data = (folder / "weights.pt").read_bytes()
        (folder / "weights.pt").write_bytes(data[: int(len(data) * share)])
    return edit


def _pickled_object(folder: Path) -> None:
    import torch

    torch.save({"weight": torch.zeros(2), "config": pd.Timestamp("2024-01-01")}, folder / "weights.pt")


def _not_tensors(folder: Path) -> None:
    import torch

    torch.save({"weight": [1, 2, 3]}, folder / "weights.pt")


def _write(name: str, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


DAMAGED = "cannot be loaded as weights: damaged or not a PyTorch weights file"
UNREADABLE = "model.json cannot be read"
INVALID = "model.json is incomplete or invalid"
MISMATCH = "the weights do not match the schema in model.json"

MODEL_DAMAGE = {
    "manifest not JSON": (_write("model.json", b"{not json"), UNREADABLE),
    "manifest not text": (_write("model.json", b"\xff\xfe\x00garbage"), UNREADABLE),
    "manifest of something else": (_write("model.json", b"[1, 2]"), "is not a graphrisk model manifest"),
    "newer format version": (_edit_manifest(lambda m: m.update(format_version=99)), "model format version 99"),
    "manifest without parameters": (_edit_manifest(lambda m: m.pop("params")), INVALID),
    "unknown operator": (_edit_manifest(lambda m: m["params"].update(conv="zzz")), INVALID),
    "manifest without encoder": (_edit_manifest(lambda m: m.pop("encoder")), INVALID),
    "format 1 without its scalers": (_edit_manifest(lambda m: m.update(format_version=1)), "(format 1) is incomplete"),
    "damaged drift profile": (_edit_manifest(lambda m: m["encoder"].update(profile={"features": 3})), INVALID),
    "no weights": (lambda folder: (folder / "weights.pt").unlink(), "has no weights.pt"),
    "empty weights": (_write("weights.pt", b""), DAMAGED),
    "garbage weights": (_write("weights.pt", bytes(range(256)) * 20), DAMAGED),
    "weights truncated to half": (_truncate(0.5), DAMAGED),
    "weights missing their last bytes": (_truncate(0.99), DAMAGED),
    "weights with pickled objects": (_pickled_object, "cannot be loaded as weights: it holds objects other than tensors"),
    "weights that are not tensors": (_not_tensors, "is not a state dict of tensors"),
    "weights of another width": (_edit_manifest(lambda m: m["params"].update(hidden=16)), MISMATCH),
    "weights of other relations": (_edit_manifest(lambda m: m["encoder"].update(edge_types=m["encoder"]["edge_types"][:1])),
                                   MISMATCH),
}


@pytest.mark.parametrize("damage", list(MODEL_DAMAGE))
def test_a_damaged_model_directory_is_one_line(damage, model_dir, world_files, tmp_path, capsys):
    edit, expected = MODEL_DAMAGE[damage]
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    edit(folder)
    line = one_line_error(capsys, _score(world_files, folder, tmp_path))
    assert expected in line and str(folder) in line
    assert not (tmp_path / "scores.csv").exists()


@pytest.mark.parametrize("where", ["missing", "empty folder", "a file"])
def test_a_model_path_that_is_no_model_directory_is_one_line(where, world_files, tmp_path, capsys):
    model = {"missing": tmp_path / "none", "empty folder": tmp_path / "empty", "a file": world_files / "users.csv"}[where]
    (tmp_path / "empty").mkdir()
    line = one_line_error(capsys, _score(world_files, model, tmp_path))
    assert line.endswith(f"{model} is not a graphrisk model directory (no model.json)")


def test_a_model_trained_on_other_features_is_one_line(model_dir, world_files, tmp_path, capsys):
    # trained with the users table's attributes; scored without them
    line = one_line_error(capsys, _score(world_files, model_dir, tmp_path, users=False))
    assert "the model was trained on another input schema" in line and "attr_" in line


def test_the_undamaged_model_scores(model_dir, world_files, tmp_path, capsys):
    """The damage above is what fails: the same directory, untouched, scores every user."""
    assert main(_score(world_files, model_dir, tmp_path)) == 0
    assert len(pd.read_csv(tmp_path / "scores.csv")) == USERS


# --- damaged transactions files -------------------------------------------------------------------


def _parquet_bytes(world_files: Path) -> bytes:
    frame = pd.read_csv(world_files / "transactions.csv", dtype=str, nrows=200)
    path = world_files / "sample.parquet"
    if not path.exists():
        frame.to_parquet(path)
    return path.read_bytes()


BAD_FILES = {
    "truncated Parquet": ("transactions.parquet", lambda data: data[: len(data) // 2], "cannot read the Parquet file"),
    "Parquet without its last bytes": ("transactions.parquet", lambda data: data[:-3], "cannot read the Parquet file"),
    "empty Parquet": ("transactions.parquet", lambda data: b"", "the file is empty (0 bytes)"),
    "empty CSV": ("transactions.csv", lambda data: b"", "the file is empty"),
    "Parquet named .csv": ("transactions.csv", lambda data: data, "cannot read the header"),
    "CSV named .parquet": ("transactions.parquet", lambda data: b"transaction_id,timestamp,user_id,amount\nt1,0,u1,5\n",
                           "cannot read the Parquet file"),
    "a record longer than the header": ("transactions.csv",
                                        lambda data: b"transaction_id,timestamp,user_id,amount\nt1,0,u1,5,\n",
                                        "a record has more fields than the header"),
    "an unclosed quote": ("transactions.csv", lambda data: b'transaction_id,timestamp,user_id,amount\nt1,0,"u1,5\n',
                          "cannot parse the CSV"),
}

COMMANDS = {
    "load": lambda tx, tmp: ["load", "--transactions", str(tx), "--no-progress"],
    "score": lambda tx, tmp: ["score", "--transactions", str(tx), "--model", str(tmp / "no-model-needed"),
                              "--out", str(tmp / "scores.csv")],
    "features": lambda tx, tmp: ["features", "--transactions", str(tx), "--out", str(tmp / "features.parquet"),
                                 "--no-progress"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("damage", list(BAD_FILES))
def test_a_damaged_transactions_file_is_one_line(command, damage, model_dir, world_files, tmp_path, capsys):
    name, make, expected = BAD_FILES[damage]
    path = tmp_path / name
    path.write_bytes(make(_parquet_bytes(world_files)))
    argv = COMMANDS[command](path, tmp_path)
    if command == "score":  # the model is checked first: give a good one
        argv[argv.index("--model") + 1] = str(model_dir)
    line = one_line_error(capsys, [*argv, "--rejects", str(tmp_path / "rejects.csv")])
    assert line.startswith(f"graphrisk {command}: error: {path}: ") and expected in line


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_folder_given_as_transactions_is_one_line(command, model_dir, tmp_path, capsys):
    folder = tmp_path / "transactions.csv"
    folder.mkdir()
    argv = COMMANDS[command](folder, tmp_path)
    if command == "score":
        argv[argv.index("--model") + 1] = str(model_dir)
    assert one_line_error(capsys, argv).endswith(f"{folder}: is a folder; expected a .csv or .parquet file")


# --- labels that name no known user ---------------------------------------------------------------


def _labelled(command: str, world_files: Path, labels: Path, tmp_path: Path) -> list[str]:
    argv = [command, "--transactions", str(world_files / "transactions.csv"), "--users", str(world_files / "users.csv"),
            "--labels", str(labels), "--rejects", str(tmp_path / "rejects.csv")]
    if command == "train":
        return [*argv, "--model", str(tmp_path / "model"), *TRAIN]
    return [*argv, "--out", str(tmp_path / "eval"), "--epochs", "2", "--hidden", "8"]


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_labels_that_name_no_known_user_are_one_line(command, world_files, tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("user_id,is_fraud,ring_id\nghost-1,1,R1\nghost-2,0,\n\"x'}) DETACH DELETE n //\",1,R1\n,1,\n",
                      encoding="utf-8")
    line = one_line_error(capsys, _labelled(command, world_files, labels, tmp_path))
    assert line == (f"graphrisk {command}: error: {labels}: no label row names a user of the other inputs (3 of 4 "
                    "rows have an unknown user_id, 1 rejected for other reasons); is this the labels file of these "
                    "transactions?")
    # the rows and their reasons are in the rejects file, as always
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["reason"].tolist() == ["empty user_id"] + ["unknown user_id (not in transactions, links or users)"] * 3
    assert not (tmp_path / "model").exists() and not (tmp_path / "eval").exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("user_id,is_fraud\n", "the labels file has no row"),
    ("user_id,is_fraud\nu1,maybe\n,1\n", "no usable label: every row was rejected (see the rejects file)"),
])
def test_labels_without_a_usable_row_are_one_line(text, expected, world_files, tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text(text, encoding="utf-8")
    line = one_line_error(capsys, _labelled("train", world_files, labels, tmp_path))
    assert line == f"graphrisk train: error: {labels}: {expected}"


def test_labels_with_some_unknown_users_are_used(world_files, tmp_path, capsys):
    known = pd.read_csv(world_files / "labels.csv", dtype=str, keep_default_na=False)
    ghosts = pd.DataFrame({"user_id": ["ghost-1", "ghost-2"], "is_fraud": ["1", "0"], "ring_id": ["", ""]})
    labels = tmp_path / "labels.csv"
    pd.concat([known[["user_id", "is_fraud", "ring_id"]], ghosts]).to_csv(labels, index=False)
    assert main(_labelled("train", world_files, labels, tmp_path)) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and (tmp_path / "model" / "weights.pt").is_file()
    summary = next(line for line in captured.out.splitlines() if line.startswith("labels "))
    assert summary.split()[1:4] == [f"{USERS + 2:,}", f"{USERS:,}", "2"]
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["record"].map(lambda r: json.loads(r)["user_id"]).tolist() == ["ghost-1", "ghost-2"]
