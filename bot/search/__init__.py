"""Search core: from one free-text request to the few sessions that fit, nearest first.

Pure domain code (no Telegram; the database only in :func:`bot.search.docs.load_docs`):

* :mod:`bot.search.query` – :func:`parse_request`: topic words, place, time, modality, with
  :mod:`~bot.search.request_words`, :mod:`~bot.search.places` (communes, départements),
  :mod:`~bot.search.filters` (modality, CPF, radius) and :mod:`~bot.search.when` (time
  phrases, one rule each);
* :mod:`bot.search.topics` – the concept table of ``data/topics.toml`` (synonyms, acronyms,
  broader terms, English);
* :mod:`bot.search.matcher` – relevance of a session to the topic, typo-tolerant and strict;
* :mod:`bot.search.index` – :class:`SearchIndex`, in memory, by topic, place and time;
* :mod:`bot.search.service` – :func:`search`: ranking, widening, collapse, flags;
* :mod:`bot.search.docs`, :mod:`bot.search.live` – the sessions as search documents, and the
  index kept current; :mod:`bot.search.browse` – a result list's pages and refinements;
* :mod:`bot.search.cli` – ``python -m bot search``.
"""
