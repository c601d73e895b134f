"""What SQL a tenant scope lets through: one SELECT over the store's own tables.

The check reads the engine's own parse tree (`EXPLAIN AST`) rather than guessing from text, and
refuses anything that could escape the tenant filter or touch the host: several statements,
SETTINGS clauses, INTO OUTFILE, table functions other than number generators, tables of other
databases (also on the right of IN), and functions that reach storage, dictionaries, files,
the network or server settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UnsafeSql(ValueError):
    """SQL that a tenant scope refuses to run; the message says what was refused."""


#: table functions that read only what the query itself holds
SAFE_TABLE_FUNCTIONS = frozenset({"numbers", "numbers_mt", "zeros", "zeros_mt", "generateSeries", "values"})
_DENIED_FUNCTIONS = frozenset({"file", "fileCluster", "url", "urlCluster", "input", "view", "merge", "loop"})
_DENIED_PREFIXES = (
    "dict", "joinGet", "getSetting", "getServerSetting", "getMacro", "hasColumnInTable", "hasTable",
    "filesystem", "s3", "azure", "hdfs", "gcs", "oss", "remote", "cluster", "mysql", "postgres", "mongo",
    "redis", "sqlite", "odbc", "jdbc", "executable", "iceberg", "deltaLake", "hudi", "currentProfiles",
    "currentRoles", "enabledRoles", "defaultRoles", "getClientHTTPHeader",
)  # fmt: skip
_IN_FUNCTIONS = frozenset(
    {"in", "notIn", "globalIn", "globalNotIn", "nullIn", "notNullIn", "globalNullIn", "globalNotNullIn"}
)


def single_statement(sql: str) -> str:
    """The SQL without a trailing `;`; refuses a `;` anywhere else outside literals and comments."""
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            i += 1
            while i < n and sql[i] != ch:
                i += 2 if sql[i] == "\\" else 1
            i += 1
        elif sql.startswith("--", i) or ch == "#":
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == ";":
            rest = sql[i + 1 :]
            if rest.strip() and single_statement(rest).strip():
                raise UnsafeSql("only one statement may run in a tenant scope")
            return sql[:i]
        else:
            i += 1
    return sql


@dataclass
class _Node:
    label: str
    children: list[_Node] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.label.split(" ", 1)[0]

    @property
    def name(self) -> str:
        """The node's argument: a function, identifier or table name (may hold spaces)."""
        rest = self.label.split(" ", 1)[1] if " " in self.label else ""
        for marker in (" (alias ", " (children "):
            rest = rest.split(marker, 1)[0]
        return rest


def _tree(lines: list[str]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[tuple[int, _Node]] = []
    for line in lines:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip(" "))
        node = _Node(line.strip())
        while stack and stack[-1][0] >= depth:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(node)
        stack.append((depth, node))
    return roots


def _check_table(name: str, database: str) -> None:
    if any(c in name for c in " `'\"") or not name:
        raise UnsafeSql(f"table name {name!r} is not allowed in a tenant-scoped query")
    if "." in name and name.split(".", 1)[0] != database:
        raise UnsafeSql(f"table {name} is outside the store's database")


def _walk(node: _Node, database: str) -> None:
    kind = node.kind
    if kind == "Set":
        raise UnsafeSql("a SETTINGS clause is not allowed in a tenant-scoped query")
    if kind == "TableExpression" and node.children:
        child = node.children[0]
        if child.kind == "Function" and child.name not in SAFE_TABLE_FUNCTIONS:
            raise UnsafeSql(f"table function {child.name}() is not allowed in a tenant-scoped query")
        if child.kind == "TableIdentifier":
            _check_table(child.name, database)
    if kind == "Function":
        name = node.name
        if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES):
            raise UnsafeSql(f"function {name}() is not allowed in a tenant-scoped query")
        if name in _IN_FUNCTIONS and node.children and len(node.children[0].children) == 2:
            right = node.children[0].children[1]
            if right.kind in ("Identifier", "TableIdentifier"):
                _check_table(right.name, database)
    for child in node.children:
        _walk(child, database)


def check_ast(lines: list[str], database: str) -> None:
    """Refuse an `EXPLAIN AST` tree that is not one plain SELECT over the store's tables."""
    roots = _tree(lines)
    if len(roots) != 1 or roots[0].kind != "SelectWithUnionQuery":
        kind = roots[0].kind if roots else "nothing"
        raise UnsafeSql(f"only a single SELECT may run in a tenant scope, not {kind}")
    for child in roots[0].children:
        # the union's list of selects, and the FORMAT the client adds; INTO OUTFILE would be a Literal
        if child.kind not in ("ExpressionList", "Identifier"):
            raise UnsafeSql(f"{child.kind} clauses (such as INTO OUTFILE) are not allowed in a tenant-scoped query")
        _walk(child, database)
