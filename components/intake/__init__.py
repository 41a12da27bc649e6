"""The «Carga de datos» page: choose a sheet type, upload, read the validation, confirm, and the history."""
