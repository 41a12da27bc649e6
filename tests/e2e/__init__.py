"""End-to-end tests in headless Chromium against the real app (see ``harness.py``)."""
