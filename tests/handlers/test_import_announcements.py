"""After a load: learners hear about changes to their sessions, alerts find new sessions,
and day-before reminders follow the sessions."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Reminder, TrainingSession

FR = translator("fr")
PARIS = ZoneInfo("Europe/Paris")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SUPER_ADMIN = 1000
DAY_BEFORE = "session_day_before"
HEADER = (
    "session_id,title,organisation,space_id,start,end,seats,topics,modality,format,"
    "price_eur,cpf,description,url,status\n"
)
TRICOT = HEADER + (  # a new session near Mauriac (15200) that a knitting alert waits for
    "TRI-001,Tricot : premiers points,Cap Compétences Auvergne,esp-mauriac,"
    "2027-02-03 14:00,2027-02-03 17:00,8,tricot;laine,presentiel,atelier,0,non,"
    "Un atelier convivial.,https://example.org/tricot,scheduled\n"
)


async def _load(chat, admin, name: str, content: bytes) -> None:
    [preview] = await chat.do(admin, "upload_document", content, name)
    if preview.plain == FR("importer.words.nothing"):  # already loaded: no [Importer]
        assert not preview.buttons
        return
    assert preview.buttons, preview.plain
    await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)


def _sfb001(engine) -> TrainingSession:
    with Session(engine) as session:
        return session.exec(
            select(TrainingSession).where(TrainingSession.external_id == "SFB-001")
        ).one()


async def test_cancelled_session_is_announced_and_its_reminder_dropped(chat, sqlite_engine):
    admin = chat.user(SUPER_ADMIN, "Admin")
    await _load(chat, admin, "spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    sessions = (SAMPLE / "sessions.csv").read_bytes()
    await _load(chat, admin, "sessions.csv", sessions)

    anne = chat.user(42, "Anne")
    training = _sfb001(sqlite_engine)
    card, _ = await chat.send(anne, f"/start s_{training.id}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)
    with Session(sqlite_engine) as session:
        [reminder] = session.exec(select(Reminder).where(Reminder.kind == DAY_BEFORE)).all()
    assert (reminder.kind, reminder.recipient_id, reminder.status) == (
        "session_day_before",
        42,
        "pending",
    )

    lines = sessions.decode().splitlines()
    changed = [
        line.replace(",scheduled", ",cancelled") if line.startswith("SFB-001,") else line
        for line in lines
    ]
    await _load(chat, admin, "sessions.csv", ("\n".join(changed) + "\n").encode())
    assert chat.last(anne).plain.startswith(
        "Désolé : la session PSC1 – Prévention et Secours Civiques de niveau 1"
    )
    with Session(sqlite_engine) as session:
        day_before = session.exec(select(Reminder).where(Reminder.kind == DAY_BEFORE)).one()
        assert day_before.status == "cancelled"


async def test_new_session_matching_an_alert_is_announced_once(chat, sqlite_engine, clock):
    admin = chat.user(SUPER_ADMIN, "Admin")
    await _load(chat, admin, "spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    services = chat.application.bot_data["services"]
    services.search.rebuild(sqlite_engine, now=clock.now())

    anne = chat.user(42, "Anne")
    [reply] = await chat.send(anne, "cours de tricot près de 15200")
    assert FR("search.button_alert") in [b.text for row in reply.buttons for b in row]
    await chat.press(anne, label=FR("search.button_alert"), message_id=reply.message_id)

    new = TRICOT
    before = len(chat.sandbox.bot_messages(anne.id))
    await _load(chat, admin, "tricot.csv", new.encode())
    news = chat.sandbox.bot_messages(anne.id)[before:]
    assert [m.plain.split(" : ")[0] for m in news] == [
        "Nouvelle session qui correspond à votre alerte « Arts et loisirs créatifs »"
    ]
    assert news[0].disable_notification is True
    # Loading the same file again announces nothing new.
    await _load(chat, admin, "tricot.csv", new.encode())
    assert len(chat.sandbox.bot_messages(anne.id)) == before + 1


async def test_an_alert_says_what_it_understood_and_that_nights_wait_for_morning(
    chat, sqlite_engine, clock
):
    admin = chat.user(SUPER_ADMIN, "Admin")
    await _load(chat, admin, "spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    await _load(chat, admin, "sessions.csv", (SAMPLE / "sessions.csv").read_bytes())
    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=clock.now())

    anne = chat.user(42, "Anne")
    [reply] = await chat.send(anne, "je voudrais apprendre le tricot près de 15200 svp")
    [saved] = await chat.press(anne, label=FR("search.button_alert"), message_id=reply.message_id)
    assert "Arts et loisirs créatifs, autour de Mauriac (15), 30 km" in saved.plain  # tricot
    assert "je voudrais" not in saved.plain and "svp" not in saved.plain
    assert "si cela arrive entre 21:00 et 08:00, mon message attendra 08:00" in saved.plain

    [found] = await chat.send(anne, "excel près de Redon")
    assert FR("search.button_alert") in [b.text for row in found.buttons for b in row]
    [saved] = await chat.press(anne, label=FR("search.button_alert"), message_id=found.message_id)
    assert "Excel, autour de Redon (35), 30 km" in saved.plain
    # /alertes names them as the confirmations did, not by the whole sentences.
    [listing] = await chat.send(anne, "/alertes")
    assert "• « Arts et loisirs créatifs » autour de Mauriac (15) (30 km)" in listing.plain
    assert "• « Excel » autour de Redon (35) (30 km)" in listing.plain
    assert "je voudrais" not in listing.plain
    assert [b.text for row in listing.buttons for b in row] == [
        "Supprimer : Arts et loisirs créatifs",
        "Supprimer : Excel",
    ]

    # A load at 23:00 that matches: the learner hears of it at 08:00, as promised.
    clock.set(datetime(2026, 11, 25, 23, 0, tzinfo=PARIS).astimezone(UTC))
    new = TRICOT
    before = len(chat.sandbox.bot_messages(anne.id))
    await _load(chat, admin, "tricot.csv", new.encode())
    assert len(chat.sandbox.bot_messages(anne.id)) == before
    with Session(sqlite_engine) as session:
        [match] = session.exec(select(Reminder).where(Reminder.kind == "alert_match")).all()
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=PARIS).astimezone(UTC)
    assert match.due_at.replace(tzinfo=UTC) == morning


async def test_moved_and_rescheduled_sessions_are_announced(chat, sqlite_engine):
    admin = chat.user(SUPER_ADMIN, "Admin")
    await _load(chat, admin, "spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    sessions = (SAMPLE / "sessions.csv").read_bytes().decode()
    await _load(chat, admin, "sessions.csv", sessions.encode())
    anne = chat.user(42, "Anne")
    training = _sfb001(sqlite_engine)
    card, _ = await chat.send(anne, f"/start s_{training.id}")
    await chat.press(anne, label=FR("card.button_enrol"), message_id=card.message_id)

    moved = sessions.replace(
        "SFB-001,PSC1 – Prévention et Secours Civiques de niveau 1,"
        "Secours Formation Bretagne,esp-bain,",
        "SFB-001,PSC1 – Prévention et Secours Civiques de niveau 1,"
        "Secours Formation Bretagne,esp-redon,",
    )
    assert moved != sessions
    await _load(chat, admin, "sessions.csv", moved.encode())
    assert chat.last(anne).plain.startswith("Changement de lieu pour PSC1")
    assert "Redon" in chat.last(anne).plain

    later = moved.replace(
        "esp-redon,2027-01-13 09:00,2027-01-13 17:00",
        "esp-redon,2027-01-20 09:00,2027-01-20 17:00",
    )
    assert later != moved
    await _load(chat, admin, "sessions.csv", later.encode())
    assert chat.last(anne).plain.startswith("Changement d'horaire pour PSC1")
    assert "mercredi 20 janvier" in chat.last(anne).plain
    with Session(sqlite_engine) as session:
        reminder = session.exec(select(Reminder).where(Reminder.kind == DAY_BEFORE)).one()
    assert reminder.due_at == _sfb001(sqlite_engine).starts_at - timedelta(hours=24)


async def test_alert_holders_hear_first_of_a_session_to_confirm(chat, sqlite_engine, clock):
    admin = chat.user(SUPER_ADMIN, "Admin")
    await _load(chat, admin, "spaces.csv", (SAMPLE / "spaces.csv").read_bytes())
    chat.application.bot_data["services"].search.rebuild(sqlite_engine, now=clock.now())
    anne = chat.user(42, "Anne")
    [reply] = await chat.send(anne, "cours de tricot près de 15200")
    await chat.press(anne, label=FR("search.button_alert"), message_id=reply.message_id)

    header = HEADER.rstrip("\n") + ",min_participants,confirm_by\n"
    common = "esp-mauriac,{start},{end},8,tricot;laine,presentiel,atelier,0,non,Atelier.,,"
    common += "scheduled"
    plain_row = "TRI-001,Tricot : premiers points,Cap Compétences Auvergne," + common.format(
        start="2027-02-03 14:00", end="2027-02-03 17:00"
    )
    to_confirm = "TRI-002,Tricot : le jacquard,Cap Compétences Auvergne," + common.format(
        start="2027-02-10 14:00", end="2027-02-10 17:00"
    )
    content = f"{header}{plain_row},,\n{to_confirm},4,2027-02-05 12:00\n"
    before = len(chat.sandbox.bot_messages(anne.id))
    await _load(chat, admin, "tricot.csv", content.encode())
    first, second = chat.sandbox.bot_messages(anne.id)[before:]
    assert "Tricot : le jacquard" in first.plain
    assert "Cette session est à confirmer : elle aura lieu si 4 personnes s'inscrivent" in (
        first.plain
    )
    assert "d'ici le 5 février" in first.plain
    assert "Tricot : premiers points" in second.plain
    assert "à confirmer" not in second.plain
