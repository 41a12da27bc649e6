"""Pure programme rules (no Streamlit, no SQL): indicator definition, route stages,
ANS scoring, edit validation, formatting. Shared by pages, CLI, importers and exports."""
