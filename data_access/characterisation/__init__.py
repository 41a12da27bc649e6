"""Characterisation of people and territory: baseline change and the asset map, scoped for a Viewer."""
