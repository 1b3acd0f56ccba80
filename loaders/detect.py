"""Recognise a supported format from its headers or folder layout, and load it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graphrisk.errors import InputError
from graphrisk.io.readers import read_columns
from graphrisk.io.schema import TRANSACTIONS
from graphrisk.loaders._read import check_limit
from graphrisk.loaders.handbook import HANDBOOK_COLUMNS, load_handbook
from graphrisk.loaders.ieee_cis import IEEE_COLUMNS, load_ieee_cis
from graphrisk.loaders.paysim import PAYSIM_COLUMNS, load_paysim
from graphrisk.loaders.tables import CanonicalTables
from graphrisk.loaders.xfraud import XFRAUD_FILES, load_xfraud

__all__ = ["FORMATS", "detect_format", "load"]

#: The supported formats: name -> what it looks like.
FORMATS: dict[str, str] = {
    "handbook": f"Fraud Detection Handbook transactions, a Parquet/CSV file with {', '.join(HANDBOOK_COLUMNS)}",
    "xfraud": f"xFraud eBay sample, a folder with {' and '.join(XFRAUD_FILES)}",
    "paysim": f"PaySim mobile money, a CSV/Parquet file with {', '.join(PAYSIM_COLUMNS)}",
    "ieee": f"IEEE-CIS transactions, a CSV/Parquet file with {', '.join(IEEE_COLUMNS)}",
}

_LOADERS: dict[str, Callable[..., CanonicalTables]] = {
    "handbook": load_handbook, "xfraud": load_xfraud, "paysim": load_paysim, "ieee": load_ieee_cis,
}
_HEADERS: dict[str, tuple[str, ...]] = {"handbook": HANDBOOK_COLUMNS, "paysim": PAYSIM_COLUMNS, "ieee": IEEE_COLUMNS}


def _unknown(path: Path, hint: str = "") -> InputError:
    known = "; ".join(f"{name} ({text})" for name, text in FORMATS.items())
    return InputError(f"{path}: unknown input format{hint}; known formats: {known}")


def detect_format(path: str | Path) -> str:
    """The name of the format of ``path`` (a key of :data:`FORMATS`), from its headers or layout.

    A folder holding the xFraud files (or one of those files) is ``xfraud``; a file is the
    format whose required columns it has.

    Raises
    ------
    InputError
        ``path`` does not exist, cannot be read, or matches no format; the message lists
        the known formats and, when one is close, the columns it lacks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = f.write_text("step,type,amount,nameOrig,oldbalanceOrg,nameDest,isFraud\\n")
    >>> detect_format(f)
    'paysim'
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file or folder not found")
    if path.is_dir() or path.name in XFRAUD_FILES:
        folder = path if path.is_dir() else path.parent
        missing = [name for name in XFRAUD_FILES if not (folder / name).is_file()]
        if not missing:
            return "xfraud"
        if path.is_dir():
            raise _unknown(path, f" (a folder, but without {', '.join(missing)})")
    columns = set(read_columns(path))
    for name, required in _HEADERS.items():
        if columns.issuperset(required):
            return name
    if columns.issuperset(TRANSACTIONS.required):
        raise _unknown(path, " (it looks like canonical transactions: pass it as --transactions or to build_graph)")
    name, required = max(_HEADERS.items(), key=lambda item: len(columns.intersection(item[1])) / len(item[1]))
    missing = [c for c in required if c not in columns]
    hint = f" (closest: {name}, missing {', '.join(missing)})" if len(missing) <= len(required) / 2 else ""
    raise _unknown(path, hint)


def load(path: str | Path, format: str = "auto", limit: int | None = None) -> CanonicalTables:
    """Read a file or folder in one of :data:`FORMATS` as canonical tables.

    Parameters
    ----------
    path
        The input file, or the folder for ``xfraud``.
    format
        ``"auto"`` (detect from headers or layout) or a key of :data:`FORMATS`.
    limit
        Read only the first ``limit`` transactions.

    Returns
    -------
    CanonicalTables
        Pass ``tables.as_kwargs()`` to :func:`graphrisk.build_graph`.

    Raises
    ------
    ValueError
        ``format`` is not ``"auto"`` or a known format, or ``limit`` is not positive.
    InputError
        The input is missing, unreadable, unrecognised, or lacks a column of its format.

    Examples
    --------
    >>> import tempfile, pathlib, graphrisk
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = f.write_text("step,type,amount,nameOrig,nameDest,isFraud\\n1,PAYMENT,9.5,C1,M9,0\\n")
    >>> tables = load(f)
    >>> graph, report = graphrisk.build_graph(**tables.as_kwargs())
    >>> report.rows_loaded, report.rows_rejected
    (2, 0)
    """
    if format != "auto" and format not in _LOADERS:
        raise ValueError(f"format must be 'auto' or one of {', '.join(FORMATS)}; got {format!r}")
    limit = check_limit(limit)
    name = detect_format(path) if format == "auto" else format
    return _LOADERS[name](path, limit=limit)
