"""Everything that speaks Telegram: read the update, call one service, render a catalog text.

Each feature module exports `handlers()` (registered by `bot.application` in commented
blocks): `start`, `account`, `settings`, `admin`, `importer`, `roster`, `sessions`,
`enrolment`, `search` (with `results`), `alerts`, `mentoring/`, `companies/`, `fallback`;
`users` and `questions` see every update first. Buttons are declared once in `buttons`;
`common` runs services off the event loop and answers refusals. Messages to other people are
rendered in `notices/` and sent by `delivery/` (reminder rows claimed once); `reminding` and
`announce` plan them; `menu` publishes the command menus; `errors` is the one error handler.
"""
