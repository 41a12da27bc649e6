"""Store core: engine and sessions, models, scope (Viewer), global filters, data versions, accounts."""
