"""The engine: queries, records, comparison, targets, drill-down and other backends."""
