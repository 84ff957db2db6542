"""A space in one of the Petites Villes de Demain is labelled so on its session card."""

from __future__ import annotations

import dataclasses

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.catalogue import session_card
from bot.clock import FrozenClock
from bot.gazetteer import is_petite_ville_de_demain
from bot.i18n import translator
from bot.models import Space
from handlers.render import card_text
from tests.factories import add_session


def test_is_petite_ville_de_demain() -> None:
    assert is_petite_ville_de_demain("56165")  # Ploërmel
    assert is_petite_ville_de_demain("2b096")  # Corte, whatever the case
    assert not is_petite_ville_de_demain("35238")  # Rennes
    assert not is_petite_ville_de_demain(None)
    assert not is_petite_ville_de_demain("")


def test_card_of_a_space_in_a_pvd_town(sqlite_engine: Engine, clock: FrozenClock) -> None:
    sid = add_session(sqlite_engine, now=clock.now())
    card = session_card(sqlite_engine, session_id=sid, now=clock.now())
    assert card is not None and not card.pvd  # no INSEE code known: not labelled
    with Session(sqlite_engine) as session:
        for space in session.exec(select(Space)):
            space.insee = "56165"
        session.commit()
    card = session_card(sqlite_engine, session_id=sid, now=clock.now())
    assert card is not None and card.pvd

    fr, en = translator("fr"), translator("en")
    place_line = next(line for line in card_text(fr, card).splitlines() if line.startswith("Où"))
    assert place_line.endswith("56800 Ploërmel · Petite Ville de Demain")
    assert "Petite Ville de Demain" in card_text(en, card)
    plain = dataclasses.replace(card, pvd=False)
    assert "Petite Ville de Demain" not in card_text(fr, plain)
