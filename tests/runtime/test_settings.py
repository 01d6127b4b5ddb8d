"""Environment settings: a refused start names each setting and never echoes a value (it may be a secret)."""

from __future__ import annotations

import pytest

from runtime.settings import SettingsInvalid, get_settings


def test_settings_when_live_lacks_the_secret_the_error_names_it_without_any_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_MODE", "live")
    monkeypatch.setenv("BINANCE_API_KEY", "key-value-that-must-not-be-printed-0123456789")
    monkeypatch.setenv("JWT_SECRET", "jwt-value-that-must-not-be-printed-0123456789")
    monkeypatch.delenv("BINANCE_API_SECRET", raising=False)
    monkeypatch.setenv("API_PORT", "not-a-port-secret-tail-9876")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsInvalid) as caught:
            get_settings()
    finally:
        get_settings.cache_clear()
    text = str(caught.value) + repr(caught.value.__cause__) + repr(caught.value.__context__)
    assert "API_PORT" in text
    for value in ("key-value-that", "jwt-value-that", "secret-tail-9876", "0123456789"):
        assert value not in text, text
