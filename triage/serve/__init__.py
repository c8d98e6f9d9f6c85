"""`triage serve`: GitLab's webhooks answered at once, and each issue an event touches planned
again within seconds, from a fresh read, under the run lease (the hourly run stays the
reconciler). `receiver` decides on one delivery (pure), `inbox` holds the issues waiting (debounce,
repeats, retries, restarts), `worker` plans them one at a time, `service` puts these together,
`app` is the web side (Starlette on uvicorn: the `serve` extra), `metrics` the counters."""
