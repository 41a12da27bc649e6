"""The app's pages as data: file, title, icon and URL path of each, and who may see it.

``app.py`` builds ``st.navigation`` from it; the benchmarks and the tests read the same
list. Who may see each page is ``rules.access``'s decision (``PageSpec.roles``). No
Streamlit import here, so it is importable anywhere.

A url path must never equal its file's stem: with a pages/ folder Streamlit also registers
each file under its stem (multipage v1) until st.navigation runs, and a matching path
would run the file without the login gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rules import access


@dataclass(frozen=True)
class PageSpec:
    path: str  # "pages/overview.py"
    title_key: str  # "nav.overview"
    icon: str
    url_path: str  # "resumen"

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def roles(self) -> frozenset[str]:
        return access.roles_for(access.page(self.name))


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "nav.overview", ":material/dashboard:", "resumen"),
    PageSpec("pages/map.py", "nav.map", ":material/map:", "mapa"),
    PageSpec("pages/routes.py", "nav.routes", ":material/conversion_path:", "rutas"),
    PageSpec("pages/alliance.py", "nav.alliance", ":material/handshake:", "alianzas"),
    PageSpec("pages/sla.py", "nav.sla", ":material/fact_check:", "ans"),
    PageSpec("pages/scorecard.py", "nav.scorecard", ":material/scoreboard:", "metas"),
    PageSpec("pages/characterisation.py", "nav.characterisation", ":material/travel_explore:", "caracterizacion"),
    PageSpec("pages/agreements.py", "nav.agreements", ":material/task_alt:", "compromisos"),
    PageSpec("pages/verify.py", "nav.verify", ":material/verified_user:", "verificar"),
    PageSpec("pages/knowledge.py", "nav.knowledge", ":material/menu_book:", "conocimiento"),
    PageSpec("pages/document.py", "nav.document", ":material/folder_open:", "documentos"),
    PageSpec("pages/edit.py", "nav.edit", ":material/edit_note:", "edicion"),
    PageSpec("pages/intake.py", "nav.intake", ":material/upload_file:", "carga"),
    PageSpec("pages/reporting.py", "nav.reporting", ":material/assignment_turned_in:", "reportes"),
    PageSpec("pages/audit.py", "nav.audit", ":material/verified:", "auditoria"),
    PageSpec("pages/presentation.py", "nav.presentation", ":material/slideshow:", "presentacion"),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "administracion"),
)
DEFAULT_URL_PATH = "resumen"


def pages_for(role: str | None) -> list[PageSpec]:
    return [spec for spec in PAGES if access.allowed(role, access.page(spec.name))]
