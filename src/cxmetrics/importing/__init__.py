"""Reading user files into the canonical tables: parse, map, validate, upsert."""

from cxmetrics.importing.errors import ImportFailed

__all__ = ["ImportFailed"]
