"""Format detection, ``load`` and the ``CanonicalTables`` record."""

from __future__ import annotations

import pandas as pd
import pytest

import graphrisk.loaders as loaders
from graphrisk.errors import InputError
from graphrisk.loaders import FORMATS, CanonicalTables, detect_format, load

HANDBOOK = {"TRANSACTION_ID": [0], "TX_DATETIME": [pd.Timestamp("2018-04-01 00:00:31")], "CUSTOMER_ID": [596],
            "TERMINAL_ID": [3156], "TX_AMOUNT": [57.16], "TX_TIME_SECONDS": [31], "TX_TIME_DAYS": [0],
            "TX_FRAUD": [0], "TX_FRAUD_SCENARIO": [0]}
PAYSIM = "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud\n"
IEEE = "TransactionID,isFraud,TransactionDT,TransactionAmt,ProductCD,card1,card2,card3,card4,card5,card6,addr1\n"


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def xfraud_dir(tmp_path):
    folder = tmp_path / "xfraud"
    folder.mkdir()
    _file(folder, "annotation_publish.csv", "node_id,community_id,node_type_mask,label,is_target\n0,0,link,1,1\n1,0,node,,0\n")
    _file(folder, "masked_df_e.csv", "source,target,community_id\n0,1,0\n")
    return folder


def test_public_api():
    assert loaders.__all__ == ["load", "detect_format", "CanonicalTables", "FORMATS"]
    assert list(FORMATS) == ["handbook", "xfraud", "paysim", "ieee"]
    assert loaders.__doc__.startswith("Adapters from external formats")


def test_detects_each_format(tmp_path, xfraud_dir):
    pd.DataFrame(HANDBOOK).to_parquet(tmp_path / "handbook.parquet")
    assert detect_format(tmp_path / "handbook.parquet") == "handbook"
    assert detect_format(_file(tmp_path, "handbook.csv", ",".join(HANDBOOK) + "\n")) == "handbook"
    assert detect_format(_file(tmp_path, "PS_log.csv", PAYSIM)) == "paysim"
    assert detect_format(_file(tmp_path, "train_transaction.csv", IEEE)) == "ieee"
    assert detect_format(xfraud_dir) == "xfraud"
    assert detect_format(xfraud_dir / "masked_df_e.csv") == "xfraud"


def test_unknown_format_lists_the_known_ones(tmp_path):
    path = _file(tmp_path, "other.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(InputError) as error:
        detect_format(path)
    message = str(error.value)
    assert message.startswith(f"{path}: unknown input format; known formats: handbook (")
    assert all(f"{name} (" in message for name in FORMATS) and "\n" not in message


def test_unknown_format_hints(tmp_path):
    with pytest.raises(InputError, match=r"closest: paysim, missing isFraud\)"):
        detect_format(_file(tmp_path, "almost.csv", PAYSIM.replace(",isFraud", "")))
    with pytest.raises(InputError, match="looks like canonical transactions"):
        detect_format(_file(tmp_path, "tx.csv", "transaction_id,timestamp,user_id,amount\n"))
    with pytest.raises(InputError, match=r"a folder, but without annotation_publish.csv, masked_df_e.csv"):
        detect_format(tmp_path)
    with pytest.raises(InputError, match="file or folder not found"):
        detect_format(tmp_path / "nowhere.csv")
    with pytest.raises(InputError, match="unknown file type"):
        detect_format(_file(tmp_path, "data.json", "{}"))


def test_load_detects_or_obeys_the_format(tmp_path, xfraud_dir):
    path = _file(tmp_path, "log.csv", PAYSIM + "1,PAYMENT,9.5,C1,0,0,M9,0,0,0,0\n")
    assert load(path).transactions["merchant_id"].tolist() == ["M9"]
    assert load(xfraud_dir, format="xfraud").transactions["user_id"].tolist() == ["0:1"]
    with pytest.raises(InputError, match="missing columns TransactionID, TransactionDT"):
        load(path, format="ieee")
    with pytest.raises(ValueError, match=r"format must be 'auto' or one of handbook, xfraud, paysim, ieee; got 'csv'"):
        load(path, format="csv")
    with pytest.raises(ValueError, match="limit must be a positive number"):
        load(path, limit=0)


def test_canonical_tables_record():
    tx = pd.DataFrame({"transaction_id": ["t1", "t2"], "timestamp": [0, 0], "user_id": ["u1", "u2"],
                       "amount": [1.0, 2.0], "is_fraud": [0, 1]})
    labels = pd.DataFrame({"user_id": ["u1", "u2"], "is_fraud": [0, 1]})
    tables = CanonicalTables(tx, labels=labels)
    kwargs = tables.as_kwargs()
    assert list(kwargs) == ["transactions", "links", "users", "labels"] and kwargs["transactions"] is tx
    assert tables.describe() == "transactions 2 (fraud 1 = 50.00%), links -, users -, labels 2 (fraud 1 = 50.00%)"
    assert repr(tables) == f"CanonicalTables({tables.describe()})"
    with pytest.raises(AttributeError):
        tables.links = labels  # frozen
    with pytest.raises(TypeError, match="CanonicalTables.users must be a pandas DataFrame, got str"):
        CanonicalTables(tx, users="users.csv")
