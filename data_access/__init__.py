"""Store access: models, engine/sessions, access scoping, queries, migrations.

Every query that returns programme data takes a ``Viewer`` and applies
``data_access.core.scope`` (default-deny) before anything reaches a page, chart,
download or CLI export.
"""
