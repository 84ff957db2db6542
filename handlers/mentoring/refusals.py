"""Friendly answers to a mentoring button whose action the domain refused (not yours, no
longer pending, too late, taken…), shown as an alert on the button."""

from __future__ import annotations

import logging

from telegram import CallbackQuery

from bot.i18n import Translator
from bot.mentoring import errors

logger = logging.getLogger(__name__)


def refusal(t: Translator, exc: errors.MentoringError) -> str:
    """The friendly answer to an expected failure on a button."""
    if isinstance(exc, errors.NotYours):
        return t("mentoring.not_yours")
    if isinstance(exc, errors.NotPending):
        status = exc.status if exc.status in STATUSES else "gone"
        return t("mentoring.stale", status=t(f"mentoring.status.{status}"))
    if isinstance(exc, errors.TooLate):
        return t("mentoring.too_late")
    if isinstance(exc, errors.TooEarly):
        return t("mentoring.attendance.too_early")
    if isinstance(exc, errors.SlotTaken):
        return t("mentoring.learner.taken")
    if isinstance(exc, errors.AlreadyRequested):
        return t("mentoring.learner.already")
    if isinstance(exc, errors.AlreadyRated):
        return t("mentoring.rating.already")
    if isinstance(exc, errors.NotAttended):
        return t("mentoring.rating.not_attended")
    return t("mentoring.stale_button")


STATUSES = ("pending", "confirmed", "proposed", "declined", "cancelled", "expired", "done")


async def refuse(query: CallbackQuery, t: Translator, exc: errors.MentoringError) -> None:
    """Answer a button whose action the domain refused, as an alert."""
    logger.info("mentoring button %r refused for %s: %r", query.data, query.from_user.id, exc)
    await query.answer(refusal(t, exc), show_alert=True)
