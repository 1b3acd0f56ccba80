"""The ``//`` header of a query file: its records and its parser.

The header format (title, purpose, ``Parameters:``, ``Example:``) is documented in
:mod:`graphrisk.queries`; :func:`parse_query` enforces it.

Examples
--------
>>> info = parse_query("// Users\\n//\\n// How many.\\n//\\n// Parameters:\\n//   (none)\\n//\\n"
...                    "// Example:\\n//   graphrisk query users\\nMATCH (n:User) RETURN count(n) AS n", "users")
>>> info.title, info.purpose, info.example
('Users', 'How many.', 'graphrisk query users')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphrisk.errors import InputError
from graphrisk.queries.entities import ENTITY_LOOKUPS
from graphrisk.queries.scan import used_parameters
from graphrisk.queries.values import PARAMETER_TYPES, convert_value

__all__ = ["QueryParameter", "QueryInfo", "parse_query"]


@dataclass(frozen=True)
class QueryParameter:
    """One ``$parameter`` of a query, as declared in its header.

    Attributes
    ----------
    name
        Name without the ``$``.
    type
        One of :data:`~graphrisk.queries.values.PARAMETER_TYPES`.
    description
        What it means, with its ``(required)``/``(optional)``/``(default ...)`` tag.
    required
        The query cannot run without it.
    default
        The typed default (``None`` for required or optional parameters).
    must_exist
        The kind of entity the value names (``ring``, ``user``) when the description carries
        ``(must exist: KIND)``: the value is looked up before the query runs
        (:func:`~graphrisk.queries.entities.check_entities`); ``None`` otherwise.
    choices
        The values it takes when the description carries ``(one of: a, b, c)`` (each item of
        a list, for ``LIST<STRING>``); any other value is refused before the query runs.
        Empty: any value of its type.
    """

    name: str
    type: str
    description: str
    required: bool
    default: Any = None
    must_exist: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryInfo:
    """A query file: its header, read, and its text.

    Attributes
    ----------
    name
        File name without ``.cypher``.
    title
        One line.
    purpose
        What the query answers and how (may be several lines).
    parameters
        Declared parameters, in header order.
    example
        Command line(s) showing a use.
    text
        The whole file, header included (Neo4j ignores the comments).
    """

    name: str
    title: str
    purpose: str
    parameters: tuple[QueryParameter, ...]
    example: str
    text: str

    def parameter(self, name: str) -> QueryParameter:
        """The declared parameter ``name``.

        Raises
        ------
        InputError
            The query has no such parameter; the message lists its parameters (a ``ValueError`` too).
        """
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise InputError(f"query {self.name!r} has no parameter {name!r}; its parameters: {known}")


_PARAMETER_LINE = re.compile(r"^\s{2,}\$(\w+)\s+(\S+)\s+(\S.*)$")
_TAG = re.compile(r"\((required|optional|default\s+([^)]*))\)\s*$")
_MUST_EXIST = re.compile(r"\(must exist:\s*([^)]*?)\s*\)")
_ONE_OF = re.compile(r"\(one of:\s*([^)]*?)\s*\)")


def _header_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        lines.append(stripped[2:].rstrip()[1:] if stripped[2:3] == " " else stripped[2:].rstrip())
    return lines


def _sections(lines: list[str], name: str) -> dict[str, list[str]]:
    """Split header lines into title, purpose, parameters and example."""
    sections: dict[str, list[str]] = {"title": lines[:1], "purpose": [], "parameters": [], "example": []}
    current = "purpose"
    for line in lines[1:]:
        key = line.strip().lower()
        if key in ("parameters:", "example:", "examples:"):
            current = "parameters" if key == "parameters:" else "example"
            continue
        sections[current].append(line)
    if not sections["title"] or not sections["title"][0].strip():
        raise InputError(f"query {name!r}: the header must start with a '// <title>' line")
    return sections


def _parse_parameters(lines: list[str], name: str) -> tuple[QueryParameter, ...]:
    raw: list[list[str]] = []  # [name, type, description]
    indent = 0  # of the last parameter line; its continuation lines are indented further
    for line in lines:
        if not line.strip() or line.strip() == "(none)":
            continue
        match = _PARAMETER_LINE.match(line)
        if match:
            raw.append(list(match.groups()))
            indent = len(line) - len(line.lstrip())
        elif raw and len(line) - len(line.lstrip()) >= indent + 4:
            raw[-1][2] += " " + line.strip()
        else:
            raise InputError(f"query {name!r}: cannot read the parameter line {line.strip()!r} "
                             "(expected '$name TYPE description (required|optional|default VALUE)')")
    parameters = []
    for pname, ptype, description in raw:
        if ptype not in PARAMETER_TYPES:
            raise InputError(f"query {name!r}: parameter ${pname} has unknown type {ptype!r} "
                             f"(known: {', '.join(PARAMETER_TYPES)})")
        tag = _TAG.search(description)
        if tag is None:
            raise InputError(f"query {name!r}: parameter ${pname} must end its description with "
                             "(required), (optional) or (default VALUE)")
        default = None
        if tag.group(2) is not None:
            try:
                default = convert_value(tag.group(2).strip(), ptype, pname)
            except ValueError as e:
                raise InputError(f"query {name!r}: bad default: {e}") from e
        must_exist = _must_exist(description, pname, name)
        one_of = _ONE_OF.search(description)
        choices = tuple(c.strip() for c in one_of.group(1).split(",") if c.strip()) if one_of else ()
        parameters.append(QueryParameter(pname, ptype, description, tag.group(1) == "required", default, must_exist,
                                         choices))
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise InputError(f"query {name!r}: a parameter is declared twice ({', '.join(names)})")
    return tuple(parameters)


def _must_exist(description: str, parameter: str, name: str) -> str | None:
    """The entity kind of a ``(must exist: KIND)`` tag, checked against the known kinds."""
    tags = _MUST_EXIST.findall(description)
    if not tags:
        return None
    if len(tags) > 1 or tags[0] not in ENTITY_LOOKUPS:
        raise InputError(f"query {name!r}: parameter ${parameter}: '(must exist: KIND)' takes one of "
                         f"{', '.join(sorted(ENTITY_LOOKUPS))}, got {', '.join(map(repr, tags))}")
    return tags[0]


def _paragraph(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def parse_query(text: str, name: str, *, strict: bool = True) -> QueryInfo:
    """Read the header of a query file.

    Parameters
    ----------
    text
        The whole ``.cypher`` file.
    name
        Its name (used in messages and kept on the result).
    strict
        Require the full header (title, purpose, ``Parameters:``, ``Example:``) and
        that every declared parameter is used. With ``strict=False`` (custom files)
        only the parameters the Cypher uses must be declared.

    Returns
    -------
    QueryInfo

    Raises
    ------
    InputError
        The header is malformed, or a ``$parameter`` used by the Cypher is not declared
        (or, when strict, a declared one is not used). The message names the query.
        A ``ValueError`` too.

    Examples
    --------
    >>> info = parse_query("MATCH (n:User) RETURN count(n) AS users", "users", strict=False)
    >>> info.title, info.parameters
    ('users', ())
    """
    lines = _header_lines(text)
    if not lines:
        if strict:
            raise InputError(f"query {name!r} has no '//' header (title, purpose, Parameters:, Example:)")
        lines = [name]
    sections = _sections(lines, name)
    title, purpose = sections["title"][0].strip(), _paragraph(sections["purpose"])
    example = "\n".join(line.strip() for line in sections["example"] if line.strip())
    has_parameter_section = any(line.strip().lower() == "parameters:" for line in lines)
    if strict:
        missing = [what for what, ok in (("a purpose", bool(purpose)), ("a 'Parameters:' section", has_parameter_section),
                                         ("an 'Example:' section", bool(example))) if not ok]
        if missing:
            raise InputError(f"query {name!r}: the header lacks {', '.join(missing)}")
    parameters = _parse_parameters(sections["parameters"], name)
    used, declared = used_parameters(text), {p.name for p in parameters}
    if used - declared:
        raise InputError(f"query {name!r} uses undeclared parameters {', '.join(sorted('$' + p for p in used - declared))}: "
                         "declare them in a '// Parameters:' header section")
    if strict and declared - used:
        raise InputError(f"query {name!r} declares unused parameters {', '.join(sorted('$' + p for p in declared - used))}")
    return QueryInfo(name, title, purpose, parameters, example, text)
