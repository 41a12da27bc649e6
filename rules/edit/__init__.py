"""Validation of edits and imported records."""
