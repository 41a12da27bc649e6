"""Operator ANS queries."""
