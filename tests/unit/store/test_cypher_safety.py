"""No value is ever formatted into Cypher text; the shipped deployment has no default secret.

A static scan of ``graphrisk/``, ``loaders/`` and ``queries/``:

* Python: every f-string, ``%`` formatting, ``.format(...)`` call and ``+`` concatenation
  (and ``+=``) whose literal text looks like Cypher is refused unless every value that
  enters the text is a name checked by :func:`graphrisk.store.cypher.name` (the allow-list
  of the fixed graph model), or a literal, or a variable bound only to those in the same
  function or module. Values must travel as ``$parameters`` instead.
* ``.cypher`` files: no Python-style placeholders (``{0}``, ``{name}``, ``{{``, ``%s``,
  ``${...}``). That every ``$parameter`` is declared in the file's header is checked by
  ``tests/unit/queries/test_query_headers.py`` (``test_parameters_used_and_declared_agree``).

Text "looks like Cypher" when it holds a clause (a keyword, in any case, followed by what
Cypher puts after it: ``MATCH (``, ``SET n.x =``, ``UNWIND $rows AS``, ``CALL {``...) or two
different clause keywords in capitals. (A keyword with any ``(``, ``:`` or ``$`` nearby is
too loose: "do not match the schema in model.json ({e})" and "Test set: {n} users" are
English.) What the scan cannot see: Cypher assembled with ``str.join``, read
from a file at run time, or a ``.format`` on a template it cannot resolve to a literal (an
attribute such as ``self._query``); none of these occur today.

Also: ``docker-compose.yml`` ships no default password and publishes ports on 127.0.0.1
only, and every ``torch.load`` passes ``weights_only=True``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("graphrisk", "loaders", "queries")

#: A Cypher clause: a keyword (any case) followed by what Cypher puts after it. Plain English
#: ("do not match the schema", "Test set: ...") has the keywords but not what follows them.
_CLAUSE = re.compile(
    r"\b(?:"
    r"(?:OPTIONAL\s+)?MATCH\s*\(|MERGE\s*\(|CREATE\s*(?:\(|CONSTRAINT\b|(?:RANGE\s+|TEXT\s+|POINT\s+)?INDEX\b)"
    r"|UNWIND\s+(?:\$|\[|\x00|\w+\s+AS\b)"
    r"|RETURN\s+(?:DISTINCT\b|\*|\w+\s*(?:\.\s*\w|\(|\s+AS\b))"
    r"|SET\s+\w+\s*(?:\.\s*\w+\s*\+?=|\+=|=\s*\{|:\w)"
    r"|DETACH\s+DELETE\b|DELETE\s+\w+\s*(?:$|[,}])"
    r"|CALL\s*(?:\(|\{|\w+(?:\.\w+)+\s*\()"
    r"|WHERE\s+(?:NOT\s+)?(?:EXISTS\s*\{|\w+:\w|\w+\.\w+\s*(?:=|<>|<|>|IS\b|IN\b|STARTS\b|ENDS\b|CONTAINS\b))"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
#: Clause keywords written in capitals, as Cypher is.
_UPPER_KEYWORDS = re.compile(r"\b(MATCH|MERGE|CREATE|RETURN|UNWIND|SET|DELETE|CALL|WHERE)\b")
#: Where a value enters the text (a formatted value, a ``+`` operand...).
_HOLE = "\x00"
#: The module whose ``name`` function is the allow-list.
_ALLOW_MODULE = "graphrisk.store.cypher"


def looks_like_cypher(text: str) -> bool:
    r"""A Cypher clause (any case), or two different clause keywords in capitals.

    Examples
    --------
    >>> looks_like_cypher("MATCH (n:\x00) RETURN n"), looks_like_cypher("match \x00 RETURN n")
    (True, False)
    >>> looks_like_cypher("the weights do not match the schema: \x00"), looks_like_cypher("Test set: \x00 users")
    (False, False)
    """
    return bool(_CLAUSE.search(text)) or len(set(_UPPER_KEYWORDS.findall(text))) >= 2


@dataclass(frozen=True)
class Finding:
    """One place where text that looks like Cypher is formatted."""

    path: str
    line: int
    snippet: str
    safe: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.snippet}"


_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_UNKNOWN = object()  # a binding whose value the scan does not follow (a parameter, a loop variable...)


class _Module:
    """One parsed module: parents, bindings per scope, and the names that mean ``cypher.name``."""

    def __init__(self, source: str, package: str) -> None:
        self.source = source
        self.tree = ast.parse(source)
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.bindings: dict[tuple[ast.AST, str], list[object]] = {}
        self.allow_modules: set[str] = set()  # local names bound to graphrisk.store.cypher
        self.allow_functions: set[str] = set()  # local names bound to graphrisk.store.cypher.name
        self.full_import = False  # ``import graphrisk.store.cypher``
        self._collect(package)

    def scope_of(self, node: ast.AST) -> ast.AST:
        node = self.parent.get(node)
        while node is not None and not isinstance(node, _SCOPES):
            node = self.parent.get(node)
        return node if node is not None else self.tree

    def _bind(self, target: ast.AST, value: object) -> None:
        if isinstance(target, ast.Name):
            self.bindings.setdefault((self.scope_of(target), target.id), []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind(element, _UNKNOWN)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, _UNKNOWN)

    def _collect(self, package: str) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value if isinstance(target, ast.Name) else _UNKNOWN)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                # ``q += x`` makes q depend on x: keep x as one more value of q
                self._bind(node.target, node.value)
            elif isinstance(node, ast.NamedExpr):
                self._bind(node.target, node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                self._bind(node.target, _UNKNOWN)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, _UNKNOWN)
            elif isinstance(node, ast.arguments):
                scope = self.parent[node]
                for arg in [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]:
                    if arg is not None:
                        self.bindings.setdefault((scope, arg.arg), []).append(_UNKNOWN)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.bindings.setdefault((self.scope_of(node), node.name), []).append(_UNKNOWN)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == _ALLOW_MODULE:
                        if alias.asname:
                            self.allow_modules.add(alias.asname)
                        else:
                            self.full_import = True
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                    module = ".".join([*base, module] if module else base)
                for alias in node.names:
                    local = alias.asname or alias.name
                    if f"{module}.{alias.name}" == _ALLOW_MODULE:
                        self.allow_modules.add(local)
                    elif module == _ALLOW_MODULE and alias.name == "name":
                        self.allow_functions.add(local)

    def lookup(self, name: ast.Name) -> list[object] | None:
        """The values bound to ``name`` in the nearest scope that binds it (``None``: not bound)."""
        scope: ast.AST | None = self.scope_of(name)
        while scope is not None:
            values = self.bindings.get((scope, name.id))
            if values:
                return values
            scope = self.scope_of(scope) if scope is not self.tree else None
        return None

    def is_allow_call(self, node: ast.AST) -> bool:
        """``cypher.name(...)`` with ``cypher`` imported from graphrisk.store (or ``name`` from it)."""
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in self.allow_functions
        if isinstance(func, ast.Attribute) and func.attr == "name":
            owner = func.value
            if isinstance(owner, ast.Name):
                return owner.id in self.allow_modules
            return self.full_import and ast.unparse(owner) == _ALLOW_MODULE
        return False

    def allowed(self, node: object, seen: frozenset = frozenset()) -> bool:
        """Whether every value in ``node`` is a literal or a checked name."""
        if node is _UNKNOWN or not isinstance(node, ast.AST):
            return False
        if isinstance(node, ast.Constant):
            return True
        if self.is_allow_call(node):
            return True
        if isinstance(node, ast.IfExp):
            return self.allowed(node.body, seen) and self.allowed(node.orelse, seen)
        if isinstance(node, ast.JoinedStr):
            return all(self.allowed(v.value, seen) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.allowed(node.left, seen) and self.allowed(node.right, seen)
        if isinstance(node, (ast.Tuple, ast.List)):
            return all(self.allowed(e, seen) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(self.allowed(v, seen) for v in node.values)
        if isinstance(node, ast.Name):
            if node in seen:
                return False
            values = self.lookup(node)
            return bool(values) and all(self.allowed(v, seen | {node}) for v in values)
        return False

    def text(self, node: object, seen: frozenset = frozenset()) -> str | None:
        """The literal text ``node`` evaluates to, with a hole where a value enters (``None``: not text)."""
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else _HOLE for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.text(node.left, seen), self.text(node.right, seen)
            if left is None and right is None:
                return None
            return (left or _HOLE) + (right or _HOLE)
        if isinstance(node, ast.IfExp):
            parts = [t for t in (self.text(node.body, seen), self.text(node.orelse, seen)) if t is not None]
            return "\n".join(parts) if parts else None
        if isinstance(node, ast.Name) and node not in seen:
            # every text the name may hold: a conservative union
            parts = [t for v in (self.lookup(node) or []) if (t := self.text(v, seen | {node})) is not None]
            return "\n".join(parts) if parts else None
        return None

    def snippet(self, node: ast.AST) -> str:
        line = self.source.splitlines()[node.lineno - 1].strip()
        return line if len(line) <= 120 else line[:117] + "..."


def _format_sites(module: _Module):
    """Yield ``(node, text, values)`` for every place where values are formatted into text."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.JoinedStr):
            if isinstance(module.parent.get(node), ast.FormattedValue):
                continue  # a format spec
            yield node, module.text(node), [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            text = module.text(node.left)
            if text is not None:
                right = node.right
                if isinstance(right, (ast.Tuple, ast.Dict)):
                    values = right.elts if isinstance(right, ast.Tuple) else right.values
                else:
                    values = [right]
                yield node, text, list(values)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            owner = node.func.value
            args = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(owner, ast.Name) and owner.id == "str" and node.args:
                yield node, module.text(node.args[0]), args[1:]
            else:
                yield node, module.text(owner), args
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parent = module.parent.get(node)
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add):
                continue  # judged once, at the top of the chain
            operands, stack = [], [node]
            while stack:
                item = stack.pop()
                if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
                    stack += [item.right, item.left]
                else:
                    operands.append(item)
            text = module.text(node)
            if text is not None:
                yield node, text, [o for o in operands if not isinstance(o, ast.Constant)]
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name):
            load = ast.Name(id=node.target.id, ctx=ast.Load())
            module.parent[load] = node  # look the name up in the statement's scope
            before = module.text(load)
            added = module.text(node.value)
            if before is not None or added is not None:
                yield node, (before or _HOLE) + (added or _HOLE), [node.value]


def scan_python(source: str, path: str = "<snippet>", package: str = "") -> list[Finding]:
    """Every Cypher-looking formatting site in ``source``; ``safe`` when all its values are allowed."""
    module = _Module(source, package)
    safe_by_line: dict[int, bool] = {}
    snippets: dict[int, str] = {}
    for node, text, values in _format_sites(module):
        if text is None or not looks_like_cypher(text):
            continue
        safe = all(module.allowed(v) for v in values)
        safe_by_line[node.lineno] = safe_by_line.get(node.lineno, True) and safe  # one unsafe site makes the line unsafe
        snippets.setdefault(node.lineno, module.snippet(node))
    return [Finding(path, line, snippets[line], safe_by_line[line]) for line in sorted(safe_by_line)]


def violations(source: str, path: str = "<snippet>", package: str = "") -> list[str]:
    return [str(f) for f in scan_python(source, path, package) if not f.safe]


def _package_files(suffix: str) -> list[Path]:
    return sorted(p for top in SCANNED for p in (ROOT / top).rglob(f"*{suffix}") if "__pycache__" not in p.parts)


def _package_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).parts[:-1])  # a module's package, or an __init__'s own
    top = {"loaders": ["graphrisk", "loaders"], "queries": ["graphrisk", "queries"]}.get(parts[0], [parts[0]])
    return ".".join(top + parts[1:])


def _scan_package() -> list[Finding]:
    found = []
    for path in _package_files(".py"):
        source = path.read_text(encoding="utf-8")
        found += scan_python(source, str(path.relative_to(ROOT)), _package_of(path))
    return found


# --- Python ---------------------------------------------------------------------------------------


def test_no_value_is_formatted_into_cypher():
    bad = [str(f) for f in _scan_package() if not f.safe]
    assert not bad, ("values formatted into Cypher (pass them as $parameters; names through cypher.name):\n"
                     + "\n".join(bad))


def test_the_scan_sees_the_query_builders_that_exist():
    """The scan is not vacuous: it finds today's name-only query builders and judges them safe."""
    sites = {(Path(f.path).name, f.safe) for f in _scan_package()}
    for module in ("constraints.py", "loader.py", "reader.py", "writeback.py"):
        assert (module, True) in sites, f"the scan no longer sees the query built in graphrisk/store/{module}"


@pytest.mark.parametrize(("module", "old", "new"), [
    ("reader.py", "rel_type=cypher.name(rel_type)", "rel_type=rel_type"),
    ("loader.py", "label=cypher.name(node.label), key", "label=node.label, key"),
    ("loader.py", "extra_set=extra,", "extra_set=extra + str(edges.columns),"),
    ("constraints.py", "FOR (n:{cypher.name(label)})", "FOR (n:{label})"),
    ("writeback.py", "key=cypher.name(node.key))", "key=str(kind))"),
])
def test_a_value_planted_in_real_code_is_found(module, old, new):
    path = ROOT / "graphrisk" / "store" / module
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{module} changed: update this test ({old!r})"
    line = source[: source.index(old)].count("\n") + 1
    found = violations(source.replace(old, new), f"graphrisk/store/{module}", "graphrisk.store")
    assert len(found) == 1 and found[0].startswith(f"graphrisk/store/{module}:"), found
    # reported on the line of the formatting call (which may start above the planted value)
    assert 0 <= line - int(found[0].split(":")[1]) <= 3


ALLOW = "from graphrisk.store import cypher\n"


@pytest.mark.parametrize("snippet", [
    # f-strings
    "runner.write(f\"MATCH (u:User {{user_id: '{uid}'}}) RETURN u\")",
    "q = f'match (n) where n.id = {x} return n'",
    "runner.read(f'MATCH (n:{label}) RETURN n')",
    ALLOW + "runner.read(f'MATCH (n:{cypher.name(label)}) WHERE n.id = {value} RETURN n')",
    # % formatting
    "q = \"MATCH (n) WHERE n.id = '%s'\" % x",
    "q = 'MATCH (n {id: %(id)s}) RETURN n' % {'id': x}",
    "q = 'UNWIND %s AS row MERGE (n:User {user_id: row})' % (ids,)",
    # .format
    "q = 'MATCH (n:{label}) RETURN n'.format(label=label)",
    "Q = 'MATCH (n:{}) RETURN n'\ndef f(label):\n    return Q.format(label)",
    "Q = 'MATCH (n:{}) RETURN n'\ndef f(label):\n    return str.format(Q, label)",
    ALLOW + "Q = 'MATCH (n:{label} {{id: {id}}}) RETURN n'\n"
            "def f(node, x):\n    return Q.format(label=cypher.name(node), id=x)",
    ALLOW + "Q = 'MATCH (n:{label}) RETURN n'\n"
            "def f(node, x):\n    label = cypher.name(node)\n    label = x\n    return Q.format(label=label)",
    ALLOW + "Q = 'MATCH (n:{label}) RETURN n'\ndef f(**kw):\n    return Q.format(**kw)",
    # concatenation
    "q = \"MATCH (n:\" + label + \") RETURN n\"",
    "q = 'MATCH (n) ' + 'WHERE n.id = ' + user_id",
    "HEAD = 'MATCH (u:User) WHERE u.user_id = '\ndef f(uid):\n    return HEAD + uid",
    "def f(uid):\n    q = 'MATCH (u:User) RETURN u '\n    q += 'WHERE u.id = ' + uid\n    return q",
    "def f(uid):\n    q = 'MATCH (u:User) WHERE u.user_id = '\n    q += uid\n    return q",
    # a look-alike ``cypher`` that is not graphrisk.store.cypher
    "import mylib as cypher\nrunner.write(f'MATCH (n:{cypher.name(x)}) RETURN n')",
    "from graphrisk.store import cypher\nrunner.write(f'MATCH (n:{cypher.label(x)}) RETURN n')",
])
def test_planted_violations_are_found(snippet):
    found = violations(snippet)
    assert found, f"not refused:\n{snippet}"
    assert all(re.fullmatch(r"<snippet>:\d+: .+", line) for line in found)


def test_a_violation_names_path_line_and_code():
    source = "x = 1\n\nrunner.write(f\"MATCH (u:User {{user_id: '{uid}'}}) RETURN u\")\n"
    assert violations(source, "graphrisk/store/bad.py") == [
        "graphrisk/store/bad.py:3: runner.write(f\"MATCH (u:User {{user_id: '{uid}'}}) RETURN u\")"
    ]


@pytest.mark.parametrize("snippet", [
    # names from the allow-list, in every form graphrisk uses
    ALLOW + "_Q = 'UNWIND $ids AS id MERGE (:{label} {{{key}: id}})'\n"
            "def f(node):\n    return _Q.format(label=cypher.name(node.label), key=cypher.name(node.key))",
    ALLOW + "def f(c, l, k):\n    runner.write(f'CREATE CONSTRAINT {cypher.name(c)} IF NOT EXISTS '\n"
            "                 f'FOR (n:{cypher.name(l)}) REQUIRE n.{cypher.name(k)} IS UNIQUE')",
    ALLOW + "_Q = 'MATCH (a)-[r:{rel}]->(b) SET r.x = 1{extra}'\n"
            "def f(rel, more):\n    extra = ', r.y = 2' if more else ''\n"
            "    return _Q.format(rel=cypher.name(rel), extra=extra)",
    ALLOW + "def f(node):\n    label = cypher.name(node)\n    return f'MATCH (n:{label}) RETURN n'",
    ALLOW + "def f(node):\n    label = cypher.name(node)\n    return 'MATCH (n:' + label + ') RETURN n'",
    "from graphrisk.store.cypher import name\ndef f(node):\n    return f'MATCH (n:{name(node)}) RETURN n'",
    "import graphrisk.store.cypher\ndef f(node):\n    return f'MATCH (n:{graphrisk.store.cypher.name(node)}) RETURN n'",
    "from . import cypher\ndef f(node):\n    return f'MATCH (n:{cypher.name(node)}) RETURN n'",
    # values as parameters
    "runner.write('MATCH (u:User {user_id: $id}) SET u.x = $x', {'id': uid, 'x': x})",
    "runner.autocommit('MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF $n ROWS', {'n': size})",
    # ordinary messages and text
    "raise StoreError(f'cannot reach Neo4j at {uri} ({type(e).__name__})')",
    "raise ValueError(f'batch_size must be >= 1, got {batch_size}')",
    "msg = f'{path}: missing required column {name!r} in {table} (found: {found})'",
    "msg = f'users are in rings missing from the rings table: {ids}'",
    "msg = f'{n} rings merged, {m} created; set a higher threshold to match more'",
    # the two messages a looser rule (a keyword plus any '(', ':' or '$') refused in graphrisk today
    "raise ModelError(f'{folder}: the weights do not match the schema in model.json '\n"
    "                 f'({str(e).splitlines()[0]})')",
    "def f(n, t):\n    text = f'Test set: {n} users'\n    text += f' Detector flag threshold: {t}.'\n    return text",
    "msg = 'set %d of %d' % (i, n)",
    "line = 'Return to ' + page",
    "text = f'{x:,.2f}' + ' ' + unit",
    "y = i % 2 + 3",
    "label = f'{name} (AUC-PR {score:.3f})'",
    "s = '{:,}'.format(n)",
    "q = 'MATCH (n) RETURN n'",  # literal Cypher, nothing formatted
    "q = 'MATCH (n) ' + 'RETURN n'",
])
def test_safe_code_passes(snippet):
    assert violations(snippet, package="graphrisk.store") == []


# --- .cypher files --------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|%[sdifr]\b|%\(\w+\)|\{\d*\}|\{[A-Za-z_]\w*(?:![rsa])?\}|\$\{")


def placeholders(text: str, path: str = "<cypher>") -> list[str]:
    """``path:line: line`` for each line holding a string-formatting placeholder."""
    return [f"{path}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if _PLACEHOLDER.search(line)]


def test_cypher_files_have_only_parameters():
    files = _package_files(".cypher")
    assert len(files) >= 12
    bad = [hit for path in files for hit in placeholders(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not bad, "string-formatting placeholders in .cypher files (use $parameters):\n" + "\n".join(bad)


@pytest.mark.parametrize(("text", "bad"), [
    ("MATCH (u:User {user_id: '{0}'}) RETURN u", True),
    ("MATCH (u:User) WHERE u.user_id = '%s' RETURN u", True),
    ("MATCH (u:{label}) RETURN u", True),
    ("MATCH (u:User {{user_id: $id}}) RETURN u", True),
    ("MATCH (u:User {user_id: '${id}'}) RETURN u", True),
    ("MATCH (u:User {user_id: $user_id}) RETURN u {.user_id, .risk_score}", False),
    ("MATCH (n) WHERE EXISTS { (n)--() } RETURN COUNT { (n)--() } AS degree, {a: 1, b: $b} AS map", False),
    ("MATCH (n) CALL (n) { RETURN 1 AS one } RETURN one, 100 * n.x % 7 AS r", False),
])
def test_placeholder_check(text, bad):
    assert bool(placeholders(text)) is bad


# --- docker-compose.yml ---------------------------------------------------------------------------

COMPOSE = ROOT / "docker-compose.yml"
_SECRET_KEY = r"[\w.]*(?:PASSWORD|PASSWD|AUTH|SECRET|TOKEN)[\w.]*"


def _code_lines(text: str) -> list[tuple[int, str]]:
    """Non-comment, non-blank lines with their numbers (comments may show example commands)."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        code = re.sub(r"(^|\s)#.*$", "", line)
        if code.strip():
            out.append((number, code))
    return out


def _block(lines: list[tuple[int, str]], key: str) -> list[tuple[int, str]]:
    """The lines nested (by indentation) under every ``key:`` line."""
    out = []
    for i, (_, line) in enumerate(lines):
        if re.match(rf"^\s*{key}:\s*$", line):
            indent = len(line) - len(line.lstrip())
            for number, inner in lines[i + 1:]:
                if len(inner) - len(inner.lstrip()) <= indent:
                    break
                out.append((number, inner))
    return out


def compose_problems(text: str, path: str = "docker-compose.yml") -> list[str]:
    """Default or literal secrets, and ports published beyond 127.0.0.1, as ``path:line: reason``."""
    lines = _code_lines(text)
    problems = []

    auth = [(n, line) for n, line in lines if re.match(r"^\s*-?\s*NEO4J_AUTH\s*[:=]", line)]
    if len(auth) != 1:
        problems.append(f"{path}: expected one NEO4J_AUTH setting, found {len(auth)}")
    for number, line in auth:
        value = re.split(r"NEO4J_AUTH\s*[:=]\s*", line, maxsplit=1)[1].strip().strip("\"'")
        if not re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]+\}", value):
            problems.append(f"{path}:{number}: NEO4J_AUTH must be neo4j/${{NEO4J_PASSWORD:?message}}, got {value!r}")

    for number, line in lines:
        # ${VAR:-default}, ${VAR-default}, ${VAR:=default}: a default secret
        if re.search(rf"\$\{{{_SECRET_KEY}:?[-=]", line, re.IGNORECASE):
            problems.append(f"{path}:{number}: secret with a default value: {line.strip()}")
        setting = re.match(rf"^\s*-?\s*({_SECRET_KEY})\s*[:=]\s*(\S.*)$", line, re.IGNORECASE)
        if setting:
            value = setting.group(2).strip().strip("\"'")
            secret = value.split("/", 1)[1] if setting.group(1).upper().endswith("AUTH") and "/" in value else value
            if not re.fullmatch(r"\$\{\w+:\?[^}]*\}", secret) and secret.lower() not in ("false", "true"):
                problems.append(f"{path}:{number}: literal secret: {line.strip()}")
        for flag in re.finditer(r"(?:\s-p|--password)[ =]+(\S+)", line):
            if "$" not in flag.group(1):
                problems.append(f"{path}:{number}: literal password on a command line: {line.strip()}")
        if re.match(r"^\s*network_mode:\s*[\"']?host", line):
            problems.append(f"{path}:{number}: network_mode host publishes every port")

    ports = _block(lines, "ports")
    for number, line in ports:
        entry = line.strip().removeprefix("-").strip().strip("\"'")
        short = re.fullmatch(r"127\.0\.0\.1:\d+(-\d+)?:\d+(-\d+)?(/(tcp|udp))?", entry)
        long_ip = re.fullmatch(r"host_ip:\s*[\"']?127\.0\.0\.1[\"']?", entry)
        long_other = re.fullmatch(r"(target|published|protocol|mode|name|app_protocol):.*", entry)
        if not (short or long_ip or long_other):
            problems.append(f"{path}:{number}: port not bound to 127.0.0.1: {line.strip()}")
    published = sum(bool(re.search(r"\bpublished:", line)) for _, line in ports)
    if published > sum("host_ip" in line for _, line in ports):
        problems.append(f"{path}: a long-syntax port lacks host_ip: 127.0.0.1")
    return problems


def test_compose_ships_no_secret_and_listens_on_localhost_only():
    text = COMPOSE.read_text(encoding="utf-8")
    assert _block(_code_lines(text), "ports"), "docker-compose.yml publishes no ports: update this test"
    problems = compose_problems(text)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("old", "new"), [
    ('"neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"', '"neo4j/${NEO4J_PASSWORD:-password}"'),
    ('"neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"', '"neo4j/${NEO4J_PASSWORD}"'),  # empty when unset
    ('"neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"', "neo4j/letmein123"),
    ('"neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"', "none"),
    ('NEO4J_dbms_usage__report_enabled: "false"',
     'NEO4J_dbms_usage__report_enabled: "false"\n      NEO4J_PASSWORD: hunter2'),
    ('-p \\"$${NEO4J_AUTH#neo4j/}\\"', "-p secret"),
    ('"127.0.0.1:7687:7687"', '"7687:7687"'),
    ('"127.0.0.1:7474:7474"', '"0.0.0.0:7474:7474"'),
    ("    ports:\n", "    network_mode: host\n    ports:\n"),
])
def test_compose_check_finds_planted_problems(old, new):
    text = COMPOSE.read_text(encoding="utf-8")
    assert old in text, f"docker-compose.yml changed: update this test ({old!r})"
    assert compose_problems(text.replace(old, new)), f"not found: {new!r}"


# --- torch.load -----------------------------------------------------------------------------------


def unsafe_torch_loads(source: str, path: str = "<snippet>") -> list[str]:
    """``torch.load`` calls (or ``load`` imported from torch) without ``weights_only=True``."""
    tree = ast.parse(source)
    torch_names = {"torch"}
    load_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            torch_names |= {a.asname for a in node.names if a.name == "torch" and a.asname}
        elif isinstance(node, ast.ImportFrom) and node.module == "torch":
            load_names |= {a.asname or a.name for a in node.names if a.name == "load"}
    lines = source.splitlines()
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_load = (isinstance(func, ast.Attribute) and func.attr == "load" and isinstance(func.value, ast.Name)
                   and func.value.id in torch_names) or (isinstance(func, ast.Name) and func.id in load_names)
        if not is_load:
            continue
        weights_only = [k.value for k in node.keywords if k.arg == "weights_only"]
        if not (weights_only and isinstance(weights_only[0], ast.Constant) and weights_only[0].value is True):
            bad.append(f"{path}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return bad


def test_every_torch_load_is_weights_only():
    bad, seen = [], 0
    for path in _package_files(".py"):
        source = path.read_text(encoding="utf-8")
        if "load" in source and "torch" in source:
            seen += source.count("torch.load(")
            bad += unsafe_torch_loads(source, str(path.relative_to(ROOT)))
    assert seen >= 1, "no torch.load found: update this test"
    assert not bad, "torch.load without weights_only=True (unpickles code):\n" + "\n".join(bad)


@pytest.mark.parametrize(("snippet", "bad"), [
    ("import torch\nstate = torch.load(path)", True),
    ("import torch\nstate = torch.load(path, weights_only=False)", True),
    ("import torch as t\nstate = t.load(path, map_location='cpu')", True),
    ("from torch import load\nstate = load(path)", True),
    ("import torch\nstate = torch.load(path, map_location='cpu', weights_only=True)", False),
    ("import json\nstate = json.load(handle)", False),
])
def test_torch_load_check(snippet, bad):
    assert bool(unsafe_torch_loads(snippet)) is bad
