"""Sending announcements (session changes, alert matches) to the people concerned."""

from __future__ import annotations

import logging

from bot.alerts import alert_dedupe_key
from bot.announcements import Announcement
from bot.catalogue import session_card
from bot.context import ProxiContext
from handlers.common import call_service
from handlers.delivery import notice
from handlers.notices.alerts import ALERT
from handlers.notices.sessions import change_is_urgent

logger = logging.getLogger(__name__)


async def announce(context: ProxiContext, announcement: Announcement) -> None:
    """One announcement as a durable notice, rendered in its recipient's language."""
    services = context.services
    if announcement.kind == "alert":
        await notice(
            context,
            kind=ALERT,
            recipient_id=announcement.user_id,
            session_id=announcement.session_id,
            dedupe_key=alert_dedupe_key(
                alert_id=announcement.alert_id or 0,
                user_id=announcement.user_id,
                session_id=announcement.session_id,
            ),
            urgent=False,  # good news that can wait for the morning, and comes silently
        )
        return
    card = await call_service(
        session_card,
        services.engine,
        session_id=announcement.session_id,
        now=services.clock.now(),
    )
    now = services.clock.now()
    await notice(
        context,
        kind=f"session_{announcement.kind}",
        recipient_id=announcement.user_id,
        session_id=announcement.session_id,
        dedupe_key=(
            f"chg:{announcement.kind}:{announcement.session_id}:{announcement.user_id}:"
            f"{int(now.timestamp())}"
        ),
        urgent=change_is_urgent(card, now),
    )
