"""The one place that wires the bot: builder chain, services, handlers, start-up work."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import notify
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import ProxiContext, Services
from bot.db import make_engine, unit_of_work
from bot.gazetteer import default_gazetteer
from bot.models import RoleGrant, User
from bot.updates import PerChatUpdateProcessor
from handlers import (
    account,
    admin,
    alerts,
    enrolment,
    errors,
    fallback,
    importer,
    mentoring_adding,
    mentoring_appointments,
    mentoring_availability,
    mentoring_common,
    mentoring_input,
    mentoring_learner,
    mentoring_tutor,
    menu,
    notices,
    questions,
    roster,
    search,
    sessions,
    settings,
    start,
    users,
)

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
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(ContextTypes(context=ProxiContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(AIORateLimiter(max_retries=settings.rate_limit_max_retries))
        .post_init(_post_init)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        builder = builder.base_file_url(
            settings.telegram_api_base_file_url
            or settings.telegram_api_base_url.replace("/bot", "/file/bot")
        )
    # Concurrent across people, in order for each person (see bot/updates.py).
    builder = builder.concurrent_updates(update_processor or PerChatUpdateProcessor())
    application: ProxiApplication = builder.build()  # type: ignore[assignment]

    application.bot_data["services"] = Services(
        settings=settings,
        engine=engine or make_engine(settings.effective_database_url),
        clock=clock or SystemClock(),
    )
    _register_handlers(application)
    # Reminder kinds rendered by handlers (offers, changes, alerts) must be known before
    # the first sweep, even if no update has been handled yet.
    assert notices.OFFER in notify.RENDERERS
    notify.install(application)
    return application


def _register_handlers(application: ProxiApplication) -> None:
    # Group -1 sees every update first: it records the user and their language, and stops
    # updates from group chats (the bot works in private chats only).
    application.add_handler(TypeHandler(Update, users.track_user), group=-1)
    # Group -2: a command changes the subject, so answers awaited by conversations are
    # dropped before anything else sees the update.
    application.add_handler(MessageHandler(filters.COMMAND, questions.forget_questions), group=-2)

    # Conversations first: while one waits for an answer, it takes the next message.
    application.add_handler(settings.home_conversation())

    # Commands every user has.
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler(["help", "aide"], start.help_command))
    application.add_handler(CommandHandler(["langue", "language"], account.language_command))
    application.add_handler(CommandHandler(["privacy", "confidentialite"], account.privacy))
    application.add_handler(CommandHandler(["forget", "oublier"], account.forget_command))
    application.add_handler(CommandHandler(["settings", "reglages"], settings.settings_command))
    application.add_handler(CallbackQueryHandler(settings.language_button, pattern=r"^set:lang$"))

    # Administrators.
    application.add_handler(CommandHandler(["inviter", "invite"], admin.invite_command))
    application.add_handler(CallbackQueryHandler(admin.invite_role_chosen, pattern=r"^inv:r:"))
    application.add_handler(
        CallbackQueryHandler(admin.invite_org_chosen, pattern=r"^inv:o:[at]:\d{1,9}$")
    )

    # Data files sent by admins.
    application.add_handler(MessageHandler(filters.Document.ALL, importer.document_received))
    application.add_handler(CallbackQueryHandler(importer.import_answered, pattern=r"^imp:"))

    # Sessions, enrolment, waitlist.
    application.add_handler(
        CommandHandler(["mes_inscriptions", "my_enrolments"], enrolment.my_enrolments_command)
    )
    application.add_handler(CommandHandler(["inscrits", "enrolled"], roster.roster_command))
    application.add_handler(CallbackQueryHandler(sessions.open_card, pattern=r"^card:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(sessions.share, pattern=r"^shr:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(sessions.dates_pressed, pattern=r"^dts:\d{1,9}$"))
    application.add_handler(
        CallbackQueryHandler(enrolment.enrol_pressed, pattern=r"^enr:\d{1,9}$")
    )
    application.add_handler(
        CallbackQueryHandler(enrolment.waitlist_pressed, pattern=r"^wl:\d{1,9}$")
    )
    application.add_handler(
        CallbackQueryHandler(enrolment.cancel_pressed, pattern=r"^cxl:\d{1,9}$")
    )
    application.add_handler(
        CallbackQueryHandler(enrolment.cancel_confirmed, pattern=r"^(cxy:\d{1,9}|cxn)$")
    )
    application.add_handler(
        CallbackQueryHandler(enrolment.offer_answered, pattern=r"^(acc|dcl):\d{1,9}$")
    )

    # Search, results and alerts.
    application.add_handler(CallbackQueryHandler(search.refine, pattern=r"^res:"))
    application.add_handler(CallbackQueryHandler(search.place_chosen, pattern=r"^plc:"))
    application.add_handler(CommandHandler(["alertes", "alerts"], alerts.alerts_command))
    application.add_handler(CallbackQueryHandler(alerts.alert_pressed, pattern=r"^alrt:new$"))
    application.add_handler(
        CallbackQueryHandler(alerts.delete_pressed, pattern=r"^alrt:del:\d{1,9}$")
    )

    # Mentoring (handlers/mentoring_*). The conversation holds typed answers (an availability
    # phrase, a link, a topic, a note for the tutor) and must come before the search's text.
    mentoring_common.register_reminder_kinds(application.bot_data["services"].settings)
    application.add_handler(mentoring_input.conversation())
    application.add_handler(
        CommandHandler(["historique", "history"], mentoring_tutor.history_command)
    )
    application.add_handler(
        CommandHandler(
            ["mes_rdv", "my_appointments"], mentoring_appointments.my_appointments_command
        )
    )
    for callback, pattern in (
        (mentoring_availability.list_pressed, r"^av:ls:\d{1,9}$"),
        (mentoring_availability.remove_pressed, r"^av:x:\d{1,9}$"),
        (mentoring_availability.remove_confirmed, r"^av:xy:\d{1,9}$"),
        (mentoring_availability.remove_series_pressed, r"^av:xsy?:\d{1,9}$"),
        (mentoring_adding.day_chosen, r"^av:d:\d{8}$"),
        (mentoring_adding.start_chosen, r"^av:t:\d{4}$"),
        (mentoring_adding.length_chosen, r"^av:l:\d{1,9}$"),
        (mentoring_adding.range_chosen, r"^av:r$"),
        (mentoring_adding.end_chosen, r"^av:e:\d{4}$"),
        (mentoring_adding.place_chosen, r"^av:p:\d{1,9}$"),
        (mentoring_adding.seats_chosen, r"^av:s:\d{1,9}$"),
        (mentoring_tutor.confirm_pressed, r"^rq:c:\d{1,9}$"),
        (mentoring_tutor.decline_pressed, r"^rq:d:\d{1,9}$"),
        (mentoring_tutor.back_pressed, r"^rq:b:\d{1,9}$"),
        (mentoring_tutor.reason_chosen, r"^rq:r:\d{1,9}:\d{1,9}$"),
        (mentoring_tutor.other_pressed, r"^rq:o:\d{1,9}$"),
        (mentoring_tutor.propose_chosen, r"^rq:p:\d{1,9}:\d{1,9}$"),
        (mentoring_learner.topic_chosen, r"^mn:t:\d{1,9}$"),
        (mentoring_learner.all_pressed, r"^mn:all$"),
        (mentoring_learner.tutors_pressed, r"^mn:tu$"),
        (mentoring_learner.tutor_chosen, r"^mn:u:\d{1,9}$"),
        (mentoring_learner.skip_pressed, r"^mn:k:\d{1,9}$"),
        (mentoring_learner.proposal_answered, r"^pp:[ar]:\d{1,9}$"),
        (mentoring_appointments.cancel_pressed, r"^ap:x:\d{1,9}$"),
        (mentoring_appointments.cancel_confirmed, r"^ap:xy:\d{1,9}$"),
        (mentoring_appointments.cancel_kept, r"^ap:xn:\d{1,9}$"),
        (mentoring_appointments.move_pressed, r"^ap:m:\d{1,9}$"),
        (mentoring_appointments.move_chosen, r"^ap:ms:\d{1,9}:\d{1,9}$"),
        (mentoring_appointments.attendance_answered, r"^ap:a:\d{1,9}:[01]$"),
        (mentoring_appointments.rating_chosen, r"^ap:s:\d{1,9}:\d$"),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))

    # Buttons.
    application.add_handler(CallbackQueryHandler(start.menu_button, pattern=r"^menu:"))
    application.add_handler(CallbackQueryHandler(account.language_chosen, pattern=r"^lang:"))
    application.add_handler(CallbackQueryHandler(account.forget_answer, pattern=r"^forget:"))

    # Whatever no feature took: a short helpful answer each, never silence.
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, fallback.edited_message)
    )
    application.add_handler(MessageHandler(filters.COMMAND, fallback.unknown_command))
    # Any other text is a request in plain French (or English): search it.
    application.add_handler(MessageHandler(filters.TEXT, search.search_text))
    application.add_handler(MessageHandler(filters.LOCATION, search.location_shared))
    application.add_handler(MessageHandler(filters.ALL, fallback.not_text))
    application.add_handler(CallbackQueryHandler(fallback.stale_button))

    application.add_error_handler(errors.on_error)

    # Periodic work: unanswered waitlist offers pass on to the next learner.
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            enrolment.expire_offers_job,
            interval=enrolment.OFFER_SWEEP_INTERVAL,
            first=5,
            name="waitlist:expire-offers",
            job_kwargs={
                "id": "waitlist:expire-offers",
                "replace_existing": True,
                "misfire_grace_time": 60,
            },
        )

    # Periodic work: unanswered mentoring requests nudge their tutor, then expire.
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            mentoring_tutor.expire_requests_job,
            interval=mentoring_common.SWEEP_INTERVAL,
            first=10,
            name=mentoring_common.SWEEP_JOB,
            job_kwargs={
                "id": mentoring_common.SWEEP_JOB,
                "replace_existing": True,
                "misfire_grace_time": 60,
            },
        )


async def _post_init(application: ProxiApplication) -> None:
    """Start-up work that needs the bot: reminders re-armed, search index, command menus."""
    services: Services = application.bot_data["services"]
    await notify.arm_pending(application)
    # The gazetteer (34,000 communes) loads once here, off the event loop.
    await asyncio.to_thread(default_gazetteer)
    await asyncio.to_thread(services.search.rebuild, services.engine, now=services.clock.now())
    await menu.publish_default_menus(application.bot, services.settings.default_language)
    for user_id, language, roles in _privileged_users(services):
        await menu.publish_chat_menu(application.bot, user_id, language, roles)


def _privileged_users(services: Services) -> list[tuple[int, str, set[str]]]:
    """Users who see more commands than learners: super-admins and granted roles."""
    found: dict[int, tuple[str, set[str]]] = {}
    with unit_of_work(services.engine) as session:
        for user_id, role in session.execute(select(RoleGrant.user_id, RoleGrant.role)):
            found.setdefault(user_id, (services.settings.default_language, set()))[1].add(role)
        for admin_id in services.settings.admin_ids:
            found.setdefault(admin_id, (services.settings.default_language, set()))[1].add("admin")
        rows = session.execute(select(User.id, User.language).where(User.id.in_(list(found))))
        languages = {user_id: language for user_id, language in rows}
    return [(uid, languages.get(uid, lang), roles) for uid, (lang, roles) in found.items()]


async def post_init(application: ProxiApplication) -> None:
    """Run the start-up work by hand (PTB calls it only inside run_polling/run_webhook)."""
    await _post_init(application)
