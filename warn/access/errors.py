"""The refusals both the JSON API and the console raise: what a request may not see or do.
The API answers them in its one error shape; the console turns them into its pages."""


class AccessError(Exception):
    """Raised anywhere in a request to refuse it with this status and error body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def not_found(what: str = "case") -> AccessError:
    # The same answer whether it does not exist or is someone else's (CONTRACT §2).
    return AccessError(404, "not_found", f"no such {what}")


def forbidden(message: str) -> AccessError:
    return AccessError(403, "forbidden", message)


def invalid(message: str, field: str) -> AccessError:
    return AccessError(422, "invalid_request", f"{field}: {message}", field)
