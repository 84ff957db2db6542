"""/impact through the sandbox: an organisation admin gets the quarter's travel saved, earlier
quarters in the same message, and the XLSX; a learner is refused."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Enrolment, Organisation, Role, RoleGrant, User
from tests.factories import add_session, add_space, add_user

FR = translator("fr")
EN = translator("en")
ORG_ADMIN = 77


def _setup(engine, clock) -> None:
    """Bureautique & Vous: three learners this quarter (two from Augan, one without a home
    town), one in the previous quarter; another organisation's learner is not theirs."""
    space = add_space(engine)
    now = clock.now()
    this_quarter = add_session(engine, now=now, space_id=space, title="Excel initiation")
    last_quarter = add_session(engine, now=now, starts_in=-timedelta(days=70), space_id=space)
    other = add_session(engine, now=now, space_id=space, organisation="Autre organisme")
    for user_id, session_id, home in (
        (1, this_quarter, "56006"),
        (2, this_quarter, "56006"),
        (3, this_quarter, None),
        (4, last_quarter, "56006"),
        (5, other, "56006"),
    ):
        add_user(engine, user_id)
        with Session(engine) as db:
            user = db.get(User, user_id)
            assert user is not None
            user.home_insee = home
            db.add(Enrolment(session_id=session_id, user_id=user_id, status="enrolled"))
            db.commit()
    add_user(engine, ORG_ADMIN, name="Béa")
    with Session(engine) as db:
        org = db.exec(select(Organisation).where(Organisation.name == "Bureautique & Vous")).one()
        db.add(RoleGrant(user_id=ORG_ADMIN, role=Role.ORG_ADMIN, organisation_id=org.id))
        db.commit()


async def test_an_organisation_admin_gets_the_quarter_and_the_xlsx(chat, sqlite_engine, clock):
    _setup(sqlite_engine, clock)
    bea = chat.user(ORG_ADMIN, "Béa")
    [answer] = await chat.send(bea, "/impact")
    text = answer.plain
    assert text.startswith("Trajets évités – T4 2026 (Bureautique & Vous)")
    assert "3 apprenants · 3 jours de formation" in text
    assert "1 place sans commune connue" in text
    assert "kg CO2e" in text and "Méthode" in text and "ADEME" in text
    km = int(text.split(" km évités")[0].rsplit("\n", 1)[-1].replace("\u202f", ""))
    assert 160 < km < 220  # two learners from Augan, about 90 km each (round trip)
    assert answer.button_texts == [FR("impact.button_xlsx"), "T3 2026", "T2 2026", "T1 2026"]

    assert await chat.press(bea, label="T3 2026") == []  # edited in place
    edited = chat.last(bea)
    assert edited.message_id == answer.message_id
    assert edited.plain.startswith("Trajets évités – T3 2026")
    assert "1 apprenant · 1 jour de formation" in edited.plain

    [document] = await chat.press(bea, label=FR("impact.button_xlsx"))
    assert (document.kind, document.file_name) == ("document", "trajets-evites-2026Q3.xlsx")
    book = load_workbook(io.BytesIO(document.file_bytes))
    quarters = list(book["Trimestres"].values)
    assert [row[0] for row in quarters[1:]] == ["2026Q3", "2026Q2", "2026Q1", "2025Q4"]
    assert quarters[1][1:4] == (1, 1, 1)  # learners, places, days
    assert book.sheetnames == ["Trimestres", "Sessions", "Méthode"]
    cells = [cell for row in book["Sessions"].values for cell in row]
    assert all(name not in cells for name in ("Learner", "Béa"))  # sessions, never people


async def test_a_learner_is_refused(chat, sqlite_engine, clock) -> None:
    _setup(sqlite_engine, clock)
    anne = chat.user(42, "Anne")
    [answer] = await chat.send(anne, "/impact")
    assert answer.plain == FR("impact.not_allowed")
    # A forged XLSX button: answered with the refusal, no document.
    assert await chat.press(anne, data="ipc:x:2026Q4:0", message_id=answer.message_id) == []
    assert chat.sandbox.callback_answers(42)[-1][1] == FR("impact.not_allowed")


async def test_another_organisation_is_not_shown_to_an_organisation_admin(
    chat, sqlite_engine, clock
) -> None:
    _setup(sqlite_engine, clock)
    bea = chat.user(ORG_ADMIN, "Béa")
    [answer] = await chat.send(bea, "/impact Autre organisme")
    assert answer.plain == FR("impact.unknown_organisation", name="Autre organisme")


async def test_a_super_admin_sees_all_or_one_in_english(chat, sqlite_engine, clock) -> None:
    _setup(sqlite_engine, clock)
    admin = chat.user(1000, "Admin", language="en")
    [answer] = await chat.send(admin, "/impact")
    assert answer.plain.startswith("Travel saved – Q4 2026 (all organisations)")
    assert "4 learners · 4 days of training" in answer.plain
    [one] = await chat.send(admin, "/impact autre organisme")
    assert one.plain.startswith("Travel saved – Q4 2026 (Autre organisme)")
    assert "1 learner · 1 day of training" in one.plain
