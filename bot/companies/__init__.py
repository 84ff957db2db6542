"""Requests from local companies (intra-entreprise training): an employer asks for a course
for their staff, the organisations that teach it nearby hear of it once, answer through the
bot, and mark it answered.

- `detection`: employer phrasing in a message ("pour 6 salariés", "for my staff"), head
  counts and contacts (pure);
- `drafts`: the request being written, filled from each message, what is still missing;
- `routing`: which organisations teach the topic within reach, and the request stored with
  one route per organisation (unique, so nothing reaches an organisation twice);
- `relay`: the relayed conversation between an organisation and the company;
- `answers`: open requests of an organisation, marking answered, the /demande line,
  forgetting a user;
- `tables`: the rows (imported by `bot.models`).

Nothing is imported here: `bot.models` imports `tables` while it is itself being imported.
"""
