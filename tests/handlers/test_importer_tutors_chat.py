"""Admins load a tutors file by sending it in chat: preview, import, roles (issue 5)."""

from pathlib import Path

from sqlmodel import Session, func, select

from bot.i18n import translator
from bot.models import Organisation, Role, RoleGrant, Tutor, User
from bot.roles import roles_of

FR = translator("fr")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SUPER_ADMIN = 1000
TUTORS = (SAMPLE / "tutors.csv").read_bytes()


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_admin_previews_then_imports_tutors(chat, sqlite_engine) -> None:
    admin = chat.user(SUPER_ADMIN, "Admin")
    [preview] = await chat.do(admin, "upload_document", TUTORS, "tutors.csv")
    assert preview.plain.startswith("Aperçu : 8 tuteurs à créer, 2 rôles de tuteur à accorder")
    assert "Tuteurs à lier à leur compte Telegram : T01, T02" in preview.plain
    assert _count(sqlite_engine, Tutor) == 0
    assert _count(sqlite_engine, User) == 1  # the admin: the tutors' accounts are not made yet
    await chat.press(admin, label=FR("admin.button_import"), message_id=preview.message_id)
    [done] = [e for e in chat.sandbox.transcript(admin.id) if e.message_id == preview.message_id]
    assert done.plain.startswith("Import terminé : 8 tuteurs créés, 2 rôles de tuteur accordés")
    assert (_count(sqlite_engine, Tutor), _count(sqlite_engine, User)) == (8, 3)
    assert roles_of(sqlite_engine, user_id=900001, super_admins=frozenset()).tutor
    assert not roles_of(sqlite_engine, user_id=900003, super_admins=frozenset()).tutor

    # The same file again: nothing to do.
    [again] = await chat.do(admin, "upload_document", TUTORS, "tutors.csv")
    assert again.plain == FR("importer.words.nothing")  # no [Importer] either
    assert not again.buttons


async def test_an_org_admin_cannot_load_other_organisations_tutors(chat, sqlite_engine) -> None:
    with Session(sqlite_engine) as session:
        org = Organisation(name="Bureautique & Vous")
        session.add_all([org, User(id=77, first_name="Bea")])
        session.flush()
        session.add(RoleGrant(user_id=77, role=Role.ORG_ADMIN, organisation_id=org.id))
        session.commit()
    bea = chat.user(77, "Bea")
    [report] = await chat.do(bea, "upload_document", TUTORS, "tutors.csv")
    assert report.plain.startswith("Rien n'a été importé : ce fichier a 7 problèmes")
    assert (
        "ligne 2, colonne « organisation » : « Tremplin Reconversion Ouest » n'est pas votre "
        "organisme : vous ne pouvez importer que les tuteurs de vos organismes"
    ) in report.plain
    # Only the partial import of her own organisation's tutors is offered, never [Importer].
    labels = [b.text for row in report.buttons for b in row]
    assert FR("admin.button_import") not in labels
    assert labels[0].startswith("Importer l") and labels[-1] == FR("admin.button_cancel_import")
    assert _count(sqlite_engine, Tutor) == 0
