"""The service's counters, shown at `GET /metrics` in Prometheus' text format (version 0.0.4)."""

from __future__ import annotations

import threading
from collections import Counter

HELP = {
    "triage_webhook_deliveries_total": ("counter", "Webhook deliveries by what was decided."),
    "triage_webhook_refused_total": ("counter", "Deliveries refused (401): bad or missing secret."),
    "triage_plans_total": ("counter", "Issues planned again after events, by outcome."),
    "triage_writes_total": ("counter", "Writes to GitLab made by serve."),
    "triage_lease_busy_total": ("counter", "Times the run lease was held by another run."),
    "triage_event_to_plan_seconds_sum": ("counter", "Seconds from each event to its plan's end."),
    "triage_event_to_plan_seconds_count": ("counter", "Events whose plan ended."),
    "triage_pending_issues": ("gauge", "Issues waiting to be planned again."),
    "triage_gitlab_reachable": ("gauge", "1 if GitLab answered at the last attempt, else 0."),
}


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self.gauges: dict[str, float] = {}

    def add(self, name: str, value: float = 1, **labels: str) -> None:
        with self._lock:
            self._counts[(name, tuple(sorted(labels.items())))] += value  # type: ignore[assignment]

    def get(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counts[(name, tuple(sorted(labels.items())))]

    def total(self, name: str) -> float:
        with self._lock:
            return sum(v for (n, _), v in self._counts.items() if n == name)

    def text(self) -> str:
        with self._lock:
            counts = dict(self._counts)
            gauges = dict(self.gauges)
        lines = []
        for name, (kind, help_text) in HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            if kind == "gauge":
                lines.append(f"{name} {_number(gauges.get(name, 0))}")
                continue
            rows = sorted((labels, v) for (n, labels), v in counts.items() if n == name)
            for labels, value in rows or [((), 0)]:
                shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                lines.append(
                    f"{name}{{{shown}}} {_number(value)}" if shown else f"{name} {_number(value)}"
                )
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
