"""«n pequeño»: a share computed over too few cases is not a result.

A group whose denominator (plans in the alliance indicator, entrants in a funnel) is under
``MIN_DENOMINATOR`` is shown as «n pequeño» (English "small n"): never coloured, ranked or
told as meeting or failing a goal — 1 of 1 is not «100 % · cumple». The figures themselves
(numerator, denominator, percent) are still shown, so nothing is hidden.

``MIN_DENOMINATOR`` is the programme's setting (default 5); ``TABLERO_MIN_N`` overrides it
for a deployment. Every caller asks :func:`minimum` at call time.
"""

from __future__ import annotations

import os

MIN_DENOMINATOR = 5  # groups with fewer cases than this are «n pequeño»
ENV_VAR = "TABLERO_MIN_N"

# The state of a share against a goal: the one vocabulary of the page, the charts, the slides and downloads.
MET, MISSED, SMALL_N, NO_DATA = "cumple", "no_cumple", "n_pequeno", "sin_datos"
STATES = (MET, MISSED, SMALL_N, NO_DATA)


def minimum() -> int:
    """The minimum denominator in force: ``TABLERO_MIN_N`` when set, else ``MIN_DENOMINATOR``."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return MIN_DENOMINATOR
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR}={raw!r} no es un número entero: use p. ej. {ENV_VAR}=5 "
                         "(grupos con menos casos se muestran como «n pequeño»).") from None
    if value < 1:
        raise ValueError(f"{ENV_VAR}={value} debe ser 1 o más (1 = nunca «n pequeño»).")
    return value


def is_small(denominator: int | None, minimum_n: int | None = None) -> bool:
    """True when there are some cases, but fewer than the minimum (0 cases is «sin datos»)."""
    if not denominator:
        return False
    return denominator < (minimum_n if minimum_n is not None else minimum())


def state(value: float | None, denominator: int | None, goal: float, minimum_n: int | None = None) -> str:
    """``MET`` / ``MISSED`` against ``goal`` (value ≥ goal meets it), ``SMALL_N`` under the
    minimum denominator, ``NO_DATA`` without a denominator or a value."""
    if not denominator or value is None:
        return NO_DATA
    if is_small(denominator, minimum_n):
        return SMALL_N
    return MET if value >= goal else MISSED
