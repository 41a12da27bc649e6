"""The ``tablero`` console script: every capability of the pages, from the shell."""
