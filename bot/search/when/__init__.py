"""Time phrases of a request ("en mars", "la semaine prochaine", "le samedi", "le soir").

:func:`parse_when` reads normalised words (see :func:`bot.search.topics.normalize`; function
words kept, since "la semaine prochaine" needs them) and returns a :class:`When` plus the
positions of the words it used. Dates are computed in the display time zone (Europe/Paris):
"demain" starts at local midnight, whatever the season, and the bounds are then converted to
aware UTC datetimes. Pure: "now" is always passed in.

Layout:

* :mod:`.dates` – :class:`When`, the day parts and the local-date arithmetic (``Calendar``);
* :mod:`.phrases` – fixed wordings ("demain", "ce week-end", "le soir"), one rule each;
* :mod:`.patterns` – wordings with a variable part (seasons, months, weekdays, "dans les 15
  jours"), one rule each, tried in order;
* :mod:`.parse` – :func:`parse_when`, which runs the rules over a request.
"""

from bot.search.when.dates import AFTERNOON, EVENING, MORNING, When
from bot.search.when.parse import parse_when

__all__ = ["AFTERNOON", "EVENING", "MORNING", "When", "parse_when"]
