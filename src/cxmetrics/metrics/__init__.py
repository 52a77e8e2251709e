"""Metric definitions by domain, and the registry that holds them."""
