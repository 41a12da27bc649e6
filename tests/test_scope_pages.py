"""Scope, pages × roles: every page of ``app.PAGES`` for every demo account allowed to see
it, run under AppTest on the demo store (SQLite and PostgreSQL). Every page runs through
the app shell without an exception or an error element; then

* for each comité regional account (Caribe — CAR — and Pacífico), nothing the page sends
  to the browser — texts, metrics, widget options, dataframes, chart specs (Plotly,
  Vega), custom-component arguments (the map), HTML, download payloads (CSV, Excel,
  PPTX) — contains a municipality code of another office, or a municipality name that
  exists only outside its office;
* for the operador account, nothing contains another operator's name or code;
* for the dirección de ruta básica account, nothing names a record of another route: a
  contract, business plan (all plans are of OPR routes), enrolment or ANS definition code
  outside básica, or an operator with no básica contract.

The page list is read from app.py, so new pages are covered as they land. The same
oracle checks every ``tablero`` command that has ``--as-user`` (table ``CLI_ARGS``).

What is scanned is the protobuf of every element (the exact payload the browser gets),
not the rendered pixels: a value drawn only inside a PNG (PPTX charts) is not read, but
the same figures are checked where the page draws them. PDF downloads are not decoded
(no PDF text extractor in the dependencies); the PPTX of the same pack is.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from components.core.navigation import PAGES as NAV_PAGES
from rules.intake.sheets import ENTITIES
from tests.apptest_utils import all_text, run_app

PAGES = NAV_PAGES
ACCOUNTS = {  # demo account → role
    "directivo": "directivo",
    "analista": "analista_pmo",
    "comite": "comite_regional",
    "comite_pac": "comite_regional",
    "operador": "operador",
    "admin": "admin",
    "direccion_basica": "direccion_ruta",
    "unidad_ejecutora": "unidad_ejecutora",  # not a role: username
    "direccion_tecnica": "direccion_tecnica",  # not a role: username
}
CASES = [(page, user) for page in PAGES for user, role in ACCOUNTS.items() if role in page.roles]

# Proto fields that carry identifiers or links, never data (random hex ids could look like codes).
SKIP_FIELDS = {"id", "form_id", "fragment_id", "deferred_file_id", "url", "element_id", "key",
               "component_name", "widget_id", "delta_path", "active_script_hash", "page_script_hash"}
SKIP_JSON_KEYS = {"uid"}  # plotly's random trace ids


# ------------------------------------------------------------------------------ oracle


@dataclass
class Oracle:
    """What a viewer must never see: codes and (unambiguous) names."""

    label: str
    codes: frozenset[str]
    names: re.Pattern | None
    code_pattern: re.Pattern = re.compile(r"(?<![0-9A-Za-z_])\d{5}(?![0-9A-Za-z_])")

    def find(self, text: str) -> set[str]:
        hits = {c for c in self.code_pattern.findall(text) if c in self.codes}
        if self.names is not None:
            hits |= set(self.names.findall(text))
        return hits


def _name_regex(names: Iterable[str]) -> re.Pattern | None:
    names = sorted(set(names), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


def _vocabulary(url: str, office_id: int | None) -> str:
    """Generic words a viewer legitimately reads (UI strings, people's and organisations'
    names, chain/service/ANS names, its own departments): a municipality name that occurs
    in them (e.g. «Colombia», «Suárez», «Restrepo») cannot be told apart from them."""
    from data_access.core.db import get_engine
    from data_access.core.models import (
        AllianceEvidence,
        AppUser,
        Department,
        Municipality,
        Operator,
        RegionalOffice,
        ServiceType,
        SlaDefinition,
        ValueChain,
    )
    from data_access.demo import vocabulary

    parts: list[str] = []
    for path in sorted((Path(__file__).resolve().parent.parent / "locales").glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")).values():
            parts.extend(str(v) for v in (entry.values() if isinstance(entry, dict) else [entry]))
    for value in vars(vocabulary).values():  # the demo's name pools (surnames, allies, operators' words)
        if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
            parts.extend(value)
        elif isinstance(value, dict):
            parts.extend(str(v) for v in value.values() if isinstance(v, str))
    cols = [Operator.name, ValueChain.name, ServiceType.name, SlaDefinition.name, SlaDefinition.description,
            RegionalOffice.name, AppUser.display_name, AllianceEvidence.ally_name]
    with get_engine(url).connect() as conn:
        for col in cols:
            parts.extend(str(v) for v in conn.execute(select(col).distinct()).scalars() if v)
        if office_id is not None:
            parts.extend(conn.execute(
                select(Department.name).where(Department.code.in_(
                    select(Municipality.department_code).where(Municipality.regional_office_id == office_id))
                )).scalars())
    return "\n".join(parts)


_ORACLES: dict[tuple[str, str], Oracle] = {}


def office_oracle(url: str, username: str) -> Oracle:
    """Codes of municipalities outside the account's office, and the names that exist only
    outside it (minus ambiguous generic words)."""
    key = (url, username)
    if key not in _ORACLES:
        from data_access.core.auth import viewer_for_username
        from data_access.core.db import get_engine
        from data_access.core.models import Municipality, RegionalOffice

        viewer = viewer_for_username(username, url=url)
        assert viewer is not None and viewer.regional_office_id is not None, username
        with get_engine(url).connect() as conn:
            rows = conn.execute(select(Municipality.code, Municipality.name, Municipality.regional_office_id)).all()
            office = conn.execute(select(RegionalOffice.code).where(
                RegionalOffice.id == viewer.regional_office_id)).scalar_one()
        inside_names = {n for _, n, o in rows if o == viewer.regional_office_id}
        outside = [(c, n) for c, n, o in rows if o != viewer.regional_office_id]
        # In-office names count as vocabulary: «El Carmen» is inside «El Carmen de Bolívar».
        vocabulary = _vocabulary(url, viewer.regional_office_id) + "\n" + "\n".join(sorted(inside_names))
        candidates = {n for _, n in outside if n not in inside_names}
        generic = _name_regex(candidates)
        ambiguous = set(generic.findall(vocabulary)) if generic else set()
        _ORACLES[key] = Oracle(
            label=f"{username} (oficina {office})",
            codes=frozenset(c for c, _ in outside),
            names=_name_regex(candidates - ambiguous),
        )
    return _ORACLES[key]


def operator_oracle(url: str, username: str) -> Oracle:
    key = (url, username)
    if key not in _ORACLES:
        from data_access.core.auth import viewer_for_username
        from data_access.core.db import get_engine
        from data_access.core.models import Operator

        viewer = viewer_for_username(username, url=url)
        assert viewer is not None and viewer.operator_id is not None, username
        with get_engine(url).connect() as conn:
            others = conn.execute(select(Operator.code, Operator.name).where(Operator.id != viewer.operator_id)).all()
        patterns = [c for c, _ in others] + [n for _, n in others]
        _ORACLES[key] = Oracle(label=f"{username} (operador {viewer.operator_id})", codes=frozenset(),
                               names=_name_regex(patterns))
    return _ORACLES[key]


def route_oracle(url: str, username: str) -> Oracle:
    """Codes of the records of other routes (contracts, plans, enrolments, ANS definitions) and
    the codes and names of operators without a contract on the account's route."""
    key = (url, username)
    if key not in _ORACLES:
        from data_access.core.auth import viewer_for_username
        from data_access.core.db import get_engine
        from data_access.core.models import BusinessPlan, Enrolment, Operator, OperatorContract, SlaDefinition

        viewer = viewer_for_username(username, url=url)
        assert viewer is not None and viewer.route is not None, username
        route = viewer.route
        with get_engine(url).connect() as conn:
            codes = set(conn.scalars(select(OperatorContract.code).where(OperatorContract.route != route)))
            codes |= set(conn.scalars(select(SlaDefinition.code).where(SlaDefinition.route != route)))
            codes |= set(conn.scalars(select(Enrolment.code).where(Enrolment.route != route)))
            codes |= set(conn.scalars(select(BusinessPlan.code).outerjoin(
                Enrolment, Enrolment.id == BusinessPlan.enrolment_id).where(
                (Enrolment.route != route) | Enrolment.route.is_(None))))
            on_route = select(OperatorContract.operator_id).where(OperatorContract.route == route)
            others = conn.execute(select(Operator.code, Operator.name).where(Operator.id.not_in(on_route))).all()
        codes |= {c for c, _ in others}
        _ORACLES[key] = Oracle(label=f"{username} (ruta {route})", codes=frozenset(c for c in codes if c),
                               names=_name_regex(n for _, n in others),
                               code_pattern=re.compile(r"(?<![0-9A-Za-z_-])[A-Z]{2,3}(?:-[A-Z0-9]+)+(?![0-9A-Za-z_-])"))
    return _ORACLES[key]


def oracle_for(url: str, username: str) -> Oracle | None:
    role = ACCOUNTS[username]
    if role == "comite_regional":
        return office_oracle(url, username)
    if role == "operador":
        return operator_oracle(url, username)
    if role == "direccion_ruta":
        return route_oracle(url, username)
    return None


# ------------------------------------------------------------ what the browser receives


def _walk_json(value, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in SKIP_JSON_KEYS:
                continue
            yield where, str(k)
            yield from _walk_json(v, where)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_json(v, where)
    elif isinstance(value, str):
        yield from _strings_of(value, where)


def _strings_of(text: str, where: str) -> Iterator[tuple[str, str]]:
    stripped = text.strip()
    if stripped[:1] in ("{", "[") and len(stripped) > 1:
        try:
            parsed = json.loads(stripped)
        except ValueError:
            pass
        else:
            yield from _walk_json(parsed, where)
            return
    yield where, text


def _frame_strings(df: pd.DataFrame, where: str) -> Iterator[tuple[str, str]]:
    yield where, " | ".join(str(c) for c in df.columns)
    if df.index.dtype == object:
        yield where, " | ".join(str(i) for i in df.index)
    for col in df.columns:
        series = df[col]
        if series.dtype == object or str(series.dtype) in ("string", "category"):
            yield where, "\n".join(str(v) for v in series.dropna().tolist())


def _arrow_strings(data: bytes, where: str) -> Iterator[tuple[str, str]]:
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    except Exception:  # noqa: BLE001 - not Arrow: opaque bytes are not shown to a person
        return
    yield from _frame_strings(table.to_pandas(), where)


def _proto_strings(msg, where: str) -> Iterator[tuple[str, str]]:
    for field, value in msg.ListFields():
        if field.name in SKIP_FIELDS:
            continue
        here = f"{where}.{field.name}"
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            for k, v in value.items():
                yield here, str(k)
                if hasattr(v, "ListFields"):
                    yield from _proto_strings(v, here)
                elif isinstance(v, str):
                    yield from _strings_of(v, here)
            continue
        repeated = getattr(field, "is_repeated", None)
        if repeated is None:
            repeated = field.label == field.LABEL_REPEATED
        for v in (value if repeated else [value]):
            if field.type == field.TYPE_MESSAGE:
                yield from _proto_strings(v, here)
            elif field.type == field.TYPE_STRING:
                yield from _strings_of(v, here)
            elif field.type == field.TYPE_BYTES:
                yield from _arrow_strings(v, here)


def _nodes(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


_TEMPLATE_PARTS: set[tuple[str, str]] = set()


def _template_parts() -> set[tuple[str, str]]:
    """The XML parts of every blank intake template (instructions, header comments, drop-down
    lists): documentation built from the sheet declarations alone, the same bytes for every
    viewer, so its examples (e.g. DIVIPOLA 05001) say nothing about the store. A download's
    parts that differ from them (its data) are scanned."""
    if not _TEMPLATE_PARTS:
        from exports.intake_workbook import template_bytes
        from rules.intake.sheets import ENTITIES

        for entity in ENTITIES:
            with zipfile.ZipFile(io.BytesIO(template_bytes(entity))) as zf:
                _TEMPLATE_PARTS.update((m, zf.read(m).decode("utf-8", "replace")) for m in zf.namelist()
                                       if m.endswith(".xml") and not m.startswith("docProps/"))
    return _TEMPLATE_PARTS


def _payload_strings(data: bytes, mimetype: str, name: str) -> Iterator[tuple[str, str]]:
    where = f"download {name} ({mimetype})"
    if data[:2] == b"PK":  # xlsx / pptx / docx: every XML part, tags stripped
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                if member.endswith((".xml", ".rels")):
                    xml = zf.read(member).decode("utf-8", "replace")
                    if (member, xml) in _template_parts():
                        continue
                    yield f"{where}:{member}", unescape(re.sub(r"<[^>]+>", " ", xml))
                elif member.endswith((".xlsx", ".bin")) and zf.read(member)[:2] == b"PK":
                    yield from _payload_strings(zf.read(member), "embedded", f"{name}/{member}")
        return
    if data[:4] == b"%PDF":
        return  # see module docstring
    yield where, data.decode("utf-8-sig", "replace")


class DownloadCapture:
    """Records what download buttons would serve (static bytes and deferred builders)."""

    def __init__(self, monkeypatch):
        from streamlit.runtime.media_file_manager import MediaFileManager

        self.static: dict[str, tuple[bytes, str, str]] = {}
        self.deferred: dict[str, tuple[object, str, str]] = {}
        orig_add, orig_deferred = MediaFileManager.add, MediaFileManager.add_deferred
        capture = self

        def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
            url = orig_add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
            if is_for_static_download and isinstance(path_or_data, bytes):
                capture.static[url] = (path_or_data, mimetype, file_name or "")
            return url

        def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
            file_id = orig_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)
            capture.deferred[file_id] = (data_callable, mimetype or "", file_name or "")
            return file_id

        monkeypatch.setattr(MediaFileManager, "add", add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def payloads(self, at, built: set | None = None) -> Iterator[tuple[str, str]]:
        """Decoded payloads of the run's download buttons (static, or generated on click).
        Presentations (the committee pack: slow, kaleido renders its charts) are built
        once per file name in ``built``; PDFs are not decoded (module docstring)."""
        for btn in at.get("download_button"):
            proto = btn.proto
            if proto.url and proto.url in self.static:
                data, mime, name = self.static[proto.url]
            elif proto.deferred_file_id and proto.deferred_file_id in self.deferred:
                fn, mime, name = self.deferred[proto.deferred_file_id]
                if "pdf" in mime:
                    continue
                if "presentation" in mime:
                    if built is None or name in built:
                        continue
                    built.add(name)
                data = fn()
                data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            else:
                raise AssertionError(f"download button {proto.label!r}: payload not captured")
            yield from _payload_strings(data, mime, name)


def visible_strings(at, downloads: DownloadCapture | None = None, built: set | None = None,
                    ) -> Iterator[tuple[str, str]]:
    """(where, text) of everything the run sends to the browser."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            yield from _proto_strings(proto, getattr(node, "type", type(node).__name__))
    for i, df in enumerate(at.dataframe):
        value = df.value
        if isinstance(value, pd.DataFrame):
            yield from _frame_strings(value, f"dataframe[{i}]")
    if downloads is not None:
        yield from downloads.payloads(at, built)


def leaks(oracle: Oracle, strings: Iterable[tuple[str, str]]) -> list[str]:
    found: dict[str, set[str]] = {}
    for where, text in strings:
        for hit in oracle.find(text):
            found.setdefault(hit, set()).add(where)
    return [f"{hit!r} in {', '.join(sorted(w)[:4])}" for hit, w in sorted(found.items())]


# ------------------------------------------------------------------------------ pages


_SESSIONS: dict[tuple[str, str], object] = {}
_BUILT: dict[tuple[str, str], set] = {}


def open_page(url: str, username: str, page_path: str):
    """The account's AppTest session (one per store and account, reused from page to page
    like a person clicking through the navigation), switched to ``page_path`` and run."""
    os.environ["DATABASE_URL"] = url
    at = _SESSIONS.get((url, username))
    if at is None:
        at = _SESSIONS[(url, username)] = run_app(url, username)
    at.switch_page(page_path)
    at.run()
    return at


@pytest.mark.parametrize(("page", "username"), CASES, ids=[f"{p.name}-{u}" for p, u in CASES])
def test_page_shows_only_the_viewers_scope(page, username, demo_store, monkeypatch):
    downloads = DownloadCapture(monkeypatch)
    at = open_page(demo_store, username, page.path)
    assert not at.exception, f"{page.path} as {username}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page.path} as {username}: {[e.value for e in at.error]}"
    # The page ran inside the app shell (login gate, scope, filters), not on its own.
    assert any(b.key == "logout" for b in at.sidebar.button), f"{page.path}: the app shell did not run"
    oracle = oracle_for(demo_store, username)
    if oracle is None:
        return
    # Generated-on-click files (the committee pack: kaleido renders its charts, slow) are
    # built for the Caribe comité and the dirección de ruta básica, once per file name; the
    # operador's pack is read by the CLI test (`tablero export pack --as-user operador`).
    built = _BUILT.setdefault((demo_store, username), set()) if username in ("comite", "direccion_basica") else None
    found = leaks(oracle, visible_strings(at, downloads, built))
    assert not found, f"{page.path} as {oracle.label} shows out-of-scope data:\n" + "\n".join(found)


def test_oracles_are_meaningful(demo_store):
    """The oracles really detect: the CAR comité's set is large and excludes its own."""
    car = office_oracle(demo_store, "comite")
    assert len(car.codes) > 900
    assert car.find("Medellín (05001) y Pasto") == {"05001", "Medellín", "Pasto"}
    assert not car.find("Barranquilla (08001), Cartagena de Indias, Colombia, Suárez")
    op = operator_oracle(demo_store, "operador")
    assert op.names is not None


def test_scan_sees_what_a_national_viewer_sees(demo_store, monkeypatch):
    """The scan itself works: the map page of a national viewer (its figures table and
    downloads list every municipality) is full of what the CAR comité must not see."""
    downloads = DownloadCapture(monkeypatch)
    at = run_app(demo_store, "directivo", "pages/map.py")
    assert not at.exception
    found = leaks(office_oracle(demo_store, "comite"), visible_strings(at, downloads))
    assert len(found) > 50
    assert any("download" in f for f in found)


# -------------------------------------------------------------------------------- CLI

# Arguments per command path (one run per variant). A new command with --as-user that
# needs arguments fails test_cli_table_is_complete until it is listed here.
INTAKE_ENTITIES = tuple(ENTITIES)
CLI_ARGS: dict[str, list[list[str]]] = {
    "audit log": [[]],
    "export pack": [["--out", "{tmp}/pack.pptx"]],
    "import tracking-matrix": [["--dry-run", "{tmp}/matrix.xlsx"]],
    "indicator alliance": [["--as-of", "2026-09-30", "--by", "municipality"],
                           ["--as-of", "2026-09-30", "--by", "regional_office"]],
    "sla definitions": [[]],
    "sla scorecard": [["--quarter", "2026Q3"], ["--quarter", "2026Q3", "--summary"]],
    "routes participants": [["--stage", "formulacion", "--all"], ["--stage", "ingreso", "--which", "lost"]],
    "export data": [["{tmp}/datos"]],
    "import all": [["--dry-run", "{tmp}/plantillas"]],
    **{f"import {entity}": [["--dry-run", f"{{tmp}}/plantillas/{entity}.xlsx"]] for entity in INTAKE_ENTITIES},
    # the demo store is read-only here: each step is refused before it writes (a quarter not started,
    # a report that does not exist); timeliness reads the viewer's scope
    "reports draft": [["--quarter", "2030Q1"]],
    "reports add": [["{tmp}/ans.csv", "--entity", "sla-reports", "--quarter", "2030Q1"]],
    "reports remove": [["999999", "1"]],
    "reports submit": [["999999"]],
    "reports approve": [["999999"]],
    "reports return": [["999999", "--comment", "x"]],
    "reports show": [["999999"]],
    "reports timeliness": [["--quarter", "2026Q3"]],
    "periods close": [["2026Q2"]],
    "periods reopen": [["2026Q2", "--reason", "x"]],
    "periods verify": [["2026Q2"]],
    "periods restatements": [["2026Q2"]],
    "periods annual": [["2026"]],
    # an empty comment is refused before anything is written; list reads the viewer's threads
    "comments add": [["alliance.headline", "--text", " "]],
    "comments list": [[], ["alliance.headline"]],
    # refused before writing: a due date or a session date that is not a date, an agreement that does not exist
    "agreements add": [["--subject", "indicador", "--code", "hogares_atendidos", "--text", "x", "--responsible", "x",
                        "--due", "no-es-fecha"]],
    "agreements update": [["999999", "--status", "cumplido", "--note", "x"]],
    "agreements sessions add": [["--date", "no-es-fecha", "--title", "x"]],
    "indicator value": [["hogares_atendidos", "--as-of", "2026-09-30", "--by", "municipality"],
                        ["alianzas_18m", "--as-of", "2026-09-30", "--by", "department"],
                        ["ans_cumplimiento", "--as-of", "2026-09-30", "--by", "regional_office"]],
    "scorecard": [["--year", "2026", "--as-of", "2026-09-30", "--by", "regional_office"],
                  ["--year", "2026", "--as-of", "2026-09-30", "--by", "municipality"]],
    # refused before writing: a record that does not exist, a kind that does not exist; search reads the scope
    "documents add": [["knowledge_record", "999999", str(Path(__file__).resolve().parent.parent / "pyproject.toml")]],
    "documents get": [["999999", "--output", "{tmp}/documento.bin"]],
    "knowledge add": [["--kind", "ninguno", "--title", "x", "--text", "x", "--municipality", "08001"]],
    "knowledge search": [["cacao"], ["agua"]],
}
# Files some commands read, made by another command first: the blank template of each entity.
CLI_SETUP = {
    f"import {entity}": [["import", "template", entity, f"{{tmp}}/plantillas/{entity}.xlsx"]]
    for entity in INTAKE_ENTITIES
}
CLI_SETUP["import all"] = [step for steps in CLI_SETUP.values() for step in steps]


def _commands(group: click.Group, prefix: tuple = ()) -> Iterator[tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))
        else:
            yield " ".join(prefix + (name,)), cmd


def _as_user_commands() -> dict[str, click.Command]:
    from cli.main import tablero

    return {path: cmd for path, cmd in _commands(tablero) if any(p.name == "as_user" for p in cmd.params)}


def test_cli_table_is_complete():
    missing = []
    for path, cmd in _as_user_commands().items():
        needs = [p.name for p in cmd.params if p.required]
        if needs and path not in CLI_ARGS:
            missing.append(f"{path} (needs {', '.join(needs)})")
    assert not missing, "add to CLI_ARGS in tests/test_scope_pages.py: " + "; ".join(missing)


@pytest.mark.parametrize("username", ["comite", "operador", "direccion_basica"])
def test_cli_as_user_shows_only_the_viewers_scope(username, demo_store, tmp_path):
    from cli.main import tablero

    oracle = oracle_for(demo_store, username)
    runner = CliRunner()
    env = {"DATABASE_URL": demo_store}
    failures = []
    for path, cmd in _as_user_commands().items():
        for setup in CLI_SETUP.get(path, []):
            result = runner.invoke(tablero, [a.format(tmp=tmp_path) for a in setup], env=env)
            assert result.exit_code == 0, f"setup of {path}: {result.output}"
        has_format = any(p.name == "format" and "json" in getattr(p.type, "choices", ()) for p in cmd.params)
        for variant in CLI_ARGS.get(path, [[]]):
            args = [a.format(tmp=tmp_path) for a in variant]
            if has_format and "--format" not in args:
                args += ["--format", "json"]
            argv = path.split() + args + ["--as-user", username]
            result = runner.invoke(tablero, argv, env=env)
            if result.exception and not isinstance(result.exception, SystemExit):
                failures.append(f"tablero {' '.join(argv)} crashed: {result.exception!r}")
                continue
            strings = [("stdout", result.output)]
            for produced in tmp_path.glob("*.pptx"):
                strings.extend(_payload_strings(produced.read_bytes(), "pptx", produced.name))
                produced.unlink()
            found = leaks(oracle, strings)
            if found:
                failures.append(f"tablero {' '.join(argv)} as {oracle.label}:\n  " + "\n  ".join(found))
    assert not failures, "\n".join(failures)


def test_cli_scan_sees_national_output(demo_store):
    """The CLI check works: the same command with national scope is full of other offices."""
    from cli.main import tablero

    result = CliRunner().invoke(tablero, ["indicator", "alliance", "--as-of", "2026-09-30", "--by",
                                          "municipality", "--format", "json"], env={"DATABASE_URL": demo_store})
    assert result.exit_code == 0, result.output
    assert len(leaks(office_oracle(demo_store, "comite"), [("stdout", result.output)])) > 20


# ------------------------------------------------------------------ crafted parameters

SWEEP_USERS = ("comite", "operador")
SWEEP_CASES = [(page, user) for page in PAGES for user in SWEEP_USERS if ACCOUNTS[user] in page.roles]
GLOBAL_NOTICE = "Se quitó del enlace un filtro de territorio que no existe o está fuera de su alcance"
PAGE_NOTICES = {  # page → what it says when it drops a parameter of its own
    "alliance": "Se quitaron del enlace filtros por clic que no existen o están fuera de su alcance",
    "sla": "El operador indicado en el enlace no existe o no tiene ANS visibles con su alcance",
}


@dataclass
class Crafted:
    """Query parameters naming records outside a viewer's scope, and what must never show."""

    params: dict[str, str]
    forbidden: dict[str, str]  # what → name or code

    def oracle(self) -> Oracle:
        return Oracle(label="crafted", codes=frozenset(), names=_name_regex(self.forbidden.values()))


_CRAFTED: dict[tuple[str, str], Crafted] = {}


def crafted_out_of_scope(url: str, username: str) -> Crafted:
    """An office, a department, a municipality and an operator the account cannot see (no
    contract, enrolment or business plan of its scope touches them), each with a name that
    occurs in nothing the account may legitimately read, as every page parameter that
    names such ids: global filters, alliance drill-downs, ANS operators, cohort filters."""
    key = (url, username)
    if key in _CRAFTED:
        return _CRAFTED[key]
    from sqlalchemy import or_

    from data_access.core.auth import viewer_for_username
    from data_access.core.db import get_engine
    from data_access.core.models import (
        BusinessPlan,
        Department,
        Enrolment,
        Municipality,
        Operator,
        OperatorContract,
        RegionalOffice,
    )

    viewer = viewer_for_username(username, url=url)
    office_of = select(Municipality.regional_office_id)
    with get_engine(url).connect() as conn:
        munis = conn.execute(select(Municipality.code, Municipality.name, Municipality.department_code,
                                    Municipality.regional_office_id)).all()
        offices = conn.execute(select(RegionalOffice.id, RegionalOffice.name).order_by(RegionalOffice.id)).all()
        departments = dict(conn.execute(select(Department.code, Department.name)).all())
        operators = conn.execute(select(Operator.id, Operator.code, Operator.name).order_by(Operator.id)).all()
        if viewer.regional_office_id is not None:
            present = {viewer.regional_office_id}
            inside = select(Municipality.code).where(Municipality.regional_office_id == viewer.regional_office_id)
            busy = set(conn.execute(select(OperatorContract.operator_id).where(
                OperatorContract.regional_office_id == viewer.regional_office_id)).scalars())
            busy |= set(conn.execute(select(Enrolment.operator_id).where(Enrolment.municipality_code.in_(inside)))
                        .scalars())
            busy |= set(conn.execute(select(BusinessPlan.psde_operator_id).where(
                BusinessPlan.municipality_code.in_(inside))).scalars())
        else:
            op = viewer.operator_id
            present = set(conn.execute(select(OperatorContract.regional_office_id).where(
                OperatorContract.operator_id == op)).scalars())
            present |= set(conn.execute(office_of.where(Municipality.code.in_(select(Enrolment.municipality_code).where(
                or_(Enrolment.operator_id == op, Enrolment.contract_id.in_(
                    select(OperatorContract.id).where(OperatorContract.operator_id == op)))))).distinct()).scalars())
            present |= set(conn.execute(office_of.where(Municipality.code.in_(select(
                BusinessPlan.municipality_code).where(BusinessPlan.psde_operator_id == op))).distinct()).scalars())
            busy = {op}
    office_names = {name for _, name in offices}
    vocabulary = "\n".join(line for line in _vocabulary(url, viewer.regional_office_id).split("\n")
                           if line not in office_names)
    vocabulary += "\n" + "\n".join(n for _, n, _, o in munis if o in present)
    vocabulary += "\n" + "\n".join(departments[d] for _, _, d, o in munis if o in present)

    def clear(name: str) -> bool:
        return not _name_regex([name]).search(vocabulary)

    office_id, office_name = next((i, n) for i, n in offices if i not in present and clear(n))
    dept_offices: dict[str, set] = {}
    for _, _, d, o in munis:
        dept_offices.setdefault(d, set()).add(o)
    dept = next(d for d in sorted(dept_offices) if not dept_offices[d] & present and clear(departments[d]))
    muni_code, muni_name = next((c, n) for c, n, _, o in sorted(munis) if o not in present and clear(n)
                                and sum(1 for _, m, _, _ in munis if m == n) == 1)
    op_id, op_code, op_name = next(o for o in operators if o[0] not in busy)
    params = {
        "oficina": str(office_id), "depto": dept, "mpio": muni_code,
        "al_regional_office": str(office_id), "al_department": dept, "al_municipality": muni_code,
        "al_psde": str(op_id), "operador": op_code, "comparar_a": op_code, "comparar_b": op_code,
        "c_oficina": str(office_id), "c_depto": dept, "c_mpio": muni_code, "c_operador": str(op_id),
    }
    forbidden = {"office": office_name, "department": departments[dept], "municipality": muni_name,
                 "operator": op_name, "operator code": op_code}
    _CRAFTED[key] = Crafted(params, forbidden)
    return _CRAFTED[key]


def _run_crafted(url: str, username: str, page_path: str, params: dict[str, str]):
    """The page as the account opened it, then the same page with the crafted parameters in
    its URL (the global filters read them on every run, the page its own)."""
    at = run_app(url, username, page_path)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


@pytest.mark.parametrize(("page", "username"), SWEEP_CASES, ids=[f"{p.name}-{u}" for p, u in SWEEP_CASES])
def test_crafted_parameters_show_nothing_out_of_scope(page, username, demo_store, monkeypatch):
    crafted = crafted_out_of_scope(demo_store, username)
    downloads = DownloadCapture(monkeypatch)
    at = _run_crafted(demo_store, username, page.path, crafted.params)
    assert not at.exception, f"{page.path} as {username}: {[e.value for e in at.exception]}"
    found = leaks(crafted.oracle(), visible_strings(at, downloads))
    assert not found, f"{page.path} as {username} names out-of-scope records {crafted.forbidden}:\n" + "\n".join(found)
    text = all_text(at)
    assert GLOBAL_NOTICE in text, f"{page.path} as {username}: no neutral notice for the dropped filters"
    if page.name in PAGE_NOTICES:
        assert PAGE_NOTICES[page.name] in text, f"{page.path} as {username}: no notice for its own parameters"


def test_crafted_parameters_name_those_records_for_a_national_viewer(demo_store, monkeypatch):
    """The sweep can see a leak: the same drill-down ids, for a national viewer, show the
    names the comité must not see (they are in its scope)."""
    crafted = crafted_out_of_scope(demo_store, "comite")
    at = _run_crafted(demo_store, "directivo", "pages/alliance.py",
                      {k: v for k, v in crafted.params.items() if k.startswith("al_")})
    found = leaks(crafted.oracle(), visible_strings(at))
    assert {"office", "department", "municipality", "operator"} <= {
        what for what, name in crafted.forbidden.items() if any(f"{name!r} in" in f for f in found)}
