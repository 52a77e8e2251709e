"""The canonical data model: tables, columns and their types (SPEC 3)."""
