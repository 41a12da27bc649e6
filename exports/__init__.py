"""Committee exports: the "Paquete para comité" (PPTX and PDF), chart images.

Pure of Streamlit: the same content builders (``exports.content``) feed the
presentation slides in the app, the pack and the CLI, so the three always agree.
Everything is computed for a ``Viewer`` (scoped, default-deny) and ``GlobalFilters``.
"""
