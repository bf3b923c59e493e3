"""Checking that a webhook call comes from the platform: Meta's `X-Hub-Signature-256`
(HMAC-SHA256 of the raw body under the app secret) and shared secrets (Telegram's
`X-Telegram-Bot-Api-Secret-Token`, Messenger's verify token), all compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

SHA256_PREFIX = "sha256="


def hub_signature(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends with `body`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SHA256_PREFIX + digest


def valid_hub_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the SHA-256 signature of exactly these bytes. Computed on the raw
    body as received (never re-serialised JSON); no secret, no header: False."""
    if not app_secret or not header:
        return False
    expected = hub_signature(app_secret, body).encode("ascii")
    return hmac.compare_digest(header.strip().encode("utf-8", "replace"), expected)


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time equality of a secret from a request with the configured one; an
    unconfigured (empty) secret matches nothing."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))
