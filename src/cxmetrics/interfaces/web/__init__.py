"""The HTTP API (``/api/v1``) and dashboard behind ``cxm serve``; see docs/api.md.

``create_app`` (in :mod:`cxmetrics.interfaces.web.app`) builds the FastAPI application; nothing
is opened or started at import.
"""
