"""Shared plumbing of the edit forms: the version a person opened, refusals, flashes.

Optimistic concurrency in Streamlit: every widget interaction reruns the script and
re-reads the store, so the version a form was *opened* with must survive reruns. It is
kept in ``st.session_state`` (``remember_opened``) until the record is saved or the
person reloads it; saving passes that version, never the freshly read one — otherwise
a concurrent change would be silently overwritten.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, plain
from data_access.edits.common import EditError, NotFound, PermissionDenied, StaleEdit, ValidationFailed

_OPEN = "_edit_opened"
_FLASH = "_edit_flash"


# Dates the edit forms accept (the validation rules refuse what is out of the programme's range).
MIN_DATE, MAX_DATE = dt.date(2010, 1, 1), dt.date(2035, 12, 31)


def date_field(where, label: str, value, **kw):
    """A date input of the edit forms: es-CO day/month/year, within MIN_DATE..MAX_DATE."""
    return where.date_input(label, value=value, min_value=MIN_DATE, max_value=MAX_DATE, format="DD/MM/YYYY",
                            **kw)


def participant_label(ctx: PageContext, r: dict) -> str:
    """"Hogar HG-0000148" / "OPR Asociación …": a participant without personal data."""
    if r["participant_kind"] == "hogar":
        return f"{ctx.t('edit.st.household')} {r.get('household') or '—'}"
    return f"{ctx.t('edit.st.opr')} {r.get('opr') or '—'}"


def remember_opened(key: str, record: dict | None, ident) -> dict | None:
    """The snapshot of ``record`` taken when it was first shown (by ``ident``)."""
    store = st.session_state.setdefault(_OPEN, {})
    snap = store.get(key)
    if record is None:
        store.pop(key, None)
        return None
    if snap is None or snap.get("_ident") != ident:
        counter = st.session_state.get("_edit_open_counter", 0) + 1
        st.session_state["_edit_open_counter"] = counter
        snap = {**record, "_ident": ident, "_n": counter}  # _n: fresh widget keys per opening
        store[key] = snap
    return snap


def forget_opened(*keys: str) -> None:
    store = st.session_state.setdefault(_OPEN, {})
    for key in keys:
        store.pop(key, None)


def forget_prefix(prefix: str) -> None:
    store = st.session_state.setdefault(_OPEN, {})
    for key in [k for k in store if k.startswith(prefix)]:
        store.pop(key, None)


def changed_since_opened(ctx: PageContext, snap: dict | None, current: dict | None, key: str) -> None:
    """Tell the person, before saving, that someone else saved this record meanwhile."""
    if not snap or not current or snap.get("version") == current.get("version"):
        return
    c1, c2 = st.columns([4, 1])
    c1.warning(
        ctx.t("edit.changed_meanwhile", opened=snap.get("version") or 0, now=current.get("version") or 0)
    )
    if c2.button(ctx.t("edit.reload"), key=f"reload_{key}"):
        forget_opened(key)
        st.rerun()


def show_refusal(ctx: PageContext, exc: EditError, reload_key: str | None = None) -> None:
    """A refusal in Spanish, with what to fix; never a traceback.

    A stale edit drops the opened snapshot and reruns, so the form shows the current
    version at once, with the refusal (their values vs yours) above it.
    """
    if isinstance(exc, StaleEdit) and reload_key is not None:
        forget_opened(reload_key)
        st.session_state[_FLASH] = exc
        st.rerun()
    render_refusal(ctx, exc)


def render_refusal(ctx: PageContext, exc: EditError) -> None:
    if isinstance(exc, ValidationFailed):
        st.error(
            ctx.t("edit.refused_validation") + "\n\n" + "\n".join(f"- {plain(e.message)}" for e in exc.errors),
            icon=":material/error:",
        )
    elif isinstance(exc, StaleEdit):
        st.error(plain(exc.message), icon=":material/sync_problem:")
        if exc.changes:
            data_table(
                pd.DataFrame(
                    [
                        {
                            ctx.t("edit.col_field"): c.label,
                            ctx.t("edit.col_theirs"): _txt(ctx, c.theirs),
                            ctx.t("edit.col_yours"): _txt(ctx, c.yours),
                        }
                        for c in exc.changes
                    ]
                ),
                hide_index=True,
                placeholder="—",
            )
    elif isinstance(exc, PermissionDenied):
        st.error(plain(exc.message), icon=":material/block:")
    elif isinstance(exc, NotFound):
        st.warning(plain(exc.message), icon=":material/search_off:")
    else:
        st.error(plain(exc.message))


def _txt(ctx: PageContext, v) -> str:
    if v is None or v == "":
        return "—"
    if v is True:
        return ctx.t("edit.yes")
    if v is False:
        return ctx.t("edit.no")
    return str(v)


def saved(ctx: PageContext, message: str, clear=(), forget=()) -> None:
    """After a successful write: clear only this page's affected cached reads, drop the
    opened snapshots, remember a flash message and rerun (the next run reads the bumped
    data versions, so every other cached read of those topics misses as well)."""
    for fn in clear:
        fn.clear()
    for key in forget:
        if key.endswith("*"):
            forget_prefix(key[:-1])
        else:
            forget_opened(key)
    st.session_state[_FLASH] = message
    st.rerun()


def show_flash(ctx: PageContext) -> None:
    """The outcome of the previous run's save: a success message or a stale refusal."""
    msg = st.session_state.pop(_FLASH, None)
    if isinstance(msg, EditError):
        render_refusal(ctx, msg)
    elif msg:
        st.success(plain(msg), icon=":material/check_circle:")


def none_if_nan(v):
    try:
        if v is None or pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _same(a, b) -> bool:
    a, b = none_if_nan(a), none_if_nan(b)
    if isinstance(a, str) or isinstance(b, str):
        return (a or "") == (b or "")
    return a == b


def changed_rows(base: pd.DataFrame, edited: pd.DataFrame, columns) -> list[tuple[pd.Series, pd.Series]]:
    """(opened row, edited row) pairs of a data_editor grid whose ``columns`` changed."""
    return [
        (old, new)
        for (_, old), (_, new) in zip(base.iterrows(), edited.iterrows())
        if not all(_same(old[c], new[c]) for c in columns)
    ]
