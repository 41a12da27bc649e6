"""The verifiable exit record in the UI: the certificate download where an enrolment is shown (for
whoever may see it: the query is scoped), the capacities assessed at exit (for the «salida» form),
and the verification of a code (the «Verificar certificado» page)."""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import plain
from data_access.routes import exits
from exports.certificate import certificate_pdf, long_date
from rules.core.formatting import fmt_datetime
from rules.routes import exit_record as R

record_for = cached(exits.exit_record_for)
CLEAR = (record_for,)


def certificate_download(ctx: PageContext, enrolment: int | str, key: str = "cert") -> bool:
    """The sealed record's code and its certificate (PDF made on click); False when the enrolment (its
    number or its code) has no record the viewer may see."""
    record = record_for(ctx.viewer, enrolment, url=ctx.url)
    if record is None:
        return False
    t = ctx.t
    facts, button = st.columns([3, 2], vertical_alignment="center")
    facts.markdown(f"**{t('exits.cert.code')}** `{R.display_code(record['code'])}` · "
                   f"{t('edit.st.outcome.' + record['outcome'])} · {long_date(record['exit_date'], ctx.lang)}")
    button.download_button(
        t("exits.cert.download"),
        lambda: certificate_pdf(record, ctx.lang),
        file_name=f"certificado_salida_{record['code']}.pdf",
        mime="application/pdf",
        key=f"{key}_{record['enrolment_id']}",
        on_click="ignore",
        icon=":material/workspace_premium:",
    )
    return True


def capacities_inputs(ctx: PageContext, key: str) -> dict[str, int | None]:
    """The three capacities assessed at exit (seed 000 §5), each 1–5 or «not assessed»: the
    ``capacities`` argument of the «salida» writer."""
    t = ctx.t
    options = [None, *range(R.SCALE_MIN, R.SCALE_MAX + 1)]
    st.caption(t("exits.capacities.help"))
    cols = st.columns(len(R.CAPACITY_DIMENSIONS))
    return {
        dim: col.selectbox(
            t(f"exits.capacity.{dim}"), options, key=f"{key}_{dim}",
            format_func=lambda v: t("exits.level.none") if v is None else f"{v} · {t(R.SCALE_LEVELS[v])}",
        )
        for col, dim in zip(cols, R.CAPACITY_DIMENSIONS)
    }


def verify_view(ctx: PageContext) -> None:
    """A code typed (or given as ``?codigo=``) → whether it matches an unaltered record, and what differs."""
    t = ctx.t
    given = st.query_params.get("codigo", "")
    with st.form("verify_form"):
        text = st.text_input(t("exits.verify.code"), value=given, placeholder="SV-XXXX-XXXX-X",
                             help=t("exits.verify.code_help"))
        submitted = st.form_submit_button(t("exits.verify.check"), type="primary")
    if not (submitted or given) or not text.strip():
        return
    try:
        result = exits.verify(text)
    except ValueError as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return
    if not result.found:
        st.error(plain(" ".join(result.problems)), icon=":material/search_off:")
        return
    facts = result.record
    summary = t("exits.verify.facts", route=t(f"route.{facts['route']}"),
                outcome=t(f"edit.st.outcome.{facts['outcome']}"), exit=long_date(facts["exit_date"], ctx.lang),
                municipality=facts["municipality"] or facts["municipality_code"],
                sealed=fmt_datetime(facts["sealed_at"], ctx.lang))
    if result.ok:
        st.success(f"✔ {t('exits.verify.ok', code=R.display_code(result.code))}  \n{plain(summary)}",
                   icon=":material/verified:")
        st.caption(t("exits.verify.seal", sha=facts["sha256"]))
        return
    st.error(f"✖ {t('exits.verify.bad', code=R.display_code(result.code))}", icon=":material/gpp_bad:")
    for problem in result.problems:
        st.markdown(f"- {plain(problem)}")
    st.caption(plain(summary))


def certificate_lookup(ctx: PageContext) -> None:
    """An enrolment's code (or number) → its certificate, when the viewer may see it (a comité, its
    office's only)."""
    t = ctx.t
    st.subheader(t("exits.cert.lookup"))
    typed = st.text_input(t("exits.cert.enrolment_id"), key="cert_lookup", placeholder="INS-000123").strip()
    if not typed:
        return
    enrolment = int(typed.lstrip("#")) if typed.lstrip("#").isdigit() else typed
    if not certificate_download(ctx, enrolment, key="cert_lookup_dl"):
        st.info(t("exits.cert.none"))
