"""A tutor's draft becomes one slot, a range or a weekly series, on SQLite and PostgreSQL."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.mentoring.drafts import DEFAULT_WEEKS, SlotDraft, create_from_draft
from bot.mentoring.errors import SlotOverlap
from tests.factories import add_space
from tests.integration.test_mentoring_availability import add_tutor, paris_times, slot_count

PARIS = ZoneInfo("Europe/Paris")


def _answers(day, **values) -> dict[str, object]:
    """The chat's draft as its steps store it (strings for times, ints for ids)."""
    return {"day": day.isoformat(), "start": "1400", "end": "1600", "seats": 1, **values}


def test_an_appointment_filling_the_span_is_one_slot(engine, clock) -> None:
    now = clock.now()
    tutor, space = add_tutor(engine, 900), add_space(engine)
    day = (now + timedelta(days=3)).date()
    draft = SlotDraft.from_answers(_answers(day, minutes=120, space_id=space))
    created = create_from_draft(engine, tutor_id=tutor, draft=draft, tz=PARIS, now=now)
    assert paris_times(created) == [(day, time(14))]
    assert created[0].ends_at - created[0].starts_at == timedelta(hours=2)


def test_a_range_is_cut_into_appointments(engine, clock) -> None:
    now = clock.now()
    tutor, space = add_tutor(engine, 900), add_space(engine)
    day = (now + timedelta(days=3)).date()
    draft = SlotDraft.from_answers(_answers(day, minutes=45, space_id=space))
    created = create_from_draft(engine, tutor_id=tutor, draft=draft, tz=PARIS, now=now)
    assert paris_times(created) == [(day, time(14)), (day, time(14, 45))]


def test_a_weekly_series_without_a_length_lasts_the_default_weeks(engine, clock) -> None:
    now = clock.now()
    tutor = add_tutor(engine, 900)
    day = (now + timedelta(days=3)).date()
    answers = _answers(day, minutes=60, online_url="https://visio.example/x", recurring=True)
    draft = SlotDraft.from_answers(answers)
    created = create_from_draft(engine, tutor_id=tutor, draft=draft, tz=PARIS, now=now)
    assert len(created) == 2 * DEFAULT_WEEKS  # two one-hour appointments a week
    assert {slot.place.online_url for slot in created} == {"https://visio.example/x"}
    with pytest.raises(SlotOverlap):  # the same again: nothing more is created
        create_from_draft(engine, tutor_id=tutor, draft=draft, tz=PARIS, now=now)
    assert slot_count(engine, tutor) == 2 * DEFAULT_WEEKS
