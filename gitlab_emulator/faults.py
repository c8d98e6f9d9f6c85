"""How an emulator misbehaves on purpose: GitLab's rate limit, and the faults of a network and
of a busy GitLab. Read by the seed, used by the server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RateLimit:
    """Authenticated API throttle (Rack::Attack), per user (per IP when anonymous).
    `period_seconds` shortens GitLab's one-minute window for fast tests. `RateLimit-*` headers
    come with the 429 only (GL `lib/gitlab/rack_attack.rb`: informational headers on answers
    that were not throttled are an opt-in setting, off by default); `headers` turns those on."""

    per_minute: int | None = None
    headers: bool = False
    period_seconds: float = 60.0


@dataclass
class Faults:
    seed: int = 0
    error_rate: float = 0.0
    latency_ms: int = 0  # the network's: each answer arrives this much later
    drop_after_write_rate: float = 0.0
    # A CDN or load balancer in front of GitLab (gitlab.com: gitlab-org/gitlab#365728) answers
    # this share of requests 429 itself, with no Retry-After and no RateLimit-* header; the
    # request never reaches GitLab.
    edge_throttle_rate: float = 0.0
    # GitLab's Puma answers at most `workers` requests at once (workers x threads; 0: as many as
    # come), each holding its worker `work_ms`; the others wait their turn in its queue.
    workers: int = 0
    work_ms: int = 0
    # Webhook deliveries (hooks.py): the share never sent, sent twice (as a retry: the same
    # Idempotency-Key), held back and sent after the next one; and a delay on each.
    hook_drop_rate: float = 0.0
    hook_duplicate_rate: float = 0.0
    hook_reorder_rate: float = 0.0
    hook_delay_ms: int = 0
