"""For the person pressing: their tutor id, and the slots their appointment may move to
(the checks of what is theirs are domain look-ups, `bot.mentoring.lookup`)."""

from __future__ import annotations

from telegram import Update

from bot.context import ProxiContext
from bot.gazetteer import default_gazetteer
from bot.mentoring import lookup
from bot.mentoring.finder import open_slots
from bot.mentoring.tutors import tutor_id_for
from bot.mentoring.views import AppointmentView, SlotView
from handlers.common import call_service
from handlers.mentoring.state import config


async def current_tutor(update: Update, context: ProxiContext) -> int | None:
    """The presser's tutor id (made from their tutor role on first use), or None."""
    user = update.effective_user
    if user is None:
        return None
    return await call_service(
        tutor_id_for, context.services.engine, user_id=user.id, name=user.full_name
    )


async def other_slots(context: ProxiContext, view: AppointmentView) -> list[SlotView]:
    """The same tutor's other open slots for this learner, not too close to be confirmed
    (a move, or a counter-proposal)."""
    services = context.services
    now = services.clock.now()
    return await call_service(
        open_slots,
        services.engine,
        tutor_id=view.tutor_id,
        now=now,
        learner_id=view.learner_id,
        exclude_slot_id=view.slot_id,
        not_before=now + config(services.settings).expire_before,
    )


async def tutor_spaces(context: ProxiContext, tutor_id: int) -> list[tuple[int, str, str]]:
    """The spaces to offer a tutor, the ones they use and the nearest to them first."""
    insee = (context.user_data or {}).get("home_insee")
    commune = default_gazetteer().by_insee(insee) if insee else None
    home = (commune.latitude, commune.longitude) if commune is not None else None
    return await call_service(
        lookup.spaces_for_tutor, context.services.engine, tutor_id=tutor_id, home=home
    )
