"""Sending one alert: Telegram Bot API or Slack incoming webhook, chosen from the URL, retried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

Channel = Literal["telegram", "slack", "none"]


@dataclass(frozen=True, slots=True)
class Target:
    channel: Channel
    url: str = ""  # without the query string for Telegram
    chat_id: str = ""
    problem: str = ""  # why alerts are disabled, when they are


def target_of(url: str) -> Target:
    """Telegram when the path is a Bot API `/bot<token>/sendMessage` (chat_id in the query string);
    any other http(s) URL is treated as a Slack-compatible incoming webhook ({"text": ...})."""
    if not url:
        return Target("none", problem="no ALERT_WEBHOOK_URL configured")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Target("none", problem="ALERT_WEBHOOK_URL is not an http(s) URL")
    if parts.path.startswith("/bot") and parts.path.endswith("/sendMessage"):
        chat = parse_qs(parts.query).get("chat_id", [""])[0]
        if not chat:
            return Target("none", problem="Telegram URL needs ?chat_id=")
        return Target("telegram", urlunsplit(parts._replace(query="")), chat)
    return Target("slack", url)


class SendFailed(Exception):
    def __init__(self, detail: str, attempts: int = 1) -> None:
        super().__init__(detail)
        self.detail = detail
        self.attempts = attempts


def send(target: Target, text: str, *, attempts: int = 3, timeout_s: float = 5.0, backoff_s: float = 0.5) -> int:
    """Deliver `text`; returns the attempts used. Raises SendFailed with a detail that never holds the URL."""
    body = {"chat_id": target.chat_id, "text": text} if target.channel == "telegram" else {"text": text}
    used = 0
    retrying = Retrying(
        retry=retry_if_exception_type(SendFailed),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff_s, max=8),
        reraise=True,
    )
    with httpx.Client(timeout=timeout_s) as client:
        try:
            for attempt in retrying:
                with attempt:
                    used += 1
                    try:
                        response = client.post(target.url, json=body)
                    except httpx.HTTPError as exc:
                        raise SendFailed(type(exc).__name__) from None  # its message would include the URL
                    if response.status_code >= 300:
                        raise SendFailed(f"HTTP {response.status_code}")
        except SendFailed as failed:
            raise SendFailed(failed.detail, used) from None
    return used
