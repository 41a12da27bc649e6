"""Executive overview aggregates."""
