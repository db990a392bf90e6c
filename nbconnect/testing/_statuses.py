"""What each provider family says for an HTTP error status, side by side in one table.

A row is one status; the columns are the OpenAI-format message, Google's ``error.status`` word and
Anthropic's ``error.type``; ``None`` where that family has no word of its own for the status (each
wire then uses its own fallback). The words are the providers' documented ones (providers.md §6).
"""

from __future__ import annotations

__all__ = ["ANTHROPIC_TYPES", "GOOGLE_STATUS", "OPENAI_MESSAGES"]

# fmt: off
_TABLE: dict[int, tuple[str | None, str | None, str | None]] = {
    # status: (OpenAI message,                                        Google status,        Anthropic type)
    400: ("Invalid request.",                                          "INVALID_ARGUMENT",   "invalid_request_error"),
    401: ("Incorrect API key provided.",                               "UNAUTHENTICATED",    "authentication_error"),
    402: (None,                                                        None,                 "billing_error"),
    403: ("You are not allowed to access this resource.",              "PERMISSION_DENIED",  "permission_error"),
    404: ("The model does not exist or you do not have access to it.", "NOT_FOUND",          "not_found_error"),
    409: ("The request conflicted with another request.",              "ABORTED",            None),
    413: (None,                                                        None,                 "request_too_large"),
    422: ("The request could not be processed.",                       None,                 None),
    429: ("Rate limit reached for requests.",                          "RESOURCE_EXHAUSTED", "rate_limit_error"),
    499: (None,                                                        "CANCELLED",          None),
    500: ("The server had an error while processing your request. Sorry about that!",
                                                                       "INTERNAL",           "api_error"),
    501: (None,                                                        "NOT_IMPLEMENTED",    None),
    502: ("Bad gateway.",                                              None,                 None),
    503: ("The server is overloaded or not ready yet.",                "UNAVAILABLE",        None),
    504: ("The server timed out while processing your request.",       "DEADLINE_EXCEEDED",  "timeout_error"),
    529: (None,                                                        None,                 "overloaded_error"),
}
# fmt: on


def _column(index: int) -> dict[int, str]:
    return {status: row[index] for status, row in _TABLE.items() if row[index] is not None}


OPENAI_MESSAGES = _column(0)
GOOGLE_STATUS = _column(1)
ANTHROPIC_TYPES = _column(2)
