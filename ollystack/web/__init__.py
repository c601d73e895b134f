"""The HTTP API (port 8080): health, metrics, and the JSON API that pages and the CLI use."""
