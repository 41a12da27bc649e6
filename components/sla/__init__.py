"""Operator ANS UI: scorecards, ranking, comparison, definitions."""
