"""The HTTP API (FastAPI): `create_app(get_context)`."""

from warn.api.app import create_app

__all__ = ["create_app"]
