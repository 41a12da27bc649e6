"""Reference data (DIVIPOLA, oficinas regionales, catalogues): loading and scoped lists."""
