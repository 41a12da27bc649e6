"""What the co-financing figures add up, said next to them: the business plans' part and the household
micro-projects' part (``data_access.overview.queries.headline``'s ``extra['cofinancing']``)."""

from __future__ import annotations


def cofinancing_note(vc, money, parts: dict, which: str) -> str:
    """«Incluye planes de negocio de OPR ($ X) y microproyectos de hogares de la ruta básica ($ Y).» at the
    cut-off; ``which`` is ``committed`` or ``disbursed``, ``money`` the figure's formatter."""
    return vc.t("exits.cofin.split", pn=money(parts["pn"][which][0]), micro=money(parts["micro"][which][0]))
