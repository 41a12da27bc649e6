"""Audit log UI."""
