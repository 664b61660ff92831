"""The HTTP API (FastAPI): the /v1 JSON API of CONTRACT §3 and the operations endpoints.
`warn.api.app.create_api` builds it alone; `warn.app.create_app` with the console."""
