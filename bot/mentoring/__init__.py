"""Mentoring: tutors' availability, appointments and their lifecycle, calendar files.

The domain layer only (no Telegram): services take plain values and an engine, run one short
transaction each, guard every seat and status change with a single atomic UPDATE, raise the
named exceptions of :mod:`bot.mentoring.errors` and return the plain views of
:mod:`bot.mentoring.views`, which the chat handlers render.

* :mod:`~bot.mentoring.availability` – tutors add, list and remove slots (single or weekly);
* :mod:`~bot.mentoring.removal` – a tutor removes a slot or a series (booked ones when forced);
* :mod:`~bot.mentoring.drafts` – a slot described field by field, created in one call;
* :mod:`~bot.mentoring.parsing` – the typed shortcut "mardi 14h-16h à Redon" (pure);
* :mod:`~bot.mentoring.finder` – open slots for learners, by topic, tutor and distance;
* :mod:`~bot.mentoring.appointments` – request, confirm, decline, counter-proposal;
* :mod:`~bot.mentoring.moves` – cancel and reschedule, by either side;
* :mod:`~bot.mentoring.guards` – the guarded seat and status statements they share;
* :mod:`~bot.mentoring.followup` – nudges and expiry, attendance, ratings, listings;
* :mod:`~bot.mentoring.reminding` – the reminders to schedule for a confirmed appointment;
* :mod:`~bot.mentoring.ics` – .ics REQUEST and CANCEL files;
* :mod:`~bot.mentoring.lookup` – read-only look-ups, and the checks of what is the reader's;
* :mod:`~bot.mentoring.tutors`, :mod:`~bot.mentoring.timing` – tutor ids, Paris wall times.

Its reminders are rendered by `handlers.notices.mentoring`, its chat is `handlers.mentoring`.
"""
