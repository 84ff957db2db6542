"""Tutors files (issue 5) into SQLite and PostgreSQL: upserts, Telegram links, roles, atomicity."""

import csv
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from bot.gazetteer import default_gazetteer
from bot.importer.service import Actor, apply_import, apply_plan, preview_import
from bot.models import AuditEntry, Organisation, RoleGrant, Tutor, User

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TABLES = ("organisation", "tutor", "app_user", "role_grant", "audit_entry")
COLUMNS = ["tutor_id", "name", "organisation", "topics", "telegram_user_id", "active"]
SUPER_ADMIN = Actor(user_id=1000, organisation_names=None)
BUREAUTIQUE = Actor(user_id=77, organisation_names=frozenset({"Bureautique & Vous"}))
TREMPLIN = Actor(user_id=78, organisation_names=frozenset({"Tremplin Reconversion Ouest"}))


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _sample(*names: str) -> list[tuple[str, bytes]]:
    return [(Path(name).name, (SAMPLE / name).read_bytes()) for name in names]


def _sample_rows() -> list[dict[str, str]]:
    with (SAMPLE / "tutors.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _tutors_csv(rows: list[dict[str, str]], name: str = "tutors.csv") -> tuple[str, bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [c for c in COLUMNS if any(c in row for row in rows)])
    writer.writeheader()
    writer.writerows(rows)
    return (name, buffer.getvalue().encode())


def _changed(**changes: dict[str, str]) -> tuple[str, bytes]:
    """The sample tutors file with some rows changed: `T03={"topics": "excel"}`."""
    rows = [{**row, **changes.get(row["tutor_id"], {})} for row in _sample_rows()]
    return _tutors_csv(rows)


def _load(engine, clock, gazetteer, files, actor=None):
    return apply_import(engine, files, gazetteer=gazetteer, actor=actor or SUPER_ADMIN,
                        now=clock.now())  # fmt: skip


def _digest(engine, tables=TABLES) -> dict[str, tuple[int, str]]:
    digest = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            digest[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digest


def _tutors(engine) -> dict[str, Tutor]:
    with Session(engine) as session:
        return {t.external_id: t for t in session.exec(select(Tutor)).scalars()}


def _grants(engine) -> set[tuple[int, str, str, int | None]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                RoleGrant.user_id, RoleGrant.role, Organisation.name, RoleGrant.granted_by
            ).join(Organisation, RoleGrant.organisation_id == Organisation.id)
        ).all()
    return {tuple(row) for row in rows}


def _users(engine) -> dict[int, User]:
    with Session(engine) as session:
        return {u.id: u for u in session.exec(select(User)).scalars()}


@pytest.fixture
def loaded(engine, clock, gazetteer):
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"))
    assert result.applied, result.problems
    return result


# --- the sample file -------------------------------------------------------------------------


def test_sample_tutors_load_linked_and_granted(engine, clock, gazetteer, loaded) -> None:
    counts = loaded.counts
    assert (counts.tutors_created, counts.tutor_roles_granted, counts.organisations_created) == (
        8, 2, 8
    )  # fmt: skip
    assert loaded.created_tutors == [f"T0{i}" for i in range(1, 9)]
    assert loaded.linked_tutors == ["T01", "T02"]
    tutors = _tutors(engine)
    assert len(tutors) == 8 and all(t.active for t in tutors.values())
    anne = tutors["T01"]
    assert (anne.name, anne.topics, anne.user_id) == (
        "Anne Le Gall", "reconversion;vae;bilan de compétences;orientation", 900001
    )  # fmt: skip
    assert tutors["T02"].user_id == 900002 and tutors["T03"].user_id is None
    with Session(engine) as session:
        assert (
            session.get(Organisation, anne.organisation_id).name == "Tremplin Reconversion Ouest"
        )
    users = _users(engine)
    assert {uid: (u.first_name, u.language, u.is_active) for uid, u in users.items()} == {
        900001: ("Anne", "", True), 900002: ("Yannick", "", True)
    }  # fmt: skip
    assert _grants(engine) == {
        (900001, "tutor", "Tremplin Reconversion Ouest", 1000),
        (900002, "tutor", "Form'Ouest Conseil", 1000),
    }
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    granted = [e for e in entries if e.action == "role_granted"]
    assert [(e.actor_id, e.at) for e in granted] == [(1000, clock.now())] * 2
    assert (
        "user=900001" in granted[0].detail and "Tremplin Reconversion Ouest" in granted[0].detail
    )
    assert [e.action for e in entries].count("import") == 1


def test_reloading_tutors_is_a_no_op(engine, clock, gazetteer, loaded) -> None:
    before = _digest(engine, TABLES[:4])
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"))
    assert result.applied
    assert result.counts.tutors_unchanged == 8
    assert (result.counts.tutors_created, result.counts.tutors_updated) == (0, 0)
    assert result.counts.tutor_roles_granted == 0 and result.linked_tutors == []
    assert _digest(engine, TABLES[:4]) == before


def test_spaces_sessions_and_tutors_in_one_load(engine, clock, gazetteer) -> None:
    # Whatever the order of the files: spaces, then sessions, then tutors.
    result = _load(engine, clock, gazetteer, _sample("tutors.csv", "sessions.csv", "spaces.csv"))
    assert result.applied, result.problems
    counts = result.counts
    assert (counts.spaces_created, counts.sessions_created, counts.tutors_created) == (38, 195, 8)
    assert counts.organisations_created == 10  # the tutors' organisations are the sessions' ones
    assert counts.tutor_roles_granted == 2


def test_tutors_join_existing_organisations_whatever_the_case(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, _sample("spaces.csv", "sessions.csv"))
    result = _load(
        engine, clock, gazetteer, [_changed(T03={"organisation": "BUREAUTIQUE & vous"})]
    )
    assert result.applied and result.counts.organisations_created == 0


# --- changes -------------------------------------------------------------------------------


def test_a_changed_topic_updates_that_tutor_only(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, [_changed(T03={"topics": "excel;tableur"})])
    assert result.applied
    assert (result.counts.tutors_updated, result.counts.tutors_unchanged) == (1, 7)
    assert result.updated_tutors == ["T03"]
    assert _tutors(engine)["T03"].topics == "excel;tableur"


def test_a_file_without_topics_keeps_them(engine, clock, gazetteer, loaded) -> None:
    rows = [{k: row[k] for k in ("tutor_id", "name", "organisation")} for row in _sample_rows()]
    result = _load(engine, clock, gazetteer, [_tutors_csv(rows)])
    assert result.counts.tutors_unchanged == 8
    assert _tutors(engine)["T03"].topics == "excel;word;bureautique"


def test_deactivation_keeps_the_tutor_its_link_and_role(engine, clock, gazetteer, loaded) -> None:
    rows = [{**row, "active": "non" if row["tutor_id"] == "T02" else "oui"}
            for row in _sample_rows()]  # fmt: skip
    result = _load(engine, clock, gazetteer, [_tutors_csv(rows)])
    assert result.applied
    assert (result.counts.tutors_deactivated, result.counts.tutors_unchanged) == (1, 7)
    assert result.deactivated_tutors == ["T02"] and result.updated_tutors == []
    yannick = _tutors(engine)["T02"]
    assert (yannick.active, yannick.user_id) == (False, 900002)
    assert (900002, "tutor", "Form'Ouest Conseil", 1000) in _grants(engine)
    again = _load(engine, clock, gazetteer, [_tutors_csv(rows)])
    assert (again.counts.tutors_deactivated, again.counts.tutors_unchanged) == (0, 8)
    # A file without the `active` column does not reactivate; "oui" does.
    assert _load(engine, clock, gazetteer, _sample("tutors.csv")).counts.tutors_unchanged == 8
    assert not _tutors(engine)["T02"].active
    back = _load(engine, clock, gazetteer, [_changed(T02={"active": "oui"})])
    assert (back.counts.tutors_updated, back.updated_tutors) == (1, ["T02"])
    assert _tutors(engine)["T02"].active


def test_a_new_inactive_tutor_is_linked_but_not_granted(engine, clock, gazetteer) -> None:
    row = {"tutor_id": "T9", "name": "Zoé", "organisation": "Tremplin",
           "telegram_user_id": "900009", "active": "non"}  # fmt: skip
    result = _load(engine, clock, gazetteer, [_tutors_csv([row])])
    assert result.applied and result.counts.tutor_roles_granted == 0
    assert _tutors(engine)["T9"].user_id == 900009 and _grants(engine) == set()
    reactivated = _load(engine, clock, gazetteer, [_tutors_csv([{**row, "active": "oui"}])])
    assert reactivated.counts.tutor_roles_granted == 1
    assert _grants(engine) == {(900009, "tutor", "Tremplin", 1000)}


def test_telegram_links_empty_keeps_new_links(engine, clock, gazetteer, loaded) -> None:
    # An empty telegram_user_id leaves T01's link; a new one links T03 (account created).
    file = _changed(T01={"telegram_user_id": ""}, T03={"telegram_user_id": "900003"})
    result = _load(engine, clock, gazetteer, [file])
    assert result.applied
    assert (result.counts.tutors_updated, result.counts.tutor_roles_granted) == (1, 1)
    assert result.linked_tutors == ["T03"]
    tutors = _tutors(engine)
    assert (tutors["T01"].user_id, tutors["T03"].user_id) == (900001, 900003)
    assert _users(engine)[900003].first_name == "Sophie"
    assert (900003, "tutor", "Bureautique & Vous", 1000) in _grants(engine)


def test_a_known_user_is_linked_not_overwritten(engine, clock, gazetteer) -> None:
    with Session(engine) as session:
        session.add(User(id=900001, first_name="Annie", language="en", created_at=clock.now(),
                         last_seen_at=clock.now()))  # fmt: skip
        session.commit()
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"))
    assert result.applied
    users = _users(engine)
    assert (users[900001].first_name, users[900001].language) == ("Annie", "en")
    assert users[900002].first_name == "Yannick"


def test_a_role_granted_before_is_not_granted_twice(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, _sample("tutors.csv"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM role_grant WHERE user_id = 900002"))
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"))
    assert (result.counts.tutors_unchanged, result.counts.tutor_roles_granted) == (8, 1)
    assert len(_grants(engine)) == 2
    assert _load(engine, clock, gazetteer, _sample("tutors.csv")).counts.tutor_roles_granted == 0


# --- problems: nothing written -------------------------------------------------------------


def test_a_bad_telegram_id_writes_nothing(engine, clock, gazetteer) -> None:
    before = _digest(engine)
    result = _load(engine, clock, gazetteer, [_changed(T05={"telegram_user_id": "@claire"})])
    assert not result.applied
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (6, "telegram_user_id", "telegram_id_username")
    ]
    assert _digest(engine) == before


def test_one_bad_row_and_no_tutor_user_or_role_is_written(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, _sample("spaces.csv", "sessions.csv"))
    before = _digest(engine)
    bad = _changed(T08={"name": ""})  # T01 and T02 would create users and roles
    result = _load(engine, clock, gazetteer, [*_sample("offre.lheo.xml"), bad])
    assert not result.applied
    assert [(p.file, p.row, p.column, p.code) for p in result.problems] == [
        ("tutors.csv", 9, "name", "required")
    ]
    assert _digest(engine) == before
    assert _tutors(engine) == {} and _users(engine) == {}


def test_duplicate_telegram_id_in_a_load(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, [_changed(T04={"telegram_user_id": "900001"})])
    assert not result.applied
    assert [(p.row, p.code) for p in result.problems] == [(5, "duplicate_telegram_id")]
    assert _tutors(engine) == {} and _users(engine) == {}


def test_a_telegram_id_of_another_tutor_is_refused(engine, clock, gazetteer, loaded) -> None:
    before = _digest(engine)
    # T02 keeps 900002 (an empty cell keeps the link): T05 may not have it too.
    taken = {"telegram_user_id": "900002"}
    result = _load(engine, clock, gazetteer, [_changed(T02={"telegram_user_id": ""}, T05=taken)])
    assert not result.applied
    assert [(p.row, p.column, p.code, dict(p.params)) for p in result.problems] == [
        (6, "telegram_user_id", "telegram_id_taken", {"id": 900002, "tutor": "T02"})
    ]
    # Nor when T02 is not in the load at all.
    alone = _tutors_csv([{**_sample_rows()[4], **taken}])
    assert [p.code for p in _load(engine, clock, gazetteer, [alone]).problems] == [
        "telegram_id_taken"
    ]
    assert _digest(engine) == before


def test_a_tutor_who_joined_by_invite_keeps_their_account(engine, clock, gazetteer) -> None:
    with Session(engine) as session:
        session.add(User(id=900001, first_name="Anne", created_at=clock.now(),
                         last_seen_at=clock.now()))  # fmt: skip
        session.flush()
        session.add(Tutor(name="Anne (invitée)", user_id=900001))
        session.commit()
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"))
    assert [(p.row, p.code, p.params["tutor"]) for p in result.problems] == [
        (2, "telegram_id_taken", "Anne (invitée)")
    ]


# --- organisation admins -------------------------------------------------------------------


def test_an_org_admin_only_loads_their_own_tutors(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, _sample("tutors.csv"), actor=BUREAUTIQUE)
    assert not result.applied
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (row, "organisation", "tutor_other_organisation") for row in (2, 3, 5, 6, 7, 8, 9)
    ]
    assert _tutors(engine) == {}
    own = [row for row in _sample_rows() if row["organisation"] == "Bureautique & Vous"]
    mine = _load(engine, clock, gazetteer, [_tutors_csv(own)], actor=BUREAUTIQUE)
    assert mine.applied and mine.counts.tutors_created == 1
    changed = _load(engine, clock, gazetteer, [_tutors_csv([{**own[0], "topics": "excel"}])],
                    actor=BUREAUTIQUE)  # fmt: skip
    assert changed.applied and changed.counts.tutors_updated == 1


def test_an_org_admin_cannot_take_over_or_link_others(engine, clock, gazetteer, loaded) -> None:
    before = _digest(engine)
    # T03 belongs to Bureautique & Vous: Tremplin's admin may not move it to Tremplin.
    take_over = {**_sample_rows()[2], "organisation": "Tremplin Reconversion Ouest"}
    result = _load(engine, clock, gazetteer, [_tutors_csv([take_over])], actor=TREMPLIN)
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (2, "tutor_id", "not_your_tutor")
    ]
    # Nor give a new tutor the account of another organisation's tutor (T02), unnamed.
    newcomer = {"tutor_id": "T99", "name": "Eve", "organisation": "Tremplin Reconversion Ouest",
                "telegram_user_id": "900002"}  # fmt: skip
    result = _load(engine, clock, gazetteer, [_tutors_csv([newcomer])], actor=TREMPLIN)
    assert [(p.code, dict(p.params)) for p in result.problems] == [
        ("telegram_id_taken_elsewhere", {"id": 900002})
    ]
    assert _digest(engine) == before


# --- preview -------------------------------------------------------------------------------


def test_preview_writes_nothing_then_apply_plan_writes(engine, clock, gazetteer) -> None:
    before = _digest(engine)
    plan = preview_import(engine, _sample("tutors.csv"), gazetteer=gazetteer, actor=SUPER_ADMIN,
                          now=clock.now())  # fmt: skip
    assert plan.ok and (plan.counts.tutors_created, plan.counts.tutor_roles_granted) == (8, 2)
    assert plan.linked_tutors == ["T01", "T02"]
    assert _digest(engine) == before
    result = apply_plan(engine, plan, gazetteer=gazetteer, now=clock.now())
    assert result.applied and result.counts == plan.counts
