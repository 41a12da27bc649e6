"""Rutas y cohortes: funnels per route, progression between routes, services received,
participants per stage, saved cohorts and comparison (issue 5). Thin: see
``components.routes.page``."""

from components.routes.page import render_routes_page

render_routes_page()
