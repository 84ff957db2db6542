"""Searches are kept without the person; /demande shows admins where demand is unmet."""

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session, select

from bot.demand.tables import SearchRecord
from bot.i18n import translator
from bot.models import Organisation, RoleGrant
from tests.demand_helpers import add_searches
from tests.factories import add_user

FR = translator("fr")
SUPER_ADMIN = 1000  # in the test settings' ADMIN_IDS
ORG_ADMIN = 77
PLOERMEL, JOSSELIN = "56165", "56091"


def _grant_org_admin(engine, user_id: int, organisation: str) -> None:
    add_user(engine, user_id, name="Béa")
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.name == organisation)).one()
        session.add(RoleGrant(user_id=user_id, role="org_admin", organisation_id=org.id))
        session.commit()


def _records(chat, engine) -> list[SearchRecord]:
    """The records, once the queue is written (the JobQueue does it every few seconds)."""
    recorder = chat.application.bot_data.get("demand_recorder")
    if recorder is not None:
        recorder.flush()
    with Session(engine) as session:
        return list(session.exec(select(SearchRecord).order_by(SearchRecord.id)))


def _labels(entry) -> list[str]:
    return [b.text for row in entry.buttons for b in row]


async def test_a_search_is_kept_without_the_person(loaded, sqlite_engine) -> None:
    chat = loaded
    anne = chat.user(4242, "Anne")
    [results] = await chat.send(anne, "une formation exel pas loin de Ploërmel")
    assert "Excel" in results.plain
    [record] = _records(chat, sqlite_engine)
    assert "excel" in record.concepts.split()
    assert (record.insee, record.departement, record.alert_saved) == (PLOERMEL, "56", False)
    assert record.results > 0
    assert "4242" not in record.person and not hasattr(record, "user_id")
    await chat.press(anne, label=_labels(results)[-1], message_id=results.message_id)
    assert len(_records(chat, sqlite_engine)) == 1  # a refinement is the same search


async def test_an_alert_saved_from_a_search_marks_it(loaded, sqlite_engine) -> None:
    chat = loaded
    anne = chat.user()
    [none] = await chat.send(anne, "caces près de Rieux-Volvestre")
    await chat.press(anne, label=FR("search.button_alert"), message_id=none.message_id)
    [record] = _records(chat, sqlite_engine)
    assert ("caces", record.alert_saved) == (record.concepts, True)


async def test_a_failing_record_never_breaks_the_search(loaded, sqlite_engine, caplog) -> None:
    with sqlite_engine.begin() as connection:
        connection.execute(text("DROP TABLE search_record"))
    [results] = await loaded.send(loaded.user(), "une formation exel pas loin de Ploërmel")
    assert "Excel" in results.plain
    loaded.application.bot_data["demand_recorder"].flush()
    assert "could not write 1 search records" in caplog.text


async def test_an_org_admin_sees_unmet_demand_and_switches_period(
    loaded, sqlite_engine, clock
) -> None:
    chat = loaded
    _grant_org_admin(sqlite_engine, ORG_ADMIN, "Bureautique & Vous")
    recent, older = clock.now() - timedelta(days=2), clock.now() - timedelta(days=60)
    # Josselin has a space of the organisation: searches there count around it.
    add_searches(sqlite_engine, people=range(1, 6), concepts="caces", insee=JOSSELIN,
                 departement="56", at=recent, times=2, alert_saved=True)  # fmt: skip
    add_searches(sqlite_engine, people=range(10, 14), concepts="anglais", insee=PLOERMEL,
                 departement="56", at=recent)  # fmt: skip
    add_searches(sqlite_engine, people=range(20, 26), concepts="excel", insee=PLOERMEL,
                 departement="56", at=older, results=3)  # fmt: skip
    bea = chat.user(ORG_ADMIN, "Béa")
    report, *attachments = await chat.send(bea, "/demande")
    assert [a.kind for a in attachments] == ["photo", "photo", "document"]
    lines = report.plain.splitlines()
    assert lines[0].startswith("Demande autour des espaces de Bureautique & Vous, 90 derniers")
    caces = next(line for line in lines if line.startswith("• CACES"))
    assert caces == (
        "• CACES (conduite d'engins, chariots élévateurs) autour de Josselin : 10 recherches, "
        "5 personnes, 10 alertes en attente, aucune session à venir à moins de 50 km"
    )
    excel = next(line for line in lines if line.startswith("• Excel"))
    assert excel.endswith("session la plus proche à 0 km — vous l'enseignez")
    assert lines.index(caces) < lines.index(excel)  # unmet demand first
    assert "Anglais" not in report.plain
    assert "au moins 5 personnes sont montrés ; 1 autre cellule masquée" in report.plain
    assert _labels(report) == ["30 jours", "• 90 jours •", "365 jours"]

    await chat.press(bea, label="30 jours", message_id=report.message_id)
    [edited] = [e for e in chat.sandbox.transcript(bea.id) if e.message_id == report.message_id]
    assert "30 derniers jours" in edited.plain and "Excel" not in edited.plain
    assert _labels(edited) == [
        "• 30 jours •", "90 jours", "365 jours", "Graphiques et tableau sur 30 jours"
    ]  # fmt: skip


async def test_an_admin_of_two_organisations_chooses_which(loaded, sqlite_engine, clock) -> None:
    chat = loaded
    _grant_org_admin(sqlite_engine, ORG_ADMIN, "Bureautique & Vous")
    with Session(sqlite_engine) as session:
        other = session.exec(
            select(Organisation).where(Organisation.name == "Langues du Grand Ouest")
        ).one()
        session.add(RoleGrant(user_id=ORG_ADMIN, role="org_admin", organisation_id=other.id))
        session.commit()
    bea = chat.user(ORG_ADMIN, "Béa")
    [question] = await chat.send(bea, "/demande")
    assert question.plain == FR("demand.which_organisation")
    assert _labels(question) == ["Bureautique & Vous", "Langues du Grand Ouest"]
    await chat.press(bea, label="Langues du Grand Ouest", message_id=question.message_id)
    [report] = [e for e in chat.sandbox.transcript(bea.id) if e.message_id == question.message_id]
    assert report.plain.startswith("Demande autour des espaces de Langues du Grand Ouest")
    assert "• 90 jours •" in _labels(report)


async def test_learners_are_refused_and_departements_are_for_super_admins(
    loaded, sqlite_engine, clock
) -> None:
    chat = loaded
    [refused] = await chat.send(chat.user(), "/demande")
    assert refused.plain == FR("admin.not_allowed")
    _grant_org_admin(sqlite_engine, ORG_ADMIN, "Bureautique & Vous")
    [not_theirs] = await chat.send(chat.user(ORG_ADMIN, "Béa"), "/demande 29")
    assert not_theirs.plain == FR("admin.not_allowed")
    add_searches(sqlite_engine, people=range(1, 6), concepts="sst", insee="29019",
                 departement="29", at=clock.now() - timedelta(days=1))  # fmt: skip
    admin = chat.user(SUPER_ADMIN, "Admin")
    [usage] = await chat.send(admin, "/demande")
    assert usage.plain == FR("demand.usage")
    [unknown] = await chat.send(admin, "/demande 123")
    assert unknown.plain == FR("demand.bad_departement", code="123")
    finistere, *_pictures_and_table = await chat.send(admin, "/demande 29")
    assert finistere.plain.startswith("Demande dans le département Finistère (29), 90 derniers")
    # Brest counts for the nearest space within 50 km, in Landivisiau.
    assert (
        "• SST (Sauveteur Secouriste du Travail) autour de Landivisiau : 5 recherches, "
        "5 personnes, 0 alerte en attente, session la plus proche à 45 km" in finistere.plain
    )
