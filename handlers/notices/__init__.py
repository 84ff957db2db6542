"""Messages to people other than the one writing, rendered from `reminder` rows at send time.

- `base`: the `Message` a renderer returns, the renderer registry, `Obsolete`;
- `sessions`: the day-before reminder of a training session, and changes to a booked session;
- `waitlist`: a freed seat offered to the next learner, and its lapse;
- `alerts`: a new session matching a learner's alert;
- `mentoring`: appointment reminders (before, and attendance/rating after).

Importing a module registers its renderers; `bot.application` imports them all before the
first sweep. Planning and sending are `handlers.delivery`'s work.
"""
