"""Binance error codes and texts of the simulator's REST edge (reference §6); the error itself is the
exchange model's (:class:`exchange.errors.BinanceError`)."""

from __future__ import annotations

from exchange.errors import BinanceError

UNKNOWN_503 = "Unknown error, please check your request or try again later."
SERVICE_UNAVAILABLE = "Service Unavailable."
THROTTLED = (
    "Request throttled by system-level protection. Reduce-only/close-position orders are exempt. "
    "Please try again."
)


def mandatory(param: str) -> BinanceError:
    return BinanceError(-1102, f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed.")


def illegal_chars(param: str) -> BinanceError:
    return BinanceError(
        -1100, f"Illegal characters found in parameter '{param}'; legal range is '^[0-9]{{1,20}}$'."
    )


def invalid_symbol() -> BinanceError:
    return BinanceError(-1121, "Invalid symbol.")


def bad_timestamp(ahead: bool) -> BinanceError:
    if ahead:
        return BinanceError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    return BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")


def bad_signature() -> BinanceError:
    return BinanceError(-1022, "Signature for this request is not valid.")


def bad_api_key_format() -> BinanceError:
    return BinanceError(-2014, "API-key format invalid.", status=401)


def rejected_api_key() -> BinanceError:
    return BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)


def unknown_listen_key() -> BinanceError:
    return BinanceError(-1125, "This listenKey does not exist.")


def too_many_requests(limit: int, retry_after_s: int) -> BinanceError:
    return BinanceError(
        -1003,
        f"Too many requests; current limit is {limit} requests per minute. Please use the websocket for "
        "live updates to avoid polling the API.",
        status=429,
        headers={"Retry-After": str(retry_after_s)},
    )


def banned(until_ms: int, retry_after_s: int) -> BinanceError:
    return BinanceError(
        -1003,
        f"Way too many requests; IP banned until {until_ms}. Please use the websocket for live updates to "
        "avoid bans.",
        status=418,
        headers={"Retry-After": str(retry_after_s)},
    )
