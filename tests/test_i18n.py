"""English mode: the catalogue is complete, and no page shows a raw key or Spanish text.

Every page of the navigation allowed to an analista PMO and to an administrator runs under
AppTest with ``?lang=en`` on the demo store; everything a person could read (titles,
texts, labels, options, help, chart specs, table headers) is collected and checked:

* no visible text is (or contains) a raw catalogue key;
* no Spanish-only catalogue text appears (a catalogue value whose Spanish and English
  differ; placeholders split it into fragments, and fragments that also occur in some
  English text are not evidence).
"""

from __future__ import annotations

import html
import json
import re

import pytest

from components.core.navigation import pages_for
from data_access.core.auth import viewer_for_username
from rules.core.i18n import catalogue, missing_translations, t
from tests.apptest_utils import run_app

ACCOUNTS = ("analista", "admin")


def test_no_catalogue_key_lacks_english():
    assert missing_translations("en") == []
    assert missing_translations("es") == []


def test_committee_keys_are_namespaced_and_complete():
    data = json.loads(open("locales/committee.json", encoding="utf-8").read())
    assert all(k.startswith("committee.") for k in data)
    for key, entry in data.items():
        assert entry.get("es") and entry.get("en"), key
        # the same placeholders in both languages
        assert set(re.findall(r"\{(\w+)\}", entry["es"])) == set(re.findall(r"\{(\w+)\}", entry["en"])), key


def _pages_for(role: str) -> list[str]:
    return [page.path for page in pages_for(role)]


def _strings(obj) -> list[str]:
    """Every string inside a JSON-like structure (plotly specs)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() if k not in ("customdata", "meta", "x", "y", "z", "locations")
                for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def visible_texts(at) -> list[str]:
    """What a person can read in a run: values, labels, options, help, chart texts."""
    out: list[str] = []

    def add(value):
        if isinstance(value, str) and value.strip():
            out.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)

    def walk(node):
        proto = getattr(node, "proto", None)
        for attr in ("value", "label", "body", "help", "placeholder", "caption"):
            try:
                add(getattr(node, attr, None))
            except Exception:  # noqa: BLE001 — some element types compute values lazily
                pass
            if proto is not None and hasattr(proto, attr):
                add(getattr(proto, attr))
        if proto is not None and hasattr(proto, "options"):
            add(list(proto.options))
        if proto is not None and getattr(node, "type", "") == "plotly_chart":
            try:
                add(_strings(json.loads(proto.spec)))
            except (AttributeError, ValueError):
                pass
        if proto is not None and hasattr(proto, "data") and getattr(node, "type", "") in ("dataframe", "table"):
            try:
                add([str(c) for c in node.value.columns])
            except Exception:  # noqa: BLE001
                pass
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    cleaned = []
    for s in out:
        s = re.sub(r"<style>.*?</style>|<script>.*?</script>", " ", s, flags=re.S)
        s = html.unescape(re.sub(r"<[^>]+>", " ", s))
        cleaned.append(s)
    return cleaned


def spanish_only_fragments() -> dict[str, str]:
    """fragment → catalogue key, for values whose Spanish differs from the English.

    A one-word fragment counts only when a whole visible text, or a segment of one
    between separators (· : | ; parentheses), equals it (a label, a caption, "Scope: X"):
    single Spanish words inside longer texts are usually programme data
    (alert descriptions, organisation names), which stay in Spanish by design."""
    cat = catalogue()
    english = "\n".join(v.get("en", "") for v in cat.values())
    out = {}
    for key, entry in cat.items():
        es, en = entry.get("es", ""), entry.get("en", "")
        if not es or es == en:
            continue
        for frag in re.split(r"\{[^}]*\}", es):
            frag = frag.strip(" :·,.;()«»\"'-–—")
            if len(frag) >= 8 and re.search(r"[a-záéíóúñ]", frag) and frag not in english:
                out.setdefault(frag, key)
    return out


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_page_in_english(demo_store, username):
    keys = sorted(catalogue(), key=len, reverse=True)
    fragments = spanish_only_fragments()
    role = {"analista": "analista_pmo", "admin": "admin"}[username]
    problems = []
    for page in _pages_for(role):
        at = run_app(demo_store, username, page=page, query={"lang": "en", "corte": "2026-09-30"})
        assert not at.exception, (page, [e.value for e in at.exception])
        me = viewer_for_username(username, url=demo_store)
        # the account's display name is data (e.g. "Analista PMO (demo)"), not a UI text
        texts = [x.replace(me.display_name, " ") if me.display_name else x for x in visible_texts(at)]
        blob = "\n".join(texts)
        # whole texts and their segments between separators ("Scope: Nacional" → "Nacional")
        exact = {seg.strip(" *_") for x in texts for seg in re.split(r"[·:|;\n()]", x)} | {x.strip() for x in texts}
        assert t("filters.title", "en") in blob  # the English sidebar is there
        for text in texts:
            stripped = text.strip()
            if stripped in catalogue():
                problems.append(f"{page}: raw key {stripped!r}")
        for key in keys:
            if re.search(r"(?<![\w.])" + re.escape(key) + r"(?![\w.])", blob):
                problems.append(f"{page}: raw key {key!r} inside a text")
        for frag, key in fragments.items():
            if (" " in frag and frag in blob) or frag in exact:
                problems.append(f"{page}: Spanish text {frag!r} (key {key})")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()


# Streamlit's own English, shown where a widget has no text of ours: an empty selectbox or
# multiselect ("Choose an option", "Choose options", "No options to select", "Add options").
def _streamlit_defaults(at) -> list[str]:
    problems = []
    for box in at.selectbox:
        try:
            none_is_option = str(box.format_func(None)) in box.options
        except Exception:  # noqa: BLE001 — a format_func that takes no None: None is not an option
            none_is_option = False
        empty = not box.options or (box.value is None and not none_is_option)
        if empty and not box.proto.placeholder:
            problems.append(f"selectbox {box.label!r} shows Streamlit's placeholder")
    for many in at.multiselect:
        if not many.proto.placeholder:  # shown as soon as nothing (or no option) is left
            problems.append(f"multiselect {many.label!r} shows Streamlit's placeholder")
    for day in at.date_input:
        if day.proto.format != "DD/MM/YYYY":
            problems.append(f"date input {day.label!r} writes dates as {day.proto.format}")
    return problems


@pytest.mark.parametrize(("username", "lang"), [("analista", "es"), ("comite", "es"), ("operador", "es"),
                                                 ("admin", "en")])
def test_no_streamlit_default_text_on_any_page(demo_store, username, lang):
    """Every selectbox and multiselect that can be empty has a placeholder of ours, in the UI
    language; every date input writes dd/mm/aaaa."""
    role = viewer_for_username(username, url=demo_store).role
    problems = []
    for page in _pages_for(role):
        at = run_app(demo_store, username, page=page, query={"lang": lang, "corte": "2026-09-30"})
        assert not at.exception, (page, [e.value for e in at.exception])
        problems += [f"{page}: {p}" for p in _streamlit_defaults(at)]
        for widget in [*at.selectbox, *at.multiselect]:
            if widget.proto.placeholder and lang == "en" and widget.proto.placeholder in spanish_only_fragments():
                problems.append(f"{page}: Spanish placeholder {widget.proto.placeholder!r}")
    assert not problems, "\n".join(sorted(set(problems)))
