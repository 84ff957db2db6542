"""Importing spaces and sessions into SQLite and PostgreSQL: upserts, atomicity, roles."""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlmodel import Session

from bot.gazetteer import default_gazetteer
from bot.importer import plan as planning
from bot.importer import write as writing
from bot.importer.service import Actor, apply_import, apply_plan, preview_import
from bot.models import AuditEntry, Organisation, Space, TrainingSession

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TABLES = ("organisation", "space", "training_session", "audit_entry")
COLUMNS = ["session_id", "title", "organisation", "space_id", "start", "end", "seats"]
COLUMNS += ["modality", "status"]
BUREAUTIQUE = Actor(user_id=77, organisation_names=frozenset({"Bureautique & Vous"}))


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _sample(*names: str) -> list[tuple[str, bytes]]:
    return [(Path(name).name, (SAMPLE / name).read_bytes()) for name in names]


def _sessions_csv(*rows: dict[str, str]) -> tuple[str, bytes]:
    """A small sessions file: rows override a valid session in Ploërmel."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS)
    writer.writeheader()
    for i, row in enumerate(rows, start=1):
        writer.writerow({
            "session_id": f"S{i}", "title": "Excel débutant", "organisation": "Bureautique & Vous",
            "space_id": "esp-ploermel", "start": "2027-03-02 09:00", "end": "2027-03-02 12:00",
            "seats": "8", "modality": "presentiel", "status": "scheduled", **row,
        })  # fmt: skip
    return ("sessions.csv", buffer.getvalue().encode())


def _load(engine, clock, gazetteer, files, actor=None, **kwargs):
    return apply_import(engine, files, gazetteer=gazetteer, actor=actor or Actor(),
                        now=clock.now(), **kwargs)  # fmt: skip


def _digest(engine, tables=TABLES) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per table: "exactly unchanged" made checkable."""
    digest = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            digest[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digest


def _sessions(engine) -> dict[str, TrainingSession]:
    with Session(engine) as session:
        return {s.external_id: s for s in session.exec(select(TrainingSession)).scalars()}


@pytest.fixture
def loaded(engine, clock, gazetteer):
    """The sample spaces and a three-session file, loaded by the CLI actor."""
    result = _load(engine, clock, gazetteer, [*_sample("spaces.csv"), _sessions_csv({}, {}, {})])
    assert result.applied, result.problems
    return result


# --- each format ---------------------------------------------------------------------------


def test_csv_sample_loads(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, _sample("sessions.csv", "spaces.csv"))
    assert result.applied and result.problems == []
    assert (result.counts.spaces_created, result.counts.sessions_created) == (38, 195)
    assert result.counts.organisations_created == 10
    first = _sessions(engine)["SOE-001"]
    assert (first.title, first.seats, first.price_eur, first.cpf, first.modality) == (
        "Créer son entreprise : de l'idée au projet",
        8,
        260.0,
        False,
        "presentiel",
    )
    assert first.starts_at == datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    with Session(engine) as session:
        space = session.exec(
            select(Space).where(Space.external_id == "esp-malestroit")
        ).scalar_one()
        org = session.get(Organisation, first.organisation_id)
    assert (space.insee, round(space.latitude, 1), round(space.longitude, 1)) == (
        "56124",
        47.8,
        -2.4,
    )
    assert org.name == "Sud-Ouest Entreprendre & Gestion"


@pytest.mark.parametrize(
    ("files", "spaces", "sessions"),
    [
        (("spaces.csv", "sessions.xlsx"), 38, 27),
        (("spaces.json", "sessions.json"), 5, 20),
        (("offre.lheo.xml",), 4, 12),
        (("spaces.csv", "bad/windows1252.csv"), 38, 3),
        (("spaces.csv", "bad/formulas.xlsx", "bad/two_sheets.xlsx"), 38, 6),
    ],
)
def test_other_formats_load(engine, clock, gazetteer, files, spaces, sessions) -> None:
    result = _load(engine, clock, gazetteer, _sample(*files))
    assert result.applied, result.problems
    assert (result.counts.spaces_created, result.counts.sessions_created) == (spaces, sessions)
    assert len(_sessions(engine)) == sessions


def test_the_same_data_in_every_format_is_the_same_data(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, _sample("spaces.csv", "sessions.csv"))
    for files in (("sessions.xlsx",), ("sessions.json",), ("spaces.json",)):
        result = _load(engine, clock, gazetteer, _sample(*files))
        counts = result.counts
        assert counts.sessions_created + counts.sessions_updated + counts.spaces_updated == 0


def test_lheo_places_are_geocoded_and_ids_stable(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, _sample("offre.lheo.xml"))
    again = _load(engine, clock, gazetteer, _sample("offre.lheo.xml"))
    assert (again.counts.spaces_unchanged, again.counts.sessions_unchanged) == (4, 12)
    with Session(engine) as session:
        meen = session.exec(select(Space).where(Space.city == "Saint-Méen-le-Grand")).scalar_one()
    assert meen.insee == "35297" and 48.1 < meen.latitude < 48.3
    closed = _sessions(engine)["00000100800002:S-SST-SMG-02"]
    assert closed.status == "scheduled"  # recruitment closed: a warning, not a cancellation
    assert [w.code for w in again.warnings] == ["recruitment_closed", "recruitment_suspended"]


# --- upserts -------------------------------------------------------------------------------


def test_reloading_is_a_no_op(engine, clock, gazetteer) -> None:
    files = _sample("spaces.csv", "sessions.csv", "offre.lheo.xml")
    _load(engine, clock, gazetteer, files)
    before = _digest(engine, TABLES[:3])
    clock.advance(timedelta(hours=1))
    result = _load(engine, clock, gazetteer, files)
    assert result.applied
    assert (result.counts.spaces_unchanged, result.counts.sessions_unchanged) == (42, 207)
    assert result.counts.sessions_created == result.counts.sessions_updated == 0
    assert result.changed_sessions == [] and result.created_sessions == []
    assert _digest(engine, TABLES[:3]) == before  # updated_at untouched too


def test_a_changed_row_updates_only_what_changed(engine, clock, gazetteer, loaded) -> None:
    before = _sessions(engine)
    clock.advance(timedelta(days=1))
    result = _load(engine, clock, gazetteer, [_sessions_csv(
        {"title": "Excel débutant (2 h)"},  # S1: text only
        {"start": "2027-03-02 10:00"},  # S2: rescheduled
        {"space_id": "esp-josselin"},  # S3: moved
        {},  # S4: new
    )])  # fmt: skip
    assert result.applied
    counts = result.counts
    assert (counts.sessions_created, counts.sessions_updated, counts.sessions_unchanged) == (
        1,
        3,
        0,
    )
    assert result.created_sessions == ["S4"]
    assert sorted(result.updated_sessions) == ["S1", "S2", "S3"]
    after = _sessions(engine)
    assert [(c.session_id, c.kind, c.db_id) for c in result.changed_sessions] == [
        ("S2", "rescheduled", after["S2"].id), ("S3", "moved", after["S3"].id)
    ]  # fmt: skip
    assert after["S1"].title == "Excel débutant (2 h)"
    assert after["S2"].starts_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    for key in ("S1", "S2", "S3"):
        assert after[key].updated_at == clock.now() > before[key].updated_at
        assert after[key].created_at == before[key].created_at


def test_cancelled_cancels_and_keeps_the_row(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, [_sessions_csv({}, {"status": "annulée"}, {})])
    assert (result.counts.sessions_cancelled, result.counts.sessions_unchanged) == (1, 2)
    assert result.cancelled_sessions == ["S2"]
    assert [(c.session_id, c.kind) for c in result.changed_sessions] == [("S2", "cancelled")]
    assert _sessions(engine)["S2"].status == "cancelled"
    again = _load(engine, clock, gazetteer, [_sessions_csv({}, {"status": "cancelled"}, {})])
    assert (again.counts.sessions_cancelled, again.counts.sessions_unchanged) == (0, 3)


def test_organisations_are_matched_whatever_the_case(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, [_sessions_csv(
        {"organisation": "BUREAUTIQUE  &  vous"}, {"organisation": "Langues du Pays de Redon"}
    )])  # fmt: skip
    assert result.new_organisations == ["Langues du Pays de Redon"]
    assert result.counts.sessions_updated == 1  # S2 changes organisation; S1 does not


def test_existing_spaces_can_be_referred_to_later(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, [_sessions_csv({"space_id": "esp-redon"})])
    assert result.applied and result.counts.sessions_updated == 1


def test_date_shift_moves_every_session(engine, clock, gazetteer) -> None:
    files = [*_sample("spaces.csv"), _sessions_csv({"start": "2027-03-25 09:00",
                                                    "end": "2027-03-25 12:00"})]  # fmt: skip
    _load(engine, clock, gazetteer, files, date_shift_days=7)
    session = _sessions(engine)["S1"]
    # 09:00 in Paris before and after the switch to summer time (UTC+1 → UTC+2).
    assert session.starts_at == datetime(2027, 4, 1, 7, 0, tzinfo=UTC)
    again = _load(engine, clock, gazetteer, files, date_shift_days=7)
    assert again.counts.sessions_unchanged == 1


def test_past_sessions_are_a_warning(engine, clock, gazetteer) -> None:
    files = [*_sample("spaces.csv"), _sessions_csv({"start": "2026-01-05 09:00",
                                                    "end": "2026-01-05 12:00"})]  # fmt: skip
    result = _load(engine, clock, gazetteer, files)
    assert result.applied
    assert [(w.code, dict(w.params)) for w in result.warnings] == [("past_sessions", {"count": 1})]


def test_an_import_is_audited(engine, clock, gazetteer) -> None:
    actor = Actor(user_id=1000, organisation_names=None)
    _load(engine, clock, gazetteer, _sample("spaces.json"), actor=actor)
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry)).scalar_one()
    assert (entry.action, entry.actor_id, entry.at) == ("import", 1000, clock.now())
    detail = json.loads(entry.detail)
    assert detail["files"] == ["spaces.json"] and detail["as"] == "super-admin"
    assert detail["counts"]["spaces_created"] == 5


def test_large_loads_compare_in_one_pass(engine, clock, gazetteer, loaded, monkeypatch) -> None:
    monkeypatch.setattr(planning, "FETCH_BY_ID_MAX", 0)  # the path 150,000-row files take
    result = _load(engine, clock, gazetteer, [_sessions_csv({}, {"seats": "9"}, {})])
    assert (result.counts.sessions_updated, result.counts.sessions_unchanged) == (1, 2)


def test_formula_like_values_are_stored_as_plain_text(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, _sample("spaces.csv", "bad/formula_injection.csv"))
    assert result.applied
    stored = _sessions(engine)
    texts = {s.title for s in stored.values()} | {s.description for s in stored.values()}
    assert '=HYPERLINK("https://example.org/piege","Cliquez ici")' in texts
    assert {text[0] for text in texts if text[:1] in ("=", "+", "-", "@")} == {"=", "+", "-", "@"}


# --- nothing or everything -----------------------------------------------------------------

BAD_FILES = [
    "bad/empty.csv", "bad/header_only.csv", "bad/missing_column.csv", "bad/duplicate_ids.csv",
    "bad/bad_dates.csv", "bad/end_before_start.csv", "bad/bad_seats.csv",
    "bad/unknown_space.csv", "bad/unknown_city.csv", "bad/binary.csv",
    "bad/billion_laughs.xml", "bad/external_entity.xml", "bad/stray_byte.csv",
    "bad/shift_jis.csv", "bad/utf16_no_bom.csv", "bad/control_char.csv", "bad/deep.json",
    "bad/huge_number.json", "bad/rows_bomb.xlsx",
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_FILES)
def test_a_bad_file_leaves_the_database_exactly_unchanged(engine, clock, gazetteer, bad) -> None:
    _load(engine, clock, gazetteer, _sample("spaces.csv", "sessions.csv"))
    before = _digest(engine)
    # Good files in the same load are not written either.
    result = _load(engine, clock, gazetteer, [*_sample("offre.lheo.xml"), *_sample(bad)])
    assert not result.applied
    assert result.problem_count >= 1
    assert {p.file for p in result.problems} == {Path(bad).name}
    assert _digest(engine) == before


def test_valid_rows_of_a_bad_file_are_not_written(engine, clock, gazetteer) -> None:
    result = _load(engine, clock, gazetteer, _sample("spaces.csv", "bad/bad_seats.csv"))
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (3, "seats", "required"), (4, "seats", "seats_too_low"), (5, "seats", "seats_too_low"),
        (6, "seats", "seats_invalid"),
    ]  # fmt: skip
    assert _digest(engine)["space"][0] == 0 and _sessions(engine) == {}


def test_unknown_space_suggests_the_close_one(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, _sample("bad/unknown_space.csv"))
    assert [(p.row, p.code, p.params.get("suggestion")) for p in result.problems] == [
        (3, "unknown_space", None), (4, "unknown_space_suggest", "esp-ploermel")
    ]  # fmt: skip


def test_preview_writes_nothing_then_apply_plan_writes(engine, clock, gazetteer) -> None:
    before = _digest(engine)
    plan = preview_import(engine, _sample("spaces.csv", "sessions.csv"), gazetteer=gazetteer,
                          actor=Actor(), now=clock.now())  # fmt: skip
    assert plan.ok and (plan.counts.spaces_created, plan.counts.sessions_created) == (38, 195)
    assert len(plan.created_sessions) == 192  # new sessions to announce: not the 3 cancelled
    assert _digest(engine) == before
    result = apply_plan(engine, plan, gazetteer=gazetteer, now=clock.now())
    assert result.applied and result.counts == plan.counts


def test_apply_revalidates_against_the_database_of_now(engine, clock, gazetteer, loaded) -> None:
    plan = preview_import(engine, [_sessions_csv({}, {"seats": "4"}, {})], gazetteer=gazetteer,
                          actor=Actor(), now=clock.now())  # fmt: skip
    assert plan.ok
    with engine.begin() as conn:  # meanwhile, five learners enrol in S2
        conn.execute(update(TrainingSession).where(TrainingSession.external_id == "S2")
                     .values(seats_taken=5))  # fmt: skip
    result = apply_plan(engine, plan, gazetteer=gazetteer, now=clock.now())
    assert not result.applied
    assert [(p.row, p.column, p.code, dict(p.params)) for p in result.problems] == [
        (3, "seats", "seats_below_taken", {"seats": 4, "taken": 5})
    ]
    assert _sessions(engine)["S2"].seats == 8


def test_seat_guard_catches_enrolments_between_plan_and_write(engine, clock, loaded) -> None:
    data_file = _sessions_csv({}, {"seats": "4"}, {})
    from bot.importer.problems import ProblemLog
    from bot.importer.reader import read_file
    from bot.importer.validation import validate_tables

    log = ProblemLog()
    data = validate_tables(read_file(*data_file).tables, places=default_gazetteer(), log=log)
    with pytest.raises(writing.ConcurrentChange), engine.begin() as conn:
        changes = planning.plan_changes(conn, data, organisations=None, log=log)
        assert log.ok
        conn.execute(update(TrainingSession).where(TrainingSession.external_id == "S2")
                     .values(seats_taken=5))  # fmt: skip
        writing.write_changes(conn, changes, now=clock.now())
    assert _sessions(engine)["S2"].seats_taken == 0  # rolled back


# --- organisation admins -------------------------------------------------------------------


def test_an_org_admin_cannot_load_another_organisations_sessions(engine, clock, gazetteer) -> None:
    _load(engine, clock, gazetteer, [*_sample("spaces.csv"), _sessions_csv({})])
    before = _digest(engine)
    result = _load(engine, clock, gazetteer, _sample("bad/other_org.csv"), actor=BUREAUTIQUE)
    assert not result.applied
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (2, "organisation", "other_organisation"), (3, "organisation", "other_organisation"),
        (4, "organisation", "other_organisation"),
    ]  # fmt: skip
    assert _digest(engine) == before
    assert _load(engine, clock, gazetteer, _sample("bad/other_org.csv")).applied  # super-admin


def test_an_org_admin_manages_their_own_sessions(engine, clock, gazetteer, loaded) -> None:
    result = _load(engine, clock, gazetteer, [_sessions_csv({}, {"seats": "12"}, {}, {})],
                   actor=BUREAUTIQUE)  # fmt: skip
    assert result.applied
    assert (result.counts.sessions_created, result.counts.sessions_updated) == (1, 1)


def test_an_org_admin_cannot_take_over_another_organisations_session(
    engine, clock, gazetteer, loaded
) -> None:
    _load(engine, clock, gazetteer, [_sessions_csv({}, {}, {"organisation": "Autre Organisme"})])
    result = _load(engine, clock, gazetteer, [_sessions_csv({}, {}, {})], actor=BUREAUTIQUE)
    assert [(p.row, p.code) for p in result.problems] == [(4, "not_your_session")]
    assert not result.applied


def test_an_org_admin_may_add_spaces_but_not_change_shared_ones(
    engine, clock, gazetteer, loaded
) -> None:
    spaces = (SAMPLE / "spaces.csv").read_text(encoding="utf-8")
    changed = spaces.replace("12 rue de la Gare", "14 rue de la Gare")
    added = spaces + "esp-taupont,Relais de Taupont,1 place de l'Église,56800,Taupont,,,oui,\n"
    assert _load(engine, clock, gazetteer, [("spaces.csv", added.encode())],
                 actor=BUREAUTIQUE).counts.spaces_created == 1  # fmt: skip
    result = _load(engine, clock, gazetteer, [("spaces.csv", changed.encode())], actor=BUREAUTIQUE)
    assert [(p.row, p.code) for p in result.problems] == [(2, "space_change_forbidden")]
    assert _load(engine, clock, gazetteer, [("spaces.csv", changed.encode())]).applied


def test_demo_loads_the_sample_with_dates_moved(engine, clock, tmp_path) -> None:
    from bot.importer.demo import load_for_demo

    out = io.StringIO()
    files = [SAMPLE / "spaces.csv", SAMPLE / "sessions.csv"]
    assert load_for_demo(engine, files, shift_days=7, out=out, clock=clock)
    assert out.getvalue().startswith("Import terminé : 195 sessions créées ; 38 espaces créés")
    assert _sessions(engine)["SOE-001"].starts_at == datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
    bad = io.StringIO()
    assert not load_for_demo(engine, [SAMPLE / "bad/binary.csv"], shift_days=0, out=bad)
    assert bad.getvalue().startswith("Rien n'a été importé : 1 problème à corriger.")
