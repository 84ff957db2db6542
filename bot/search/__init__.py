"""Search core: from one free-text request to the few sessions that fit, nearest first.

Pure domain code (no Telegram; the database only through :mod:`bot.search.docs`):

* :mod:`bot.search.query` – :func:`parse_request`: topic words, place, time, modality, with
  :mod:`~bot.search.request_words`, :mod:`~bot.search.places` (communes, départements,
  regions: :mod:`~bot.search.regions`), :mod:`~bot.search.filters` (modality, CPF, radius)
  and :mod:`~bot.search.when` (time phrases, one rule each; school year: ``when.school``);
* :mod:`bot.search.homonyms` – among towns of one name (or sound), the one the offer picks;
  :mod:`bot.search.chatter` – messages that name no topic ("merci !", "👍");
* :mod:`bot.search.topics` – the concept table of ``data/topics.toml`` (synonyms, acronyms,
  broader terms, English);
* :mod:`bot.search.matcher` – relevance of a session to the topic, typo-tolerant and strict;
* :mod:`bot.search.index` – :class:`SearchIndex`, in memory, by topic, place and time, its
  sessions as columns (:mod:`~bot.search.store`), relevance once per profile
  (:mod:`~bot.search.scores`), the best results without visiting every match
  (:mod:`~bot.search.retrieval`);
* :mod:`bot.search.service` – :func:`search`: ranking, widening, collapse, flags;
* :mod:`bot.search.docs`, :mod:`bot.search.live` – the sessions as search documents, and the
  index built in the background and swapped; :mod:`bot.search.prefilter` – one request
  answered from the database (the CLI, and the bot while its index builds);
  :mod:`bot.search.browse` – a result list's pages and refinements;
* :mod:`bot.search.cli` – ``python -m bot search``.
"""
