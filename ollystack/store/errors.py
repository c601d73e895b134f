"""Which store errors mean "this data can never be stored" rather than "try again later"."""

from __future__ import annotations

#: ClickHouse error codes caused by the data itself (a malformed value, a type that does not fit):
#: sending the same rows again can only fail again. Everything else (timeouts, a network cut,
#: a missing or wrong schema on the server) may heal, so the client should retry.
DATA_ERROR_CODES = frozenset({6, 26, 27, 69, 70, 72, 117})


def error_code(exc: BaseException) -> int | None:
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        return code
    text = str(exc)
    if text.startswith("Code: "):
        head = text[6:].split(".", 1)[0]
        if head.isdigit():
            return int(head)
    return None


def is_data_error(exc: BaseException) -> bool:
    """True when retrying the same data cannot succeed."""
    return error_code(exc) in DATA_ERROR_CODES
