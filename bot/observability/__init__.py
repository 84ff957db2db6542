"""What an operator sees of a running bot: metrics, health, logs (issue 14).

- `metrics.py`: the Prometheus metrics of one bot (a registry of its own, so tests can build
  several bots in one process), and the reminder figures read from the database at scrape.
- `health.py`: readiness (database, schema, role, JobQueue, Bot API) and the small HTTP server
  answering `/healthz`, `/readyz` and `/metrics` on `HEALTH_HOST:HEALTH_PORT`.
- `logs.py`: the log format (plain or JSON lines) and the hashing of user ids.

No Telegram here: the PTB side (timing updates, counting Bot API calls) is
`handlers/observing.py`, which feeds these objects.
"""
