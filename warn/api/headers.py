"""Security headers on every HTTP answer, API and console alike.

The console's pages are rendered on the server and load only their own script and style
files, so the Content-Security-Policy allows nothing but this origin: no inline script, no
third-party host, no framing. Answers that may carry personal data (JSON, HTML) must not
be kept by any cache: `Cache-Control: no-store`, unless the route chose its own caching.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
# FastAPI's interactive docs load Swagger UI / ReDoc from a CDN with an inline script; they
# show the API's shape only, never data, and get a policy that lets exactly that through.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PRIVATE_TYPES = ("application/json", "text/html", "application/problem+json")


class SecurityHeaders:
    """ASGI middleware: adds the headers to the start of every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(MutableHeaders(scope=message), docs=docs)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(headers: MutableHeaders, *, docs: bool = False) -> None:
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in PRIVATE_TYPES or content_type.endswith("+json"):
        headers.setdefault("Cache-Control", "no-store")
