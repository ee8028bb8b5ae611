"""HS256 JSON Web Tokens with the standard library (what Nakama signs sessions with)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

__all__ = ["InvalidToken", "decode", "encode"]


class InvalidToken(Exception):
    """The token is malformed, wrongly signed, or expired."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict[str, Any], key: str) -> str:
    """Sign ``claims`` (kept in the given key order) with HS256."""
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    sig = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(sig)}"


def decode(token: str, key: str, now: float | None = None) -> dict[str, Any]:
    """Verify an HS256 token and return its claims; ``exp`` is required and checked when ``now`` is given."""
    try:
        header_b64, payload_b64, sig_b64 = token.split(".")
        header = json.loads(_unb64url(header_b64))
        claims = json.loads(_unb64url(payload_b64))
        sig = _unb64url(sig_b64)
    except (ValueError, TypeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise InvalidToken("unsupported token")
    expected = hmac.new(key.encode(), f"{header_b64}.{payload_b64}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(sig, expected):
        raise InvalidToken("bad signature")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        raise InvalidToken("missing exp")
    if now is not None and now >= exp:
        raise InvalidToken("expired")
    return claims
