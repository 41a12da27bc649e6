"""Territorial map: browser test and the demo store with real DANE boundaries it shares
with the AppTest tests of the map page."""
