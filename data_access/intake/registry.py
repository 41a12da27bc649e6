"""Imports every entity's check so that ``engine.IMPORTERS`` is complete."""

from data_access.intake import programme  # noqa: F401
