"""Choose the sheet type, download its template, upload a file, read the validation, confirm.

Validation is the engine's dry run: the same reading, checks and scope as the load, in a
read transaction. The uploaded bytes, their SHA-256 and the validation are kept in
``st.session_state`` so that the reruns every widget causes (a download, a click) never
validate the same file again; a different file, or the same file as another sheet type,
is validated once. «Confirmar carga» is enabled only for a valid file that changes
something, and loads it as one audited batch (the engine re-checks everything inside the
write transaction, so a store changed meanwhile is caught there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from components.core.context import PageContext
from components.core.figures import plain
from components.core.widgets import file_input
from components.intake.report import counts_metrics, headline, problem_tables
from data_access.intake import engine
from exports.intake_workbook import annotated_copy, template_bytes
from rules.core.calendar import quarter_of, shift_quarter
from rules.core.clock import today
from rules.core.formatting import fmt_num, quarter_label
from rules.intake.problems import ImportReport
from rules.intake.sheets import ENTITIES
from rules.reporting import cycle

_STATE = "_intake_upload"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Upload:
    """One uploaded file as one sheet type: its bytes, fingerprint, validation and load."""

    entity: str
    name: str
    data: bytes
    sha256: str
    validation: ImportReport | None = None
    result: ImportReport | None = None  # the confirmed load
    refused: str = ""  # the engine's permission refusal, shown as is
    added: str = ""  # an operator's file, once in its quarterly report: what it was told

    def same(self, entity: str, name: str, sha256: str) -> bool:
        return (self.entity, self.name, self.sha256) == (entity, name, sha256)

    @property
    def confirmable(self) -> bool:
        v = self.validation
        return self.result is None and v is not None and v.ok and v.changed


def _size(n: int, lang: str) -> str:
    return f"{fmt_num(n / 1024, 1, lang)} KB" if n >= 1024 else f"{n} B"


def _sheets_caption(ctx: PageContext, entity: str) -> None:
    sheets = ENTITIES[entity]
    text = " · ".join(
        f"{s.name} (" + ", ".join(f"**{c.name}**" if c.required else c.name for c in s.columns) + ")"
        for s in sheets
    )
    st.caption(ctx.t("intake.sheets", sheets=text.replace("_", r"\_")))
    if any(s.personal for s in sheets):
        st.caption(ctx.t("intake.personal"))


def choose_entity(ctx: PageContext) -> str | None:
    """The sheet types the viewer may load (``engine.importable_entities``); None when there are none."""
    entities = engine.importable_entities(ctx.viewer)
    if not entities:
        st.info(ctx.t("intake.none"), icon=":material/block:")
        return None
    entity = st.selectbox(ctx.t("intake.entity"), entities, format_func=lambda e: ctx.t(f"intake.entity.{e}"),
                          key="intake_entity")
    _sheets_caption(ctx, entity)
    st.download_button(ctx.t("intake.template"), lambda: template_bytes(entity), file_name=f"plantilla_{entity}.xlsx",
                       mime=XLSX_MIME, help=ctx.t("intake.template_help"), key=f"intake_template_{entity}",
                       on_click="ignore", icon=":material/download:")
    return entity


def _bar(ctx: PageContext):
    """A progress bar the engine moves through its steps (``engine.STEPS``) as a file goes."""
    bar = st.progress(0.0, text=ctx.t("intake.step.read"))
    return lambda fraction, step: bar.progress(min(fraction, 1.0), text=ctx.t(f"intake.step.{step}"))


def _run(ctx: PageContext, upload: Upload, *, dry_run: bool) -> ImportReport | None:
    """The engine on the uploaded file, its progress drawn as a bar inside a status box."""
    name = plain(upload.name)
    label = "intake.validating" if dry_run else "intake.loading"
    with st.status(ctx.t(label, name=name), expanded=True) as status:
        st.write(ctx.t("intake.step.received", size=_size(len(upload.data), ctx.lang), sha=upload.sha256[:12]))
        report = None
        try:
            report = engine.import_file(upload.entity, upload.data, upload.name, ctx.viewer, ctx.url,
                                        dry_run=dry_run, progress=_bar(ctx),
                                        for_report=engine.reports_instead(ctx.viewer))
        except engine.ImportPermissionError as exc:
            upload.refused = str(exc)
        good = report is not None and report.ok
        done = ("intake.validated", "intake.validated_bad") if dry_run else ("intake.loaded_status",
                                                                             "intake.failed_status")
        status.update(label=ctx.t(done[0] if good else done[1], name=name),
                      state="complete" if good else "error", expanded=False)
    return report


def current_upload(ctx: PageContext, entity: str) -> Upload | None:
    """The file in the uploader, validated once per (sheet type, name, content)."""
    limit = fmt_num(st.get_option("server.maxUploadSize"), 0, ctx.lang)
    file = file_input(ctx, ctx.t("intake.file"), ["xlsx", "csv"], key=f"intake_file_{entity}",
                      help=ctx.t("intake.file_help", limit=limit))
    if file is None:
        st.session_state.pop(_STATE, None)
        return None
    data = file.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    upload = st.session_state.get(_STATE)
    if not isinstance(upload, Upload) or not upload.same(entity, file.name, sha):
        upload = Upload(entity=entity, name=file.name, data=data, sha256=sha)
        st.session_state[_STATE] = upload
        upload.validation = _run(ctx, upload, dry_run=True)
    return upload


def upload_section(ctx: PageContext, entity: str) -> None:
    if engine.reports_instead(ctx.viewer):  # an operator's files go into its quarterly report
        report_upload_section(ctx, entity)
        return
    upload = current_upload(ctx, entity)
    if upload is None:
        return
    if upload.refused:
        st.error(plain(upload.refused), icon=":material/block:")
        return
    shown = upload.result or upload.validation
    if shown is None:
        return
    headline(ctx, shown)
    counts_metrics(ctx, shown)
    if shown.problems:
        st.download_button(ctx.t("intake.annotated"), lambda: annotated_copy(upload.data, shown.problems),
                           file_name=f"anotado_{upload.name.rsplit('.', 1)[0]}.xlsx", mime=XLSX_MIME,
                           help=ctx.t("intake.annotated_help"), key="intake_annotated", on_click="ignore",
                           icon=":material/rate_review:")
    problem_tables(ctx, shown)
    confirm = st.button(ctx.t("intake.confirm"), type="primary", key="intake_confirm", icon=":material/upload:",
                        disabled=not upload.confirmable,
                        help=ctx.t("intake.confirm_help" if upload.confirmable else "intake.confirm_disabled"))
    if confirm and upload.confirmable:
        upload.result = _run(ctx, upload, dry_run=False)
        st.rerun()  # every figure and the history re-read the data versions the load bumped


def report_quarters() -> list[str]:
    """The quarters an operator may report from this page: the current one and the seven before it."""
    current = quarter_of(today())
    return [shift_quarter(current, -n) for n in range(8)]


def report_upload_section(ctx: PageContext, entity: str) -> None:
    """An operator's upload: validated for its scope, then added to its report of the chosen quarter
    (``data_access.reporting.submissions``), loaded only when the PMO approves it."""
    from data_access.edits.common import EditError
    from data_access.reporting import submissions

    quarters = report_quarters()
    default = 1 if len(quarters) > 1 and today() <= cycle.deadline(quarters[1]) else 0
    quarter = st.selectbox(ctx.t("intake.report_quarter"), quarters, index=default, key="intake_report_quarter",
                           format_func=lambda q: quarter_label(q, ctx.lang), help=ctx.t("intake.report_quarter_help"))
    upload = current_upload(ctx, entity)
    if upload is None:
        return
    if upload.refused:
        st.error(plain(upload.refused), icon=":material/block:")
        return
    shown = upload.validation
    if shown is None:
        return
    if upload.added:
        st.success(upload.added, icon=":material/outbox:")
    else:
        headline(ctx, shown)
    counts_metrics(ctx, shown)
    problem_tables(ctx, shown)
    ready = not upload.added and shown.ok
    add = st.button(ctx.t("intake.add_to_report", quarter=quarter_label(quarter, ctx.lang)), type="primary",
                    key="intake_confirm", icon=":material/outbox:", disabled=not ready,
                    help=ctx.t("intake.add_to_report_help"))
    if add and ready:
        try:
            added, report = submissions.into_report(ctx.viewer, quarter, entity, upload.data, upload.name, ctx.url)
        except EditError as exc:
            st.error(plain(exc.message), icon=":material/block:")
            return
        if added.file_id is None:
            upload.validation = added.report
        else:
            upload.added = ctx.t("intake.added_to_report", quarter=quarter_label(report["quarter"], ctx.lang),
                                 state=ctx.t(f"reporting.state.{report['state']}"))
        st.rerun()
