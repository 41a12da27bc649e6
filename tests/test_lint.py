"""House conventions, checked (ruff and import-linter run before pytest in ``make test``).

Layer rules (rules pure, data_access without Streamlit, components/pages without SQL,
nothing in production importing tests) are import-linter contracts in pyproject.toml.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("app.py", "cli", "components", "data_access", "exports", "geodata", "pages", "rules")
MAX_LINES = 800


def production_files(exclude: tuple[str, ...] = ()) -> list[Path]:
    files: list[Path] = []
    for entry in PRODUCTION:
        path = ROOT / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [f for f in files if not any(part in exclude for part in f.relative_to(ROOT).parts)]


def test_no_production_module_over_800_lines():
    long = {str(f.relative_to(ROOT)): n for f in production_files(exclude=("migrations",))
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


# ---------------------------------------------------------------- access policy (roles)

ROLE_HOMES = ("rules/access.py", "rules/core/catalog.py")  # the policy and the role catalogue
NOT_A_ROLE = "# not a role"


def test_role_names_only_in_the_access_policy():
    """Who may do what is decided in rules/access.py alone: elsewhere, a string literal equal
    to a role code is a second policy in hiding, and a role compared with ``Role.X`` is one
    too. A word that only coincides with a role code (the «operador» column, a demo
    username) says so on its line: ``# not a role: why``."""
    import ast

    from rules.core.catalog import Role

    names = {role.value for role in Role}

    def role_member(node) -> bool:
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "Role")

    found = []
    for f in production_files():
        rel = f.relative_to(ROOT).as_posix()
        if rel in ROLE_HOMES:
            continue
        text = f.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and node.value in names and NOT_A_ROLE not in lines[node.lineno - 1]:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                operands += [e for o in operands if isinstance(o, ast.Set | ast.Tuple | ast.List) for e in o.elts]
                if any(role_member(o) for o in operands):
                    found.append(f"{rel}:{node.lineno}: compares with a Role: {ast.unparse(node)}")
    assert found == [], "ask rules.access (allowed, roles_for, reach) instead of naming roles"


# ---------------------------------------------------------------- data topics

UI_LAYERS = ("components", "pages", "exports")
# calls whose arguments are data topics: declaring, keying and bumping them is data_access's job
TOPIC_CALLS = {"cached", "cached_read", "reads", "topics_of", "bump", "version"}
VERSIONS_MODULE = "data_access.core.versions"


def ui_files() -> list[Path]:
    return [f for f in production_files() if f.relative_to(ROOT).parts[0] in UI_LAYERS]


def _call_name(node) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_no_topic_named_outside_data_access():
    """A cached read is keyed on the topics its query declares (``versions.reads``) and a
    write bumps them, both in data_access; a topic spelt in the UI is a key that can drift
    from the data it stands for. Flagged: ``cached_read`` (topics by hand), a topic literal
    passed to a cache/versions call, a ``*TOPICS*`` constant listing topics, and importing
    ``reads``/``bump``/``TOPICS`` into the UI."""
    from data_access.core.versions import TOPICS

    found = []
    for f in ui_files():
        rel = f.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Name | ast.Attribute | ast.alias):
                name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "name", None)
                if name == "cached_read":
                    found.append(f"{where}: cached_read (use cached(query) / cached(uses=...))")
            if isinstance(node, ast.ImportFrom) and node.module == VERSIONS_MODULE:
                found += [f"{where}: imports {a.name} from {VERSIONS_MODULE}" for a in node.names
                          if a.name in ("reads", "bump", "TOPICS")]
            if isinstance(node, ast.Call) and _call_name(node) in TOPIC_CALLS:
                found += [f"{where}: topic {c.value!r} in {_call_name(node)}(...)" for c in ast.walk(node)
                          if isinstance(c, ast.Constant) and c.value in TOPICS]
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and "TOPIC" in t.id.upper()
                                                    for t in node.targets):
                found += [f"{where}: topic {c.value!r} in a topics constant" for c in ast.walk(node.value)
                          if isinstance(c, ast.Constant) and c.value in TOPICS]
    assert found == [], "declare topics on the query (data_access: @versions.reads) and cache it with cached(query)"


def test_every_cached_read_is_built_at_import_and_keyed_on_declared_topics():
    """``cached`` is called only at module level of components (a page or an export never
    builds a cache), so importing components builds every cached read — and ``cached``
    refuses a query that declared no topics. Each one found is keyed on known topics."""
    import importlib

    from data_access.core.versions import TOPICS

    builders: dict[str, int] = {}
    found = []
    for f in ui_files():
        rel = f.relative_to(ROOT).as_posix()
        tree = ast.parse(f.read_text(encoding="utf-8"))
        bodies = [n.body for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)]
        in_function = {id(n) for body in bodies for stmt in (body if isinstance(body, list) else [body])
                       for n in ast.walk(stmt)}  # decorators run at import: only bodies count
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) == "cached":
                if not rel.startswith("components/"):
                    found.append(f"{rel}:{node.lineno}: cached(...) outside components")
                elif id(node) in in_function:
                    found.append(f"{rel}:{node.lineno}: cached(...) inside a function (build it at import)")
                else:
                    module = rel.removesuffix(".py").replace("/", ".")
                    builders[module] = builders.get(module, 0) + 1
    assert found == []

    for module_name in builders:
        module = importlib.import_module(module_name)  # raises if a cached query declared no topics
        values = list(vars(module).values())
        values += [v for d in values if isinstance(d, dict) for v in d.values()]
        wrappers = [v for v in values if callable(v) and hasattr(v, "__wrapped__") and hasattr(v, "topics")
                    and hasattr(v, "clear")]
        assert wrappers, f"{module_name} builds cached reads but none is a module attribute"
        for w in wrappers:
            assert w.topics and set(w.topics) <= set(TOPICS), f"{module_name}.{w.__name__}: {w.topics}"


# ---------------------------------------------------------------- CSV and Excel files

TABLE_WRITER = "exports/tables.py"  # the one writer that keeps typed text from running as a formula


def test_csv_and_excel_written_only_by_the_shared_table_writer():
    """A CSV or Excel file written anywhere but ``exports.tables`` would carry a typed
    ``=HYPERLINK(...)`` as a live formula: flagged are ``.to_csv(``, ``.to_excel(``,
    ``ExcelWriter`` and ``csv.writer``/``csv.DictWriter`` (also imported from ``csv``)."""
    found = []
    for f in production_files():
        rel = f.relative_to(ROOT).as_posix()
        if rel == TABLE_WRITER:
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        from_csv = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "csv"
                    for a in n.names}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name, func = _call_name(node), node.func
            if name in ("to_csv", "to_excel", "ExcelWriter"):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(func)}(...)")
            elif name in ("writer", "DictWriter") and isinstance(func, ast.Attribute) \
                    and isinstance(func.value, ast.Name) and func.value.id == "csv":
                found.append(f"{rel}:{node.lineno}: {ast.unparse(func)}(...)")
            elif isinstance(func, ast.Name) and func.id in from_csv & {"writer", "DictWriter"}:
                found.append(f"{rel}:{node.lineno}: {func.id}(...) from csv")
    assert found == [], "write tables with exports.tables (csv_bytes, csv_text, rows_csv_text, xlsx_bytes)"


TABLE_VIEW = "components/core/figures.py"  # data_table: the one st.dataframe, its text made inert


def test_tables_shown_only_through_the_inert_table_view():
    """``st.dataframe`` adds a toolbar "Download as CSV" that Streamlit writes in the browser
    without neutralising formulas, so a table shown any other way than ``data_table`` would
    hand a typed ``=HYPERLINK(...)`` to a spreadsheet as a live formula. Flagged: any
    ``.dataframe`` (``st.dataframe(``, ``col.dataframe(``, ``show = st.dataframe``) and
    ``from streamlit import dataframe``."""
    found = []
    for f in production_files():
        rel = f.relative_to(ROOT).as_posix()
        if rel == TABLE_VIEW:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "dataframe":
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("streamlit") \
                    and any(a.name == "dataframe" for a in node.names):
                found.append(f"{rel}:{node.lineno}: from {node.module} import dataframe")
    assert found == [], "show tables with components.core.figures.data_table"
