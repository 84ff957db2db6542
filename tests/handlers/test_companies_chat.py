"""Company requests in the chat: written in employer phrasing or from the menu, at most three
questions, routed once to the organisations teaching the topic nearby, answered through the
relay, and marked answered in /entreprises."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from bot.companies.tables import CompanyMessage, CompanyRequest, CompanyRoute
from bot.i18n import translator
from bot.models import Organisation, RoleGrant
from tests.factories import add_session, add_space, add_user
from tests.helpers import plain

FR = translator("fr")
COMPANY, NEAR_ADMIN, FAR_ADMIN, EXCEL_ADMIN = 42, 500, 501, 502
MAURON = (48.0838, -2.2839)


def _grant(engine, user_id: int, organisation: str) -> int:
    add_user(engine, user_id, name=f"Admin{user_id}")
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == organisation)).one()
        session.add(RoleGrant(user_id=user_id, role="org_admin", organisation_id=org.id))
        session.commit()
        return org.id  # type: ignore[return-value]


def offer(engine, now) -> dict[str, int]:
    """SST near Mauron (Secours Formation), SST far away (Limousin), Excel near Mauron."""
    near = add_space(engine, name="Espace de Mauron", city="Mauron", latitude=MAURON[0] + 0.01,
                     longitude=MAURON[1])  # fmt: skip
    far = add_space(engine, name="Espace de Bellac", city="Bellac", latitude=46.12, longitude=1.05)
    title = "SST – Sauveteur Secouriste du Travail"
    add_session(engine, now=now, title=title, organisation="Secours Formation", space_id=near)
    add_session(engine, now=now, title=title, organisation="Limousin Secours", space_id=far)
    add_session(engine, now=now, title="Excel initiation", organisation="Bureau Pro",
                space_id=near)  # fmt: skip
    return {
        "near": _grant(engine, NEAR_ADMIN, "Secours Formation"),
        "far": _grant(engine, FAR_ADMIN, "Limousin Secours"),
        "excel": _grant(engine, EXCEL_ADMIN, "Bureau Pro"),
    }


async def admins_started(chat) -> dict[int, object]:
    people = {}
    for user_id in (NEAR_ADMIN, FAR_ADMIN, EXCEL_ADMIN):
        people[user_id] = chat.user(user_id, f"Admin{user_id}")
        await chat.send(people[user_id], "/start")
    return people


async def write_request(chat, company, *, share: bool = False) -> list:
    """The company writes one sentence, answers the two questions left, sends."""
    first = await chat.send(company, "une formation SST pour 6 salariés à Mauron")
    second = await chat.send(company, "en mars")
    third = await chat.press(company, label=FR("companies.button_telegram"))
    questions = [m.plain for m in (*first, *second, *third)]
    if share:
        await chat.press(company, label=FR("companies.button_share"))
    sent = await chat.press(company, label=FR("companies.button_send"))
    return [questions, sent]


async def requested(chat, engine, clock) -> tuple[Any, Any, Any]:
    """The offer, the admins in the chat, a request sent: (near admin, company, its notice)."""
    offer(engine, clock.now())
    admins = await admins_started(chat)
    company = chat.user(COMPANY, "Claire")
    await write_request(chat, company)
    return admins[NEAR_ADMIN], company, chat.last(admins[NEAR_ADMIN])


async def test_a_request_in_employer_phrasing_reaches_the_organisation_teaching_it_nearby(
    chat, sqlite_engine, clock
) -> None:
    offer(sqlite_engine, clock.now())
    admins = await admins_started(chat)
    company = chat.user(COMPANY, "Claire")
    before = {i: len(chat.sandbox.bot_messages(i)) for i in admins}

    questions, _ = await write_request(chat, company)

    # Two questions only (when, contact): the sentence said the topic, the count and the town.
    assert questions[0] == FR("companies.ask_when")
    assert questions[1] == plain(FR("companies.ask_contact"))
    summary = questions[2]
    assert "SST (Sauveteur Secouriste du Travail) · 6 personnes · Mauron (56) · en mars" in summary
    assert "contact : via Telegram" in summary
    assert plain(FR("companies.identity_hidden")) in summary
    assert chat.last(company).plain.startswith("C'est envoyé à 1 organisme près de Mauron (56)")
    [notice] = chat.sandbox.bot_messages(NEAR_ADMIN)[before[NEAR_ADMIN] :]
    assert notice.plain.startswith("Demande d'entreprise")
    assert "6 personnes" in notice.plain
    assert plain(FR("companies.who_hidden")) in notice.plain  # the name was not shared
    assert "Claire" not in notice.plain
    # Not out of reach, not to an organisation that does not teach it.
    assert len(chat.sandbox.bot_messages(FAR_ADMIN)) == before[FAR_ADMIN]
    assert len(chat.sandbox.bot_messages(EXCEL_ADMIN)) == before[EXCEL_ADMIN]


async def test_an_ordinary_search_is_not_taken_for_a_company_request(
    chat, sqlite_engine, clock
) -> None:
    offer(sqlite_engine, clock.now())
    learner = chat.user(43, "Léa")
    [answer] = await chat.send(learner, "formation excel à Mauron")
    assert "formation excel à Mauron" in answer.plain  # the search's answer, not a question
    with Session(sqlite_engine) as session:
        assert session.exec(select(CompanyRequest)).all() == []


async def test_the_menu_button_asks_at_most_three_questions(chat, sqlite_engine, clock) -> None:
    offer(sqlite_engine, clock.now())
    company = chat.user(COMPANY, "Claire")
    await chat.send(company, "/start")
    asked = await chat.press(company, label=FR("companies.button_menu"))
    asked += await chat.send(company, "du secourisme pour 4 personnes")
    asked += await chat.send(company, "Mauron, au printemps")
    asked += await chat.send(company, "contact@menuiserie-mauron.fr")
    texts = [m.plain for m in asked]
    assert texts[:3] == [
        FR("companies.start"),
        FR("companies.ask_where_when"),
        plain(FR("companies.ask_contact")),
    ]
    assert "Secourisme · 4 personnes · Mauron (56)" in texts[3]
    assert "contact : contact@menuiserie-mauron.fr" in texts[3]


async def test_relay_both_ways_identity_when_agreed_and_marking_answered(
    chat, sqlite_engine, clock
) -> None:
    orgs = offer(sqlite_engine, clock.now())
    admins = await admins_started(chat)
    admin = admins[NEAR_ADMIN]
    company = chat.user(COMPANY, "Claire")
    await write_request(chat, company, share=True)
    notice = chat.last(admin)
    assert "De : Claire" in notice.plain

    # The organisation answers: relayed under its name.
    await chat.press(admin, label=FR("companies.button_reply"), message_id=notice.message_id)
    [done] = await chat.send(admin, "Bonjour, nous pouvons venir le 10 mars. Combien d'heures ?")
    assert done.plain == FR("companies.relayed")
    relayed = chat.last(company)
    assert relayed.plain.startswith("Secours Formation (votre demande")
    assert "nous pouvons venir le 10 mars" in relayed.plain

    # The company answers back, to that admin.
    await chat.press(company, label=FR("companies.button_reply"), message_id=relayed.message_id)
    await chat.send(company, "14 heures, merci !")
    back = chat.last(admin)
    assert back.plain.startswith("Claire (demande")
    assert "14 heures, merci !" in back.plain
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(CompanyMessage)).all()) == 2

    # /entreprises lists it; [Répondue] takes it off the list.
    [listing] = await chat.send(admin, "/entreprises")
    assert "1. SST" in listing.plain
    await chat.press(admin, label=FR("companies.button_answered_n", n=1),
                     message_id=listing.message_id)  # fmt: skip
    assert chat.last(admin).plain == FR("companies.marked")
    [empty] = await chat.send(admin, "/entreprises")
    assert empty.plain == FR("companies.list_empty", organisation="Secours Formation")

    # Either side ends the conversation; the other is told.
    await chat.press(company, label=FR("companies.button_end"), message_id=relayed.message_id)
    assert "a terminé la conversation" in chat.last(admin).plain
    with Session(sqlite_engine) as session:
        [route] = session.exec(select(CompanyRoute)).all()
    assert route.organisation_id == orgs["near"]
    assert route.closed_at is not None and route.answered_by == NEAR_ADMIN


@pytest.mark.parametrize("forged", ["reply", "answered", "end", "alert"])
async def test_a_forged_button_on_another_request_is_refused(
    chat, sqlite_engine, clock, forged
) -> None:
    orgs = offer(sqlite_engine, clock.now())
    admins = await admins_started(chat)
    company = chat.user(COMPANY, "Claire")
    await write_request(chat, company)
    with Session(sqlite_engine) as session:
        [route] = session.exec(select(CompanyRoute)).all()
    intruder = admins[EXCEL_ADMIN]  # an admin, but of an organisation that never got it
    data = {
        "reply": f"co:re:{route.id}",
        "answered": f"co:ok:{route.request_id}:{orgs['near']}",
        "end": f"co:end:{route.id}",
        "alert": f"co:al:{route.request_id}",  # only the requester may
    }[forged]
    await chat.press(intruder, data=data)
    [(_, text, alert)] = chat.sandbox.callback_answers(intruder.id)[-1:]
    assert (text, alert) == (FR("companies.not_yours"), True)
    with Session(sqlite_engine) as session:
        [route] = session.exec(select(CompanyRoute)).all()
    assert route.answered_at is None and route.replier_id is None and route.closed_at is None


async def test_nobody_teaching_it_nearby_is_said_and_offers_an_alert(
    chat, sqlite_engine, clock
) -> None:
    offer(sqlite_engine, clock.now())
    company = chat.user(COMPANY, "Claire")
    await chat.send(company, "formation SST pour 6 salariés à Strasbourg en mars")
    await chat.send(company, "06 12 34 56 78")
    await chat.press(company, label=FR("companies.button_send"))
    text = chat.last(company).plain
    assert text.startswith("Aucun organisme n'enseigne encore")
    await chat.press(company, label=FR("companies.button_alert"))
    assert chat.last(company).plain.startswith("C'est noté : je vous écrirai")
    with Session(sqlite_engine) as session:
        [request] = session.exec(select(CompanyRequest)).all()
        assert session.exec(select(CompanyRoute)).all() == []
    assert request.contact == "06 12 34 56 78" and request.head_count == 6


async def test_send_pressed_twice_files_one_request(chat, sqlite_engine, clock) -> None:
    offer(sqlite_engine, clock.now())
    await admins_started(chat)
    company = chat.user(COMPANY, "Claire")
    await chat.send(company, "SST pour 6 salariés à Mauron en mars, rh@menuiserie.fr")
    summary = chat.last(company)
    await chat.press(company, label=FR("companies.button_send"), message_id=summary.message_id)
    before = len(chat.sandbox.bot_messages(NEAR_ADMIN))
    await chat.press(company, data="co:send", message_id=summary.message_id)
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(CompanyRequest)).all()) == 1
    assert len(chat.sandbox.bot_messages(NEAR_ADMIN)) == before


async def test_after_the_end_neither_side_can_write(chat, sqlite_engine, clock) -> None:
    admin, company, notice = await requested(chat, sqlite_engine, clock)
    await chat.press(admin, label=FR("companies.button_reply"), message_id=notice.message_id)
    await chat.send(admin, "Bonjour !")
    relayed = chat.last(company)
    await chat.press(admin, label=FR("companies.button_end"))
    assert chat.last(admin).plain == FR("companies.ended")
    assert "Secours Formation a terminé la conversation" in chat.last(company).plain

    await chat.press(company, label=FR("companies.button_reply"), message_id=relayed.message_id)
    [(_, text, _)] = chat.sandbox.callback_answers(company.id)[-1:]
    assert text == FR("companies.closed")
    [answer] = await chat.send(admin, "Encore une chose")  # no longer relayed: a search
    assert "Encore une chose" not in chat.last(company).plain
    assert answer.plain != FR("companies.relayed")


async def test_organisations_not_on_proxi_yet_keep_it_and_the_company_is_told(
    chat, sqlite_engine, clock
) -> None:
    near = add_space(sqlite_engine, city="Mauron", latitude=MAURON[0], longitude=MAURON[1])
    add_session(sqlite_engine, now=clock.now(), title="SST initiale", organisation="Sans Admin",
                space_id=near)  # fmt: skip
    company = chat.user(COMPANY, "Claire")
    await chat.send(company, "SST pour 6 salariés à Mauron en mars, rh@menuiserie.fr")
    await chat.press(company, label=FR("companies.button_send"))
    assert chat.last(company).plain.startswith("Les organismes qui enseignent « SST")
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(CompanyRoute)).all()) == 1


async def test_a_restart_half_way_continues_the_request_and_the_relay(
    chat, application, sandbox, sqlite_engine, clock, error_watch
) -> None:
    from bot.application import build_application, post_init
    from tests.handlers.conftest import ChatDriver

    admin, company, notice = await requested(chat, sqlite_engine, clock)
    await chat.press(admin, label=FR("companies.button_reply"), message_id=notice.message_id)
    [asked] = await chat.send(company, "formation gestes et postures pour nos agents à Josselin")
    assert asked.plain == FR("companies.ask_count")  # the topic and town were said

    # A new process on the same database: both conversations go on where they were.
    other = build_application(application.bot_data["services"].settings, engine=sqlite_engine,
                              clock=clock)  # fmt: skip
    async with other:
        await post_init(other)
        error_watch.accept_startup_menus()
        again = ChatDriver(sandbox, other)
        [question] = await again.send(company, "pour 3 personnes en mai")
        assert question.plain == plain(FR("companies.ask_contact"))
        await again.send(admin, "Nous avons une date le 12 mars.")
        assert "Nous avons une date le 12 mars." in again.last(company).plain


async def test_in_english(chat, sqlite_engine, clock) -> None:
    offer(sqlite_engine, clock.now())
    await admins_started(chat)
    company = chat.user(COMPANY, "Claire", language="en")
    en = translator("en")
    [asked] = await chat.send(company, "first aid training for my staff of 6 in Mauron in April")
    assert asked.plain == en("companies.ask_contact")
    [summary] = await chat.press(company, label=en("companies.button_telegram"))
    assert "First aid · 6 people · Mauron (56) · in april · contact: via Telegram" in summary.plain
    await chat.press(company, label=en("companies.button_send"))
    assert chat.last(company).plain.startswith("Sent to 1 organisation near Mauron (56)")
    assert chat.last(chat.user(NEAR_ADMIN)).plain.startswith("Demande d'entreprise")  # in French


async def test_a_telegram_reply_to_a_relayed_message_goes_back(chat, sqlite_engine, clock) -> None:
    admin, company, notice = await requested(chat, sqlite_engine, clock)
    # The admin swipes to reply to the notice: passed on without [Répondre].
    [done] = await chat.do(
        admin, "send_text", "Bonjour, quelles dates ?", reply_to=notice.message_id
    )
    assert done.plain == FR("companies.relayed")
    relayed = chat.last(company)
    assert "Bonjour, quelles dates ?" in relayed.plain
    # So does the company, with words that would otherwise start a request of its own.
    await chat.do(
        company, "send_text", "Pour nos 6 salariés, en mars.", reply_to=relayed.message_id
    )
    assert "Pour nos 6 salariés, en mars." in chat.last(admin).plain
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(CompanyRequest)).all()) == 1
    # A plain message (no reply, no [Répondre]) is a search again.
    [answer] = await chat.send(company, "formation excel à Mauron")
    assert "formation excel à Mauron" in answer.plain
