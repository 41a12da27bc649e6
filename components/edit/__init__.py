"""Edit forms, one module per entity; the writers in data_access.edits enforce the rules."""
