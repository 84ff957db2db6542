"""The one place that wires the bot: builder chain, services, handlers, start-up work."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import ProxiContext, Services
from bot.db import make_engine, unit_of_work
from bot.gazetteer import default_gazetteer
from bot.models import RoleGrant, User
from bot.search.live import LiveIndex
from bot.updates import PerChatUpdateProcessor
from handlers import (
    account,
    admin,
    alerts,
    confirmation,
    delivery,
    enrolment,
    errors,
    fallback,
    importer,
    menu,
    questions,
    roster,
    search,
    sessions,
    settings,
    start,
    users,
)
from handlers.delivery import services_of
from handlers.mentoring import (
    adding,
    appointments,
    availability,
    booking,
    conversation,
    decisions,
)
from handlers.mentoring import state as mentoring_state
from handlers.mentoring.state import config as mentoring_config
from handlers.notices import alerts as alert_notices
from handlers.notices import confirmation as confirmation_notices
from handlers.notices import mentoring as mentoring_notices
from handlers.notices import sessions as session_notices  # noqa: F401 (registers renderers)
from handlers.notices import waitlist
from handlers.notices.base import RENDERERS
from handlers.persistence import (
    DatabasePersistence,
    FlushingApplication,
    end_idle_restored_conversations,
)
from handlers.retrying import RetryingRateLimiter

logger = logging.getLogger(__name__)

ProxiApplication = Application[
    Any, ProxiContext, dict[str, Any], dict[str, Any], dict[str, Any], Any
]


def build_application(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    update_processor: BaseUpdateProcessor | None = None,
) -> ProxiApplication:
    """Build the bot's Application from settings; tests pass their own engine and clock."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the application")
    engine = engine or make_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(ContextTypes(context=ProxiContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        # Telegram's rates, and the answer to the person writing retried (handlers/retrying.py).
        .rate_limiter(RetryingRateLimiter(max_retries=settings.rate_limit_max_retries))
        .post_init(_post_init)
        # Conversations, drafts, result lists, previews survive a restart (handlers/persistence).
        .persistence(
            DatabasePersistence(
                engine,
                clock.now,
                refreshed=users.REFRESHED,
                conversation_timeout=timedelta(seconds=conversation.TIMEOUT),
            )
        )
        .application_class(FlushingApplication)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        builder = builder.base_file_url(
            settings.telegram_api_base_file_url
            or settings.telegram_api_base_url.replace("/bot", "/file/bot")
        )
    # Concurrent across people, in order for each person (see bot/updates.py).
    builder = builder.concurrent_updates(update_processor or PerChatUpdateProcessor())
    application: ProxiApplication = builder.build()

    application.bot_data["services"] = Services(
        settings=settings,
        engine=engine,
        clock=clock,
        search=LiveIndex(settings.search_snapshot_path),
    )
    _register_handlers(application)
    # Every kind of reminder and notice has its renderer before the first sweep (importing
    # handlers.notices.* registers them).
    assert {waitlist.OFFER, alert_notices.ALERT, *confirmation_notices.KINDS} <= set(RENDERERS)
    delivery.install(application)
    return application


def _register_handlers(application: ProxiApplication) -> None:
    # Groups run in ascending order, and in each group only the first matching handler runs.
    # Group -2 sees every command first: a command changes the subject, so answers awaited
    # by conversations are dropped before any feature sees the update.
    application.add_handlers(questions.handlers(), group=-2)
    # Group -1 then sees every update: it records the user and their language, and stops
    # updates from group chats (the bot works in private chats only).
    application.add_handlers(users.handlers(), group=-1)

    # Group 0, in order. Conversations first: while one waits for an answer, it takes the
    # next message (the home town in /settings, then mentoring's typed answers).
    application.add_handlers(settings.handlers())
    application.add_handlers(conversation.handlers())

    # Commands and buttons of each feature (their patterns do not overlap).
    application.add_handlers(start.handlers())
    application.add_handlers(account.handlers())
    application.add_handlers(admin.handlers())
    application.add_handlers(importer.handlers())
    application.add_handlers(roster.handlers())
    application.add_handlers(sessions.handlers())
    application.add_handlers(enrolment.handlers())
    application.add_handlers(search.handlers())
    application.add_handlers(alerts.handlers())
    application.add_handlers(confirmation.handlers())
    # Mentoring (handlers/mentoring/): tutors' slots and decisions, learners' booking,
    # appointments. Their reminders render in handlers/notices/mentoring.py.
    mentoring_notices.register_offsets(mentoring_config(services_of(application).settings).offsets)
    application.add_handlers(availability.handlers())
    application.add_handlers(adding.handlers())
    application.add_handlers(decisions.handlers())
    application.add_handlers(booking.handlers())
    application.add_handlers(appointments.handlers())

    # Whatever no feature took: edits and unknown commands are answered, any other text is
    # a request in plain words (searched), and the rest gets a short helpful answer.
    application.add_handlers(fallback.commands())
    application.add_handlers(search.text_handlers())
    application.add_handlers(fallback.leftovers())

    application.add_error_handler(errors.on_error)
    _schedule_jobs(application)


async def _end_idle_conversations_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await end_idle_restored_conversations(context.application)


def _schedule_jobs(application: ProxiApplication) -> None:
    """Periodic work with stable ids (replaced, never doubled, on a restart)."""
    if application.job_queue is None:
        return
    for callback, interval, first, name in (
        # Unanswered waitlist offers pass on to the next learner.
        (enrolment.expire_offers_job, enrolment.OFFER_SWEEP_INTERVAL, 5, "waitlist:expire-offers"),
        # Sessions to confirm whose decision date passed are cancelled (read from the rows:
        # a restart loses no deadline).
        (confirmation.settle_job, confirmation.SETTLE_INTERVAL, 5, confirmation.SETTLE_JOB),
        # Unanswered mentoring requests nudge their tutor, then expire.
        (
            decisions.expire_requests_job,
            mentoring_state.SWEEP_INTERVAL,
            10,
            mentoring_state.SWEEP_JOB,
        ),
        # Conversations restored at start-up lost PTB's timeout jobs (handlers/persistence).
        (_end_idle_conversations_job, 60, 30, "conversations:end-idle"),
    ):
        application.job_queue.run_repeating(
            callback,
            interval=interval,
            first=first,
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": 60},
        )


async def _post_init(application: ProxiApplication) -> None:
    """Start-up work that needs the bot: reminders re-armed, search index, command menus."""
    services: Services = application.bot_data["services"]
    await delivery.arm_pending(application)
    # The gazetteer (34,000 communes) loads once here, off the event loop.
    await asyncio.to_thread(default_gazetteer)
    # The search index builds in a thread: meanwhile searches read the database.
    services.search.rebuild_in_background(services.engine, now=services.clock.now())
    await menu.publish_default_menus(application.bot, services.settings.default_language)
    for user_id, language, roles in _privileged_users(services):
        await menu.publish_chat_menu(application.bot, user_id, language, roles)


def _privileged_users(services: Services) -> list[tuple[int, str, set[str]]]:
    """Users who see more commands than learners: super-admins and granted roles."""
    found: dict[int, tuple[str, set[str]]] = {}
    with unit_of_work(services.engine) as session:
        for user_id, role in session.execute(select(col(RoleGrant.user_id), col(RoleGrant.role))):
            found.setdefault(user_id, (services.settings.default_language, set()))[1].add(role)
        for admin_id in services.settings.admin_ids:
            found.setdefault(admin_id, (services.settings.default_language, set()))[1].add("admin")
        rows = session.execute(
            select(col(User.id), col(User.language)).where(col(User.id).in_(list(found)))
        )
        languages = {user_id: language for user_id, language in rows}
    return [(uid, languages.get(uid, lang), roles) for uid, (lang, roles) in found.items()]


async def post_init(application: ProxiApplication) -> None:
    """Run the start-up work by hand (PTB calls it only inside run_polling/run_webhook)."""
    await _post_init(application)
