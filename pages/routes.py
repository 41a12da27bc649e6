"""Rutas y cohortes: funnels per route, progression between routes, services received,
participants per stage, saved cohorts and comparison (issue 5). Thin: see
``components.funnel_page``."""

from components.funnel_page import render_routes_page

render_routes_page()
