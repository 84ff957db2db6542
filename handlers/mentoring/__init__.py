"""Mentoring in chat: tutors publish slots and decide on requests, learners book, both manage
their appointments. The domain is `bot.mentoring`; its reminders render in
`handlers.notices.mentoring`.

- `availability`: /disponibilites, a tutor's slot list and removals;
- `adding`: the guided steps of adding a slot (day, start, length, place, seats);
- `typing`: availability typed in one sentence ("mardi 14h-16h à Redon"), a link, a place;
- `creating`: the slot(s) created from a complete draft;
- `decisions`: a tutor's [Confirmer] / [Refuser] / [Proposer un autre créneau], /historique,
  and the sweep that nudges then expires unanswered requests;
- `booking`: /mentorat, a learner's choice of topic, tutor and slot, and a tutor's proposal;
- `appointments`: /mes_rdv, cancel, move, attendance and rating;
- `conversation`: the ConversationHandler that takes typed answers;
- shared: `state` (what is awaited, settings), `access` (what the presser may act on),
  `messages` (to either side, with pin and .ics), `texts`, `keyboards`.
"""
