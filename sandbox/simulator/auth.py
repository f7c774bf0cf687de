"""OAuth clients, bearer tokens, scopes and per-token rate limits of the simulator."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

READ_SCOPES: tuple[str, ...] = (
    "analytics:readonly",
    "authorization:readonly",
    "users:readonly",
    "license:readonly",
    "routing:readonly",
    "presence:readonly",
    "outbound:readonly",
    "contacts:readonly",
    "journey:readonly",
    "workforce-management:readonly",
    "predictive-engagement:view",
    "predictive-engagement:analytics:view",
)
WRITE_SCOPES: tuple[str, ...] = ("contacts:write", "predictive-engagement:edit")

READ_CLIENT = ("cxlake-sandbox", "cxlake-sandbox-secret")
ADMIN_CLIENT = ("cxlake-sandbox-admin", "cxlake-sandbox-admin-secret")
CLIENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    READ_CLIENT[0]: (READ_CLIENT[1], READ_SCOPES),
    ADMIN_CLIENT[0]: (ADMIN_CLIENT[1], READ_SCOPES + WRITE_SCOPES),
}


@dataclass
class Token:
    value: str
    client_id: str
    scopes: frozenset[str]
    api: str  # "genesys" | "salesforce"
    expires_at: float  # time.monotonic()
    window_start: float = 0.0
    window_count: int = 0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    count: int
    reset_s: int


class TokenStore:
    """Issues tokens and checks them; thread-safe."""

    def __init__(self, seed: int, lifetime_s: float, rate_limit_per_minute: int) -> None:
        self._seed = seed
        self._lifetime_s = lifetime_s
        self._rate_limit = rate_limit_per_minute
        self._tokens: dict[str, Token] = {}
        self._issued = 0
        self._lock = threading.Lock()

    @property
    def lifetime_s(self) -> float:
        return self._lifetime_s

    def authenticate(self, client_id: str, secret: str) -> tuple[str, ...] | None:
        """The client's scopes when the credentials are right, else None."""
        known = CLIENTS.get(client_id)
        if known is None or known[0] != secret:
            return None
        return known[1]

    def issue(self, client_id: str, scopes: tuple[str, ...], api: str) -> Token:
        with self._lock:
            self._issued += 1
            digest = hashlib.sha256(f"{self._seed}:{api}:{client_id}:{self._issued}".encode()).hexdigest()
            value = ("00DSANDBOX!" if api == "salesforce" else "") + digest[:48]
            token = Token(value, client_id, frozenset(scopes), api, time.monotonic() + self._lifetime_s)
            self._tokens[value] = token
            return token

    def check(self, value: str, api: str) -> Token | None:
        """The live token of that API, or None when unknown, expired or of the other API."""
        token = self._tokens.get(value)
        if token is None or token.api != api or time.monotonic() >= token.expires_at:
            return None
        return token

    def count_request(self, token: Token) -> RateDecision:
        """Count one request on the token's 60 s window; ``allowed`` False past the limit."""
        if self._rate_limit <= 0:
            return RateDecision(True, 0, 0, 0)
        with self._lock:
            now = time.monotonic()
            if token.window_count == 0 or now - token.window_start >= 60.0:
                token.window_start = now
                token.window_count = 0
            token.window_count += 1
            reset = max(1, math.ceil(60.0 - (now - token.window_start)))
            return RateDecision(
                token.window_count <= self._rate_limit, self._rate_limit, token.window_count, reset
            )
