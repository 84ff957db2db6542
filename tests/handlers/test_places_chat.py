"""Places as people type them, in the chat: sound-alike and mistyped towns, homonyms the
offer decides, départements and regions by name, school-year time phrases, and messages
that name no topic (issue 12)."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Enrolment

FR = translator("fr")


def _labels(entry) -> list[str]:
    return [b.text for row in entry.buttons for b in row]


def _edited(chat, user, message_id):
    [entry] = [e for e in chat.sandbox.transcript(user.id) if e.message_id == message_id]
    return entry


async def test_homonym_town_to_enrolment_in_three_actions(loaded, sqlite_engine) -> None:
    """Only Murat (15) has sessions around it: no question, three actions to a seat."""
    chat = loaded
    anne = chat.user()
    await chat.send(anne, "/start")
    [results] = await chat.send(anne, "excel à Murat")  # action 1
    assert "autour de Murat (15)" in results.plain
    assert FR("search.which_place") not in results.plain
    assert "Ce n'est pas ce Murat ?" in results.plain
    assert "Murat (03)" in _labels(results)
    await chat.press(anne, index=1, message_id=results.message_id)  # action 2: the session
    await chat.press(anne, label=FR("card.button_enrol"), message_id=results.message_id)  # 3
    with Session(sqlite_engine) as session:
        assert [e.status for e in session.exec(select(Enrolment))] == ["enrolled"]


async def test_the_other_homonym_is_one_tap_away(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, "excel à Murat")
    await chat.press(anne, label="Murat (03)", message_id=results.message_id)
    other = _edited(chat, anne, results.message_id)
    assert "Murat (03)" in other.plain and "Murat (15)" not in other.plain
    assert "Murat (03)" not in _labels(other)  # no alternative offered any more


@pytest.mark.parametrize(
    ("typed", "town"),
    [
        ("excel à Moron", "Mauron (56)"),  # sounds the same
        ("bureautique près de Ploermelle", "Ploërmel (56)"),  # sounds the same
        ("anglais pas loin de Josslin", "Josselin (56)"),  # a letter missing
        ("secourisme à Mloermel", "Ploërmel (56)"),  # a wrong first letter
        ("anglais à St Méen", "Saint-Méen-le-Grand (35)"),  # abbreviated, the offer decides
    ],
)
async def test_towns_as_people_type_them(loaded, typed, town) -> None:
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, typed)
    assert f"autour de {town}" in results.plain
    assert FR("search.which_place") not in results.plain
    if "Ploërmel" not in typed:  # a corrected town says how it was read
        assert f"→ {town.rsplit(' (', 1)[0]})" in results.plain


async def test_departement_and_region_by_name(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [dept] = await chat.send(anne, "excel dans le Morbihan")
    assert "dans le Morbihan (56)" in dept.plain
    [region] = await chat.send(anne, "anglais en Bretagne")
    assert "anglais" in region.plain.lower() and "en Bretagne" in region.plain
    assert "Villedieu" not in region.plain  # Normandie's sessions are not in Bretagne


async def test_after_the_holidays_starts_when_classes_resume(loaded, clock) -> None:
    """Thursday 25 February 2027 is in zone B's winter holidays; classes resume 8 March."""
    clock.set(datetime(2027, 2, 25, 9, 0, tzinfo=UTC))
    chat = loaded
    anne = chat.user()
    [results] = await chat.send(anne, "anglais après les vacances près de Ploërmel")
    assert "autour de Ploërmel (56)" in results.plain
    [first_line] = [line for line in results.plain.splitlines() if line.startswith("1. ")]
    assert "février" not in first_line and "4 mars" not in first_line


async def test_the_rentree_is_next_september(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [reply] = await chat.send(anne, "excel à la rentrée près de Ploërmel")
    # The sample ends in July 2027: nothing at the rentrée, said plainly (no question).
    assert reply.plain.startswith("Aucune session pour Excel autour de Ploërmel (56)")


@pytest.mark.parametrize(
    "text", ["merci !", "👍", "?!", "ok", "bonjour", "'; DROP TABLE users; --", "thanks a lot"]
)
async def test_a_message_without_a_topic_gets_the_short_help(loaded, text) -> None:
    chat = loaded
    anne = chat.user()
    [reply] = await chat.send(anne, text)
    assert reply.plain == FR("search.need_topic").replace("<i>", "").replace("</i>", "")
    assert reply.reply_keyboard is None  # no [Partager ma position]: the town is not asked


async def test_a_town_alone_is_still_a_request(loaded) -> None:
    chat = loaded
    anne = chat.user()
    [reply] = await chat.send(anne, "Ploërmel")
    assert "Ploërmel (56)" in reply.plain


async def test_a_homonym_answer_to_where_is_settled_by_the_waiting_request(loaded) -> None:
    """ "Around which town?" "Murat": the Murat where Excel is taught, no second question."""
    chat = loaded
    anne = chat.user()
    [ask] = await chat.send(anne, "excel")
    assert ask.plain == FR("search.ask_place")
    [results] = await chat.send(anne, "Murat")
    assert "Excel" in results.plain and "autour de Murat (15)" in results.plain
    assert "Murat (03)" in _labels(results)
