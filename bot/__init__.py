"""Proxi's domain, storage and entry points. Nothing here imports Telegram but the wiring
(`application`, `context`, `updates`, `runner`, `demo`, `persistence`, `retrying`); the chat
lives in `handlers/`.

- wiring and entry points: `application`, `context`, `updates`, `tracking`, `persistence`,
  `retrying`, `runner`, `cli`,
  `__main__`, `demo`, `terminal`;
- storage: `models`, `db`, `migrations/`; settings: `config`; clocks: `clock`; texts: `i18n`,
  `locales/`; expected failures: `errors`;
- domain, one module or package per concern: `users`, `roles`, `catalogue`, `enrolment`,
  `alerts`, `announcements`, `search/`, `gazetteer/`, `geo`, `importer/`, `mentoring/`,
  `reminders/`;
- the offline Telegram Bot API: `sandbox/`.
"""
