"""The one place that wires the bot: builder chain, services, handlers, start-up work."""

from __future__ import annotations

import asyncio
import logging
import threading
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
from bot.observability.health import HealthServer, HealthState
from bot.observability.metrics import Metrics
from bot.search.live import LiveIndex
from bot.updates import PerChatUpdateProcessor
from handlers import (
    account,
    admin,
    alerts,
    companies,
    confirmation,
    delivery,
    demand,
    enrolment,
    errors,
    fallback,
    impact,
    importer,
    menu,
    observing,
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
    preview,
)
from handlers.mentoring import state as mentoring_state
from handlers.mentoring.state import config as mentoring_config
from handlers.notices import alerts as alert_notices
from handlers.notices import companies as company_notices
from handlers.notices import confirmation as confirmation_notices
from handlers.notices import mentoring as mentoring_notices
from handlers.notices import sessions as session_notices  # noqa: F401 (registers renderers)
from handlers.notices import waitlist
from handlers.notices.base import RENDERERS
from handlers.observing import ObservingApplication
from handlers.persistence import DatabasePersistence, end_idle_restored_conversations
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
    update_queue: asyncio.Queue[object] | None = None,
) -> ProxiApplication:
    """Build the bot's Application from settings; tests pass their own engine and clock, the
    runner its update inbox (queue and processor: handlers/inbox.py)."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the application")
    engine = engine or make_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    metrics = Metrics()
    metrics.watch_reminders(engine)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(ContextTypes(context=ProxiContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        # Telegram's rates, and the answer to the person writing retried (handlers/retrying.py).
        .rate_limiter(
            RetryingRateLimiter(
                max_retries=settings.rate_limit_max_retries,
                observer=lambda method, ok, retries: metrics.api_call(
                    method, ok=ok, retries=retries
                ),
            )
        )
        .get_updates_request(observing.PollingRequest(metrics))
        .post_init(_post_init)
        .post_shutdown(post_shutdown)
        # Conversations, drafts, result lists, previews survive a restart (handlers/persistence).
        .persistence(
            DatabasePersistence(
                engine,
                clock.now,
                refreshed=users.REFRESHED,
                conversation_timeout=timedelta(seconds=conversation.TIMEOUT),
            )
        )
        # Each update timed, counted and logged in one line (handlers/observing.py).
        .application_class(ObservingApplication)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        builder = builder.base_file_url(
            settings.telegram_api_base_file_url
            or settings.telegram_api_base_url.replace("/bot", "/file/bot")
        )
    # Concurrent across people, in order for each person (see bot/updates.py).
    builder = builder.concurrent_updates(update_processor or PerChatUpdateProcessor())
    if update_queue is not None:
        builder = builder.update_queue(update_queue)
    application: ProxiApplication = builder.build()

    application.bot_data["services"] = Services(
        settings=settings,
        engine=engine,
        clock=clock,
        metrics=metrics,
        search=LiveIndex(settings.search_snapshot_path),
    )
    _register_handlers(application)
    observing.name_handlers(application)
    # Every kind of reminder and notice has its renderer before the first sweep (importing
    # handlers.notices.* registers them).
    assert {waitlist.OFFER, alert_notices.ALERT, *confirmation_notices.KINDS} <= set(RENDERERS)
    assert company_notices.REQUEST_NOTICE in RENDERERS
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
    # Company requests (handlers/companies/): the request being written takes its answers,
    # and a message in employer phrasing, before the ordinary search; then the relay.
    application.add_handlers(companies.conversations())

    # Commands and buttons of each feature (their patterns do not overlap).
    application.add_handlers(start.handlers())
    application.add_handlers(account.handlers())
    application.add_handlers(admin.handlers())
    application.add_handlers(importer.handlers())
    application.add_handlers(roster.handlers())
    application.add_handlers(impact.handlers())  # travel saved, for admins (/impact)
    application.add_handlers(sessions.handlers())
    application.add_handlers(enrolment.handlers())
    application.add_handlers(search.handlers())
    application.add_handlers(alerts.handlers())
    application.add_handlers(confirmation.handlers())
    application.add_handlers(companies.handlers())
    application.add_handlers(demand.handlers())
    # Mentoring (handlers/mentoring/): tutors' slots and decisions, learners' booking,
    # appointments. Their reminders render in handlers/notices/mentoring.py.
    mentoring_notices.register_offsets(mentoring_config(services_of(application).settings).offsets)
    application.add_handlers(availability.handlers())
    application.add_handlers(adding.handlers())
    application.add_handlers(preview.handlers())
    application.add_handlers(decisions.handlers())
    application.add_handlers(booking.handlers())
    application.add_handlers(appointments.handlers())

    # Whatever no feature took: edits and unknown commands are answered, any other text is
    # a request in plain words (searched), and the rest gets a short helpful answer.
    application.add_handlers(fallback.commands())
    application.add_handlers(search.text_handlers())
    application.add_handlers(fallback.leftovers())

    # The one error handler, counted for the metrics.
    application.add_error_handler(observing.counting(errors.on_error))
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
        # Search records for demand statistics past their retention are deleted (first run
        # a minute after start, so a bot restarted daily still purges).
        (demand.purge_job, demand.PURGE_INTERVAL, 60, demand.PURGE_JOB),
        # Queued search records are written in batches.
        (demand.flush_job, demand.FLUSH_INTERVAL, 5, demand.FLUSH_JOB),
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
    gazetteer = await asyncio.to_thread(default_gazetteer)
    # Its typo indexes (sounds, first letters: ~0.5 s) build in a thread, not on a first typo.
    threading.Thread(target=gazetteer.warm_typos, name="gazetteer-typos", daemon=True).start()
    # The search index builds in a thread: meanwhile searches read the database.
    services.search.rebuild_in_background(services.engine, now=services.clock.now())
    await menu.publish_default_menus(application.bot, services.settings.default_language)
    for user_id, language, roles in _privileged_users(services):
        await menu.publish_chat_menu(application.bot, user_id, language, roles)
    await _start_health_server(application)


async def _start_health_server(application: ProxiApplication) -> None:
    """/healthz, /readyz, /metrics when HEALTH_PORT is set (bot/observability/health.py)."""
    services: Services = application.bot_data["services"]
    port = services.settings.health_port
    if port is None or services.health_server is not None:
        return
    jobs = application.job_queue
    state = HealthState(
        engine=services.engine,
        metrics=services.metrics,
        jobs_running=lambda: jobs is not None and jobs.scheduler.running,
    )
    server = HealthServer(state, services.settings.health_host, port)
    try:
        await server.start()
    except OSError as exc:
        # People are served all the same; the probes failing tell the operator.
        logger.error(
            "no health server: HEALTH_HOST:HEALTH_PORT %s:%s cannot be used (%s)",
            services.settings.health_host, port, exc.strerror or exc,
        )  # fmt: skip
        return
    services.health_server = server


async def post_shutdown(application: ProxiApplication) -> None:
    """Stop what `post_init` started that PTB does not own (the health server)."""
    services: Services = application.bot_data["services"]
    if services.health_server is not None:
        await services.health_server.stop()
        services.health_server = None


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
