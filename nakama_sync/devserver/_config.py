"""Dev server settings, with Nakama 3.40's defaults unless said otherwise."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DevServerConfig"]


@dataclass
class DevServerConfig:
    """Every tunable of the dev server. Pass any of them to ``DevServer(...)`` as keyword arguments.

    Example: ``DevServer(port=0, token_expiry_sec=7200, matchmaker_interval_sec=0.2)``
    """

    host: str = "127.0.0.1"
    port: int = 7350
    database: str = ":memory:"
    node: str = "nakama"
    server_key: str = "defaultkey"
    http_key: str = "defaulthttpkey"
    encryption_key: str = "defaultencryptionkey"
    refresh_encryption_key: str = "defaultrefreshencryptionkey"
    token_expiry_sec: int = 60
    refresh_token_expiry_sec: int = 3600
    # socket: Nakama's socket.* defaults (a ping 15 s after the last reset, read deadline 25 s moved on by
    # a pong or every 20th message; client messages up to 4096 bytes; 64 queued outgoing messages)
    ping_period_sec: float = 15.0
    pong_wait_sec: float = 25.0
    ping_backoff_threshold: int = 20
    max_message_size_bytes: int = 4096
    outgoing_queue_size: int = 64
    max_request_size_bytes: int = 262144
    # matchmaker: tickets are matched only on interval ticks (Nakama's default 15 s); a ticket tries for
    # max_count for max_intervals ticks before settling for min_count; at most 3 tickets per session
    matchmaker_interval_sec: float = 15.0
    matchmaker_max_intervals: int = 2
    matchmaker_max_tickets: int = 3
    # TLS (both or neither): the same port then serves https:// and wss://
    ssl_certificate: str | None = None
    ssl_private_key: str | None = None
    # server code (--modules, see docs/runtime.md): what ctx.env holds, as Nakama's runtime.env
    runtime_env: dict[str, str] = field(default_factory=dict)
    # network conditions (not in Nakama; see _conditions.py): per session, each way; 0 = loopback
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    loss: float = 0.0                   # 0..1, unreliable match data only
    bandwidth_kbps: float = 0.0         # 0 = no cap
    http_latency_ms: float | None = None   # None = 2 * latency_ms
    conditions_seed: int = 0
