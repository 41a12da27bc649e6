"""Audit page parts: the chain's status and the filtered log (PMO and admin)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, download_table
from data_access.audit import log as audit
from rules.core.formatting import fmt_bool, fmt_date, fmt_datetime, fmt_int, fmt_num
from rules.core.i18n import catalogue

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def _label(ctx: PageContext, prefix: str, key: str) -> str:
    """A catalogue label (``audit.field.prioritised`` → Priorizado); an unknown key as a readable phrase."""
    return ctx.t(f"{prefix}.{key}") if f"{prefix}.{key}" in catalogue() else key.replace("_", " ")


def _value(ctx: PageContext, value) -> str:
    """A stored value as a person reads it: sí/no, dd/mm/aaaa, Bogotá times, es-CO decimals."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return fmt_bool(value, ctx.lang)
    if isinstance(value, int):
        return fmt_int(value, ctx.lang)
    if isinstance(value, float):
        return fmt_num(value, 2, ctx.lang).rstrip("0").rstrip(",.") if not value.is_integer() else str(int(value))
    if isinstance(value, str) and _ISO_INSTANT.fullmatch(value):
        return fmt_datetime(dt.datetime.fromisoformat(value), ctx.lang)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return fmt_date(dt.date.fromisoformat(value), ctx.lang)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes_text(ctx: PageContext, before: str | None, after: str | None) -> str:
    """'Priorizado: no → sí; ...' in the UI language, from the stored canonical JSON."""
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    keys = sorted(k for k in set(a) | set(b) if k != "version" and a.get(k) != b.get(k))
    return "; ".join(
        f"{_label(ctx, 'audit.field', k)}: {_value(ctx, b.get(k)) if k in b else '—'} → "
        f"{_value(ctx, a.get(k)) if k in a else '—'}"
        for k in keys
    )


def chain_status(ctx: PageContext) -> None:
    """Recomputed on every run: a cached 'intact' could hide tampering done meanwhile."""
    result = audit.verify(ctx.url)
    if result.ok:
        st.success(ctx.t("audit.chain_ok", n=result.checked), icon=":material/verified:")
    else:
        st.error(
            ctx.t("audit.chain_broken", id=result.first_broken_id) + "\n\n" + result.message,
            icon=":material/gpp_bad:",
        )


def chain_head(ctx: PageContext) -> None:
    """The newest entry as ID:HASH, to copy and keep outside the store: deleting the newest
    entries leaves an intact chain, only a head kept elsewhere shows it
    (``tablero audit verify --head ID:HASH``). Read on every run, never cached."""
    st.markdown(f"**{ctx.t('audit.head_title')}**")
    newest = audit.head(ctx.url)
    if newest is None:
        st.caption(ctx.t("audit.head_empty"))
        return
    st.code(str(newest), language=None)
    st.caption(ctx.t("audit.head_help", id=newest.id))


def log_frame(ctx: PageContext, rows: list[dict]) -> pd.DataFrame:
    """The entries as a person reads them: Bogotá time, names of entities, actions and fields in the
    UI language, the record by its code or name (``audit.record_labels``) rather than its stored id."""
    t = ctx.t
    labels = audit.record_labels(rows, url=ctx.url)
    return pd.DataFrame(
        [
            {
                "#": r["id"],
                t("audit.col.at_local"): fmt_datetime(r["at"], ctx.lang, seconds=True),
                t("audit.user"): r["username"],
                t("audit.entity"): _label(ctx, "audit.entity_name", r["entity"]),
                t("audit.col.record"): labels.get(r["id"], r["entity_id"]),
                t("audit.col.action"): _label(ctx, "audit.action", r["action"]),
                t("audit.col.changes"): changes_text(ctx, r["before"], r["after"]),
                t("audit.col.hash"): r["hash"][:16],
            }
            for r in rows
        ]
    )


def log_section(ctx: PageContext) -> None:
    t = ctx.t
    facets = audit.facets(ctx.viewer, url=ctx.url)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1])
    entity = c1.selectbox(
        t("audit.entity"),
        [None, *facets["entities"]],
        format_func=lambda e: t("audit.all") if e is None else _label(ctx, "audit.entity_name", e),
        key="au_entity",
    )
    user = c2.selectbox(
        t("audit.user"),
        [None, *facets["users"]],
        format_func=lambda u: t("audit.all") if u is None else u,
        key="au_user",
    )
    span = c3.date_input(
        t("audit.dates"),
        value=(),
        min_value=dt.date(2020, 1, 1),
        max_value=dt.date(2035, 12, 31),
        format="DD/MM/YYYY",
        key="au_dates",
        help=t("audit.dates_help"),
    )
    entity_id = c4.text_input(t("audit.entity_id"), key="au_id")
    date_from = span[0] if len(span) >= 1 else None
    date_to = span[1] if len(span) == 2 else date_from
    limit = 1000
    rows = audit.entries(
        ctx.viewer,
        entity=entity,
        username=user,
        date_from=date_from,
        date_to=date_to,
        entity_id=entity_id.strip() or None,
        limit=limit,
        url=ctx.url,
    )
    if not rows:
        st.info(t("audit.none"))
        return
    df = log_frame(ctx, rows)
    st.caption(t("audit.shown", n=len(df), limit=limit))
    data_table(df, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, df, "auditoria", key="au_dl", title=t("nav.audit"))
    ids = [r["id"] for r in rows]
    pick = st.selectbox(
        t("audit.detail"), [None, *ids], format_func=lambda i: "—" if i is None else f"#{i}", key="au_pick"
    )
    if pick is not None:
        r = next(r for r in rows if r["id"] == pick)
        c1, c2 = st.columns(2)
        c1.markdown(f"**{t('audit.before')}**")
        c1.json(r["before"] or "null")
        c2.markdown(f"**{t('audit.after')}**")
        c2.json(r["after"] or "null")
        st.caption(f"SHA-256: `{r['hash']}`")
