"""Shared UI core: page context, cached reads, figure notes, global filters, login, chart export."""
