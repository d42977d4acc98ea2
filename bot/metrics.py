"""Prometheus metrics, served at ``/metrics``. Labels carry kinds and reasons, never ids,
names or text."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

EVENTS_RECEIVED = Counter(
    "empathybot_events_received_total",
    "Message events received from a platform.",
    ["platform"],
    registry=REGISTRY,
)
EVENTS_COUNTED = Counter(
    "empathybot_events_counted_total",
    "Message events added to a team's weekly numbers.",
    ["platform"],
    registry=REGISTRY,
)
EVENTS_IGNORED = Counter(
    "empathybot_events_ignored_total",
    "Message events not counted, by reason (no consent, not listening, duplicate, ...).",
    ["platform", "reason"],
    registry=REGISTRY,
)
DIGESTS_SENT = Counter(
    "empathybot_digests_sent_total", "Weekly digests delivered.", registry=REGISTRY
)
DIGESTS_FAILED = Counter(
    "empathybot_digests_failed_total",
    "Digest sends that failed, by outcome (retry, failed).",
    ["outcome"],
    registry=REGISTRY,
)
CHECKINS_SENT = Counter(
    "empathybot_checkins_sent_total",
    "Check-ins and reminders delivered.",
    ["kind"],
    registry=REGISTRY,
)
CHECKINS_ANSWERED = Counter(
    "empathybot_checkins_answered_total", "Check-in answers recorded.", registry=REGISTRY
)
API_LATENCY = Histogram(
    "empathybot_platform_api_seconds",
    "Time for one outbound delivery to a platform.",
    ["platform"],
    registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
API_RATE_LIMITED = Counter(
    "empathybot_platform_rate_limited_total",
    "429 answers received from a platform.",
    ["platform"],
    registry=REGISTRY,
)
SCHEDULER_LAG = Gauge(
    "empathybot_scheduler_lag_seconds",
    "How late the last dispatcher tick started after its scheduled minute.",
    registry=REGISTRY,
)
SCHEDULER_LEADER = Gauge(
    "empathybot_scheduler_leader",
    "1 while this process runs the scheduler's jobs.",
    registry=REGISTRY,
)


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
