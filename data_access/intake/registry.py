"""Imports every entity's check so that ``engine.IMPORTERS`` is complete."""

from data_access.intake import (
    characterisation,  # noqa: F401
    cofinancing,  # noqa: F401
    knowledge,  # noqa: F401
    matrix,  # noqa: F401
    participants,  # noqa: F401
    programme,  # noqa: F401
    results,  # noqa: F401
    route_records,  # noqa: F401
    sla,  # noqa: F401
    territory,  # noqa: F401
)
