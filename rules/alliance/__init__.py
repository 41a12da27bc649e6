"""The alliance indicator rule (seed 004)."""
