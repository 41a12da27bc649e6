"""Alliance indicator UI (seed 004): charts and plan lists."""
