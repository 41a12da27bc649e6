"""ANS scoring."""
