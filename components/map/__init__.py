"""Territorial map UI: choropleth, profile of a municipality, browser assets."""
