"""Executive overview, presentation slides and the pack download."""
