"""Proxi's domain, storage and entry points. Nothing here imports Telegram but the wiring
(`application`, `context`, `updates`, `runner`, `demo`); the chat lives in `handlers/`
(with PTB's persistence, rate limiter and update inbox adapters: `handlers.persistence`,
`handlers.retrying`, `handlers.inbox`).

- wiring and entry points: `application`, `context`, `updates`, `tracking`, `runner`, `cli`,
  `__main__`, `demo`, `terminal`; active and standby: `leadership`, the update inbox: `inbox`;
- storage: `models`, `db`, `migrations/`; settings: `config`; clocks: `clock`; texts: `i18n`,
  `locales/`; expected failures: `errors`;
- domain, one module or package per concern: `users`, `roles`, `catalogue`, `enrolment`,
  `alerts`, `announcements`, `search/`, `gazetteer/`, `geo`, `importer/`, `mentoring/`,
  `companies/`, `reminders/`;
- the offline Telegram Bot API: `sandbox/`.
"""
