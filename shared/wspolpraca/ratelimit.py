"""Rate limits on public writes (comments, inquiries, subscriptions, training sign-ups), per
client address.

The proxy's `limit_req` (infra/proxy/nginx.conf) is the first line; this is the second, in
each service instance, so a service reached without the proxy (or a proxy without limits) is
still protected. A sliding window per client address: at most `rate_limit_writes` writes in
`rate_limit_window_seconds` (Settings, from `WSPOLPRACA_RATE_LIMIT_WRITES` and
`WSPOLPRACA_RATE_LIMIT_WINDOW_SECONDS`; 0 writes turns the limit off); over it, 429 with
`Retry-After` and the usual error body. Staff (officers, admins) are not limited.

The client address is the peer's, unless the peer is a trusted proxy
(`WSPOLPRACA_TRUSTED_PROXIES`, CIDRs): then `X-Forwarded-For` is read from the right, skipping
trusted proxies, and the first address not trusted is the client. From anyone else the header is
ignored, so a client cannot choose its own key.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from wspolpraca.errors import DomainError

# Addresses remembered at most (the oldest are forgotten first): bounds the memory a flood of
# spoofed sources can take.
MAX_CLIENTS = 100_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TooManyRequests(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "rate_limited",
            f"Zbyt wiele zgłoszeń z tego adresu. Spróbuj ponownie za {retry_after} s.",
            status=429)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(remote_addr: str | None, forwarded_for: str | None,
                   trusted: Iterable[str]) -> str:
    """The client's address: the peer, or behind trusted proxies the first untrusted hop of
    `X-Forwarded-For` counted from the right."""
    networks: list[Network] = [ipaddress.ip_network(n, strict=False) for n in trusted]

    def is_trusted(address) -> bool:
        return any(address in network for network in networks)

    peer = _address(remote_addr or "")
    if peer is None:
        return remote_addr or "unknown"
    if not is_trusted(peer) or not forwarded_for:
        return str(peer)
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return str(peer)  # a malformed header: count the proxy, not a made-up client
        if not is_trusted(address):
            return str(address)
    return str(peer)


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds (thread- and greenlet-safe)."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one write of `key`; TooManyRequests (nothing counted) when over the limit."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # most recently used last
            if len(hits) >= self.limit:
                raise TooManyRequests(max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)
            while len(self._hits) > MAX_CLIENTS:
                self._hits.popitem(last=False)
