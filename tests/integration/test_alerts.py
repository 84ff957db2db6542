"""Alerts: saved, listed, deleted (own only), limited, and matched against new sessions."""

from datetime import timedelta

import pytest

from bot.alerts import (
    MAX_ALERTS,
    NotYourAlert,
    TooManyAlerts,
    delete_alert,
    list_alerts,
    matches_for_new_sessions,
    save_alert,
)
from bot.gazetteer import default_gazetteer
from bot.search.docs import load_docs
from bot.search.query import Place
from tests.factories import add_session, add_space, add_user

PLOERMEL = Place.from_point(47.932, -2.398, "Ploërmel (56)")


def test_save_list_delete(engine, clock) -> None:
    add_user(engine, 42)
    add_user(engine, 43)
    alert = save_alert(
        engine, user_id=42, query="anglais", place=PLOERMEL, radius_km=30, now=clock.now()
    )
    again = save_alert(
        engine, user_id=42, query="anglais", place=PLOERMEL, radius_km=50, now=clock.now()
    )
    assert again.id == alert.id and again.radius_km == 50
    assert [a.query for a in list_alerts(engine, user_id=42)] == ["anglais"]
    with pytest.raises(NotYourAlert):
        delete_alert(engine, alert_id=alert.id, user_id=43)
    delete_alert(engine, alert_id=alert.id, user_id=42)
    assert list_alerts(engine, user_id=42) == []


def test_at_most_ten_alerts(engine, clock) -> None:
    add_user(engine, 42)
    for i in range(MAX_ALERTS):
        save_alert(
            engine, user_id=42, query=f"sujet {i}", place=PLOERMEL, radius_km=30, now=clock.now()
        )
    with pytest.raises(TooManyAlerts):
        save_alert(
            engine, user_id=42, query="un de trop", place=PLOERMEL, radius_km=30, now=clock.now()
        )


def test_new_sessions_match_by_topic_and_radius(engine, clock) -> None:
    now = clock.now()
    add_user(engine, 42)
    alert = save_alert(engine, user_id=42, query="anglais", place=PLOERMEL, radius_km=30, now=now)
    near = add_space(
        engine, name="Relais de Josselin", city="Josselin", latitude=47.953, longitude=-2.547
    )
    far = add_space(
        engine, name="Relais de Vire", city="Vire Normandie", latitude=48.838, longitude=-0.889
    )
    english_near = add_session(engine, now=now, title="Anglais débutant", space_id=near)
    add_session(
        engine,
        now=now,
        title="Anglais débutant",
        space_id=far,
        organisation="Autre organisme",
        starts_in=timedelta(days=9),
    )
    add_session(engine, now=now, title="Excel initiation", space_id=near)
    matches = matches_for_new_sessions(
        engine,
        new_sessions=load_docs(engine, now=now),
        gazetteer=default_gazetteer(),
        now=now,
        tz=clock_tz(),
    )
    assert [(m.alert_id, m.user_id, m.session_id) for m in matches] == [
        (alert.id, 42, english_near)
    ]


def clock_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def test_two_alerts_on_one_session_announce_it_once(engine, clock) -> None:
    from bot.announcements import import_announcements

    now = clock.now()
    add_user(engine, 42)
    save_alert(engine, user_id=42, query="anglais", place=PLOERMEL, radius_km=30, now=now)
    save_alert(engine, user_id=42, query="cours d'anglais", place=PLOERMEL, radius_km=50, now=now)
    near = add_space(
        engine,
        name="Relais de Josselin",
        city="Josselin",
        latitude=47.953,
        longitude=-2.547,
        external_id="JOS",
    )
    add_session(engine, now=now, title="Anglais débutant", space_id=near)
    [created] = [d.external_id for d in load_docs(engine, now=now)]
    found = import_announcements(
        engine,
        changed=[],
        created_external_ids=[created],
        gazetteer=default_gazetteer(),
        now=now,
        tz=clock_tz(),
    )
    assert [(a.user_id, a.kind) for a in found] == [(42, "alert")]
    assert found[0].alert_id is not None
