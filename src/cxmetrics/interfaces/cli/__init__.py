"""The `cxm` command line: thin commands over the store and engine."""
