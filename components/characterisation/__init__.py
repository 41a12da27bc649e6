"""UI of characterisation: baseline change, the asset map in the municipality profile and on the map."""
