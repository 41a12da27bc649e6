"""Alliance indicator (seed 004) in SQL, and the tracking-matrix import."""
