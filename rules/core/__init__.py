"""Programme-wide pure rules: catalogue, clock, formatting, i18n, NIT."""
