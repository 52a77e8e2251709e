"""Reading user files into the canonical tables: parse, map, validate, upsert."""

from cxmetrics.ingest.errors import ImportFailed

__all__ = ["ImportFailed"]
