"""House conventions, checked (ruff and import-linter run before pytest in ``make test``).

Layer rules (rules pure, data_access without Streamlit, components/pages without SQL,
nothing in production importing tests) are import-linter contracts in pyproject.toml.
"""

from __future__ import annotations

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
