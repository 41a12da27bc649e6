"""Territorial queries: boundaries, per-municipality metrics, profile."""
