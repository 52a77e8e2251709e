"""Reading user files into the canonical tables: parse, map, validate, upsert.

A file refused as a whole raises :class:`cxmetrics.errors.ImportFailed`.
"""
