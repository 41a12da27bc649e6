"""The app's pages as data: file, title, icon and URL path of each, and who may see it.

``app.py`` builds ``st.navigation`` from it; the benchmarks and the tests read the same
list. No Streamlit import here, so it is importable anywhere.

A url path must never equal its file's stem: with a pages/ folder Streamlit also registers
each file under its stem (multipage v1) until st.navigation runs, and a matching path
would run the file without the login gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rules.core.catalog import ROLES

_ALL = frozenset(ROLES)


@dataclass(frozen=True)
class PageSpec:
    path: str  # "pages/overview.py"
    title_key: str  # "nav.overview"
    icon: str
    url_path: str  # "resumen"
    roles: frozenset

    @property
    def name(self) -> str:
        return Path(self.path).stem


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "nav.overview", ":material/dashboard:", "resumen", _ALL),
    PageSpec("pages/map.py", "nav.map", ":material/map:", "mapa", _ALL),
    PageSpec("pages/routes.py", "nav.routes", ":material/conversion_path:", "rutas", _ALL),
    PageSpec("pages/alliance.py", "nav.alliance", ":material/handshake:", "alianzas", _ALL),
    PageSpec("pages/sla.py", "nav.sla", ":material/fact_check:", "ans", _ALL),
    PageSpec("pages/edit.py", "nav.edit", ":material/edit_note:", "edicion", _ALL - {"directivo"}),
    PageSpec("pages/audit.py", "nav.audit", ":material/verified:", "auditoria", frozenset({"analista_pmo", "admin"})),
    PageSpec("pages/presentation.py", "nav.presentation", ":material/slideshow:", "presentacion",
             _ALL - {"operador"}),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "administracion",
             frozenset({"admin"})),
)
DEFAULT_URL_PATH = "resumen"


def pages_for(role: str | None) -> list[PageSpec]:
    return [page for page in PAGES if role in page.roles]
