"""Command-line text to typed query parameters.

The types a query header may declare are :data:`PARAMETER_TYPES`; how each is read
from the command line is tabulated in :mod:`graphrisk.queries`.

Examples
--------
>>> convert_value("0.5", "FLOAT", "min_score")
0.5
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from graphrisk.errors import InputError

if TYPE_CHECKING:  # the header module imports this one at run time
    from graphrisk.queries.header import QueryInfo

__all__ = ["PARAMETER_TYPES", "convert_value", "convert_parameters"]

#: The parameter types a header may declare.
PARAMETER_TYPES: tuple[str, ...] = ("STRING", "INTEGER", "FLOAT", "BOOLEAN", "DATETIME", "LIST<STRING>")

_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def convert_value(text: str, type_: str, name: str) -> Any:
    """One command-line value as the declared type.

    Raises
    ------
    InputError
        The text is not a value of that type; the message names the parameter (a
        ``ValueError`` too).
    ValueError
        ``type_`` is not one of :data:`PARAMETER_TYPES`.

    Examples
    --------
    >>> convert_value("2024-03-01", "DATETIME", "since")
    datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> convert_value(" device, card ", "LIST<STRING>", "types")
    ['device', 'card']
    """
    value = text.strip()
    try:
        if type_ == "STRING":
            return text
        if type_ == "INTEGER":
            return int(value)
        if type_ == "FLOAT":
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
            return number
        if type_ == "BOOLEAN":
            if value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            raise ValueError(value)
        if type_ == "DATETIME":
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
        if type_ == "LIST<STRING>":
            return [item.strip() for item in text.split(",") if item.strip()]
    except ValueError as e:
        hint = {"INTEGER": "a whole number such as 50", "FLOAT": "a number such as 0.5",
                "BOOLEAN": "true or false", "DATETIME": "an ISO 8601 date or date-time such as 2024-03-01"}
        raise InputError(f"parameter {name}: expected {hint[type_]}, got {text!r}") from e
    raise ValueError(f"parameter {name}: unknown type {type_!r} (known: {', '.join(PARAMETER_TYPES)})")


def convert_parameters(info: QueryInfo, values: Mapping[str, str]) -> dict[str, Any]:
    """Typed query parameters from command-line strings.

    Every declared parameter gets a value: the converted one given, else the header's
    default (``None`` for optional parameters). An empty string means "not given".

    Parameters
    ----------
    info
        The query (from :func:`~graphrisk.queries.describe_query` or
        :func:`~graphrisk.queries.header.parse_query`).
    values
        ``{name: text}`` as typed after ``--param name=text``.

    Returns
    -------
    dict
        ``{name: value}`` for every declared parameter, ready for ``runner.read``.

    Raises
    ------
    InputError
        An unknown parameter, a missing required one, or a value that is not of the
        declared type; the message names the parameter (a ``ValueError`` too).
    TypeError
        A value is not a string.

    Examples
    --------
    >>> from graphrisk.queries import describe_query
    >>> info = describe_query("shared_identifiers")
    >>> convert_parameters(info, {"user_id": "u5"})
    {'user_id': 'u5', 'max_hub': 50}
    >>> convert_parameters(info, {"user_id": "u5", "max_hub": "many"})
    Traceback (most recent call last):
    ...
    graphrisk.errors.InputError: parameter max_hub: expected a whole number such as 50, got 'many'
    """
    for key in values:
        info.parameter(key)  # unknown -> InputError listing the known ones
    converted: dict[str, Any] = {}
    for parameter in info.parameters:
        text = values.get(parameter.name)
        if text is not None and not isinstance(text, str):
            raise TypeError(f"parameter {parameter.name}: expected the text of a value, got {type(text).__name__}")
        if text is None or not text.strip():
            if parameter.required:
                raise InputError(f"query {info.name!r} needs --param {parameter.name}=... "
                                 f"({parameter.type}: {parameter.description})")
            converted[parameter.name] = parameter.default
        else:
            converted[parameter.name] = convert_value(text, parameter.type, parameter.name)
            _check_choice(parameter.name, converted[parameter.name], parameter.choices)
    return converted


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Refuse a value (or a list item) outside ``choices``: a filter that cannot match must not answer "no rows"."""
    if not choices:
        return
    for item in value if isinstance(value, list) else [value]:
        if item not in choices:
            raise InputError(f"parameter {name}: expected one of {', '.join(choices)}, got {item!r}")
