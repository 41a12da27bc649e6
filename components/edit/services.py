"""Edit tab: service deliveries to the participants of a contract (operators: their own
contracts; PMO and admin: any). Deliveries are the evidence of service behind the ANS
service-coverage figures.

Pick the contract, then the participant (one of the contract's enrolments); the
deliveries already registered for it are listed before the form (service limited to the
contract's services, delivery date). Who may register what is enforced again on the
server by ``data_access.edits.services.add_service_delivery``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.edit.common import date_field, participant_label, saved, show_refusal
from data_access.edits import services as service_edits
from data_access.edits.common import EditError
from rules.core.clock import today
from rules.core.formatting import fmt_date

contracts = cached(service_edits.delivery_contracts)
services = cached(service_edits.contract_services)
find = cached(service_edits.contract_enrolments)
deliveries = cached(service_edits.enrolment_deliveries)
CLEAR = (deliveries,)


def _service(ctx: PageContext, code: str) -> str:
    return ctx.t(f"routes.service.{code}")


def _default_day(contract: dict) -> dt.date:
    day = today()
    if contract["end_date"] and contract["end_date"] < day:
        day = contract["end_date"]
    return max(day, contract["start_date"])


def services_section(ctx: PageContext) -> None:
    t = ctx.t
    rows = contracts(ctx.viewer, url=ctx.url)
    if not rows:
        st.info(t("edit.sv.none"))
        return
    st.caption(t("edit.sv.help"))
    labels = {r["id"]: f"{r['code']} · {r['operator']} · {t('route.' + r['route'])}" for r in rows}
    cid = st.selectbox(t("edit.sv.contract"), list(labels), format_func=labels.get, key="sv_contract")
    contract = next(r for r in rows if r["id"] == cid)
    st.caption(
        t(
            "edit.sv.period",
            start=fmt_date(contract["start_date"], ctx.lang),
            end=fmt_date(contract["end_date"], ctx.lang) if contract["end_date"] else t("edit.sv.open_ended"),
        )
    )
    search = st.text_input(
        t("edit.sv.search"), key=f"sv_search_{cid}", placeholder=t("edit.sv.search_hint")
    )
    people = find(ctx.viewer, cid, search, url=ctx.url)
    if not people:
        st.info(t("edit.sv.no_participants"))
        return
    if len(people) >= 100:
        st.caption(t("edit.sv.first_n", n=len(people)))
    plabels = {
        r["id"]: f"#{r['id']} · {participant_label(ctx, r)} · {r['municipality']} · "
        f"{t('edit.st.status.' + r['status'])}"
        for r in people
    }
    eid = st.selectbox(t("edit.sv.pick"), list(plabels), format_func=plabels.get, key=f"sv_pick_{cid}")

    st.markdown(f"**{t('edit.sv.registered')}**")
    done = deliveries(ctx.viewer, cid, eid, url=ctx.url)
    if done:
        data_table(
            pd.DataFrame(
                [
                    {
                        t("edit.sv.service"): _service(ctx, d["service_type_code"]),
                        t("edit.sv.date"): fmt_date(d["delivery_date"], ctx.lang),
                        t("edit.sv.registered_on"): fmt_date(d["registered_on"], ctx.lang),
                    }
                    for d in done
                ]
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
        )
    else:
        st.caption(t("edit.sv.nothing_yet"))

    offered = [s["code"] for s in services(ctx.viewer, cid, url=ctx.url)]
    if not offered:
        st.info(t("edit.sv.no_services"))
        return
    with st.form(f"sv_form_{cid}_{eid}"):
        st.markdown(f"**{t('edit.sv.new')}**")
        c1, c2 = st.columns([2, 1])
        service = c1.selectbox(
            t("edit.sv.service"),
            offered,
            format_func=lambda c: _service(ctx, c),
            key=f"sv_service_{cid}_{eid}",
            help=t("edit.sv.service_help"),
        )
        day = date_field(c2, t("edit.sv.date"), _default_day(contract), key=f"sv_date_{cid}_{eid}")
        go = st.form_submit_button(t("edit.sv.submit"), type="primary")
    if go:
        try:
            res = service_edits.add_service_delivery(ctx.viewer, eid, cid, service, day, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            who = participant_label(ctx, next(r for r in people if r["id"] == eid))
            saved(
                ctx,
                t(
                    "edit.sv.saved",
                    service=_service(ctx, service),
                    participant=who,
                    date=fmt_date(day, ctx.lang),
                    id=res.id,
                ),
                clear=CLEAR,
            )
