"""The thin layers users touch: CLI, HTTP API and dashboard, reports, translations, docs."""
