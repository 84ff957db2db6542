"""/demande sends its pictures and the full table, and tells an organisation admin about the
companies' open requests near its spaces."""

import io
import struct
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.companies.tables import CompanyRequest, CompanyRoute
from bot.i18n import translator
from bot.models import Organisation, RoleGrant
from tests.demand_helpers import add_searches
from tests.factories import add_user

FR = translator("fr")
ORG_ADMIN, COMPANY = 77, 88
ORG = "Bureautique & Vous"
PLOERMEL, JOSSELIN = "56165", "56091"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def loaded(loaded, sqlite_engine):
    """The sample data and an admin of "Bureautique & Vous" (spaces at Ploërmel, Josselin…)."""
    add_user(sqlite_engine, ORG_ADMIN, name="Béa")
    with Session(sqlite_engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == ORG)).one()
        session.add(RoleGrant(user_id=ORG_ADMIN, role="org_admin", organisation_id=org.id))
        session.commit()
    return loaded


def _org_id(engine) -> int:
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == ORG)).one()
        assert org.id is not None
        return org.id


def _open_request(engine, *, answered: bool = False) -> None:
    """A company's request routed to the organisation (as `companies.routing.submit` does)."""
    add_user(engine, COMPANY, name="Claire")
    organisation_id = _org_id(engine)
    with Session(engine) as session:
        request = CompanyRequest(
            requester_id=COMPANY, concept_id="sst", head_count=6, place_label="Mauron (56)",
            insee="56127", latitude=48.08, longitude=-2.28, contact="Telegram",
        )  # fmt: skip
        session.add(request)
        session.flush()
        assert request.id is not None
        session.add(
            CompanyRoute(
                request_id=request.id,
                organisation_id=organisation_id,
                distance_km=1.0,
                answered_at=request.created_at if answered else None,
            )
        )
        session.commit()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _labels(entry) -> list[str]:
    return [b.text for row in entry.buttons for b in row]


async def test_text_then_the_two_pictures_then_the_table(loaded, sqlite_engine, clock) -> None:
    chat = loaded
    recent = clock.now() - timedelta(days=3)
    # 5 people searched CACES (shown), 4 English (withheld).
    add_searches(sqlite_engine, people=range(1, 6), concepts="caces", insee=JOSSELIN,
                 departement="56", at=recent)  # fmt: skip
    add_searches(sqlite_engine, people=range(10, 14), concepts="anglais", insee=PLOERMEL,
                 departement="56", at=recent)  # fmt: skip
    text, topics, area, table = await chat.send(chat.user(ORG_ADMIN, "Béa"), "/demande")
    assert text.plain.startswith("Demande autour des espaces de Bureautique & Vous")
    assert [topics.kind, area.kind, table.kind] == ["photo", "photo", "document"]
    # The two pictures are one album (sendMediaGroup), the table a file of its own.
    album = topics.message.get("media_group_id")
    assert album is not None and area.message.get("media_group_id") == album
    assert "media_group_id" not in table.message
    assert topics.plain == FR("demand.chart.topics_caption", days=90)
    assert area.plain == FR("demand.chart.map_caption", days=90)
    for picture in (topics, area):
        assert _png_size(picture.file_bytes) == (1080, 1350)
        assert len(picture.file_bytes) < 1_000_000
    assert table.file_name == "demande-bureautique-vous-90j.xlsx"
    assert table.plain == "Le tableau complet : 1 ligne (cellules d'au moins 5 personnes)."
    sheet = load_workbook(io.BytesIO(table.file_bytes))["demande"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:4] == ["topic", "topic_label", "commune_insee", "commune_name"]
    assert [(r[0], r[3], r[header.index("people")]) for r in rows] == [("caces", "Josselin", 5)]
    assert "anglais" not in {r[0] for r in rows}  # 4 people: never in the file either


async def test_another_period_has_its_pictures_on_demand(loaded, sqlite_engine, clock) -> None:
    chat = loaded
    bea = chat.user(ORG_ADMIN, "Béa")
    add_searches(sqlite_engine, people=range(1, 6), concepts="caces", insee=JOSSELIN,
                 departement="56", at=clock.now() - timedelta(days=3))  # fmt: skip
    report, *_ninety_days = await chat.send(bea, "/demande")
    assert "Graphiques" not in " ".join(_labels(report))  # the 90 days' came with it
    assert await chat.press(bea, label="30 jours", message_id=report.message_id) == []
    topics, area, table = await chat.press(bea, label="Graphiques et tableau sur 30 jours")
    assert [topics.kind, area.kind] == ["photo", "photo"]
    assert topics.plain == FR("demand.chart.topics_caption", days=30)
    assert table.file_name == "demande-bureautique-vous-30j.xlsx"
    # The same button forged by a learner: refused, nothing sent.
    forged = f"dmf:30:{_org_id(sqlite_engine)}:-"
    anne = chat.user(4242, "Anne")
    await chat.send(anne, "/start")  # a message with buttons to forge one on
    assert await chat.press(anne, data=forged) == []


async def test_nothing_to_show_sends_no_picture(loaded, sqlite_engine, clock) -> None:
    chat = loaded
    add_searches(sqlite_engine, people=range(1, 5), concepts="caces", insee=JOSSELIN,
                 departement="56", at=clock.now() - timedelta(days=3))  # fmt: skip
    [text] = await chat.send(chat.user(ORG_ADMIN, "Béa"), "/demande")
    assert FR("demand.none", k=5) in text.plain
    assert "1 autre cellule masquée" in text.plain


async def test_a_departement_report_in_english_names_its_file(chat, sqlite_engine, clock) -> None:
    add_searches(sqlite_engine, people=range(1, 6), concepts="sst", insee="29019",
                 departement="29", at=clock.now() - timedelta(days=1))  # fmt: skip
    admin = chat.user(1000, "Admin", language="en")  # a super-admin (test settings)
    text, topics, _area, table = await chat.send(admin, "/demande 29")
    assert text.plain.startswith("Demand in the département Finistère (29)")
    assert topics.plain == "The least served topics, last 90 days"
    assert table.file_name == "demand-29-90d.xlsx"


async def test_open_company_requests_are_announced_with_a_button(loaded, sqlite_engine) -> None:
    chat = loaded
    bea = chat.user(ORG_ADMIN, "Béa")
    _open_request(sqlite_engine)
    [text] = await chat.send(bea, "/demande")
    assert "1 demande d'entreprise près de vos espaces" in text.plain
    assert _labels(text)[-1] == FR("demand.companies_button")
    [listing] = await chat.press(bea, label=FR("demand.companies_button"))
    title, line = listing.plain.splitlines()
    assert title == "Demandes d'entreprises ouvertes — Bureautique & Vous"
    assert line.startswith("1. SST (Sauveteur Secouriste du Travail) · 6 personnes · Mauron")
    # Marked answered from the list: /demande no longer counts it.
    await chat.press(bea, label=_labels(listing)[1], message_id=listing.message_id)
    [again] = await chat.send(bea, "/demande")
    assert "demande d'entreprise" not in again.plain
    assert FR("demand.companies_button") not in _labels(again)


async def test_no_company_line_without_an_open_request(loaded, sqlite_engine) -> None:
    chat = loaded
    _open_request(sqlite_engine, answered=True)
    [text] = await chat.send(chat.user(ORG_ADMIN, "Béa"), "/demande")
    assert "entreprise" not in text.plain
    assert _labels(text) == ["30 jours", "• 90 jours •", "365 jours"]
