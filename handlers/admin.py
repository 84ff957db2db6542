"""Administrators: /inviter creates one-time invite links; opening one grants the role."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler
from telegram.helpers import create_deep_linked_url

from bot.context import ProxiContext
from bot.models import Role
from bot.roles import (
    INVITE_PREFIX,
    INVITE_TTL,
    InviteInvalid,
    RoleError,
    Roles,
    create_invite,
    list_organisations,
    redeem_invite,
    roles_of,
)
from handlers import buttons, menu
from handlers.common import (
    Handlers,
    call_service,
    edit_or_ignore,
    pressed,
    refuse,
    safe_answer,
)

logger = logging.getLogger(__name__)

ROLE_KEYS = {Role.ORG_ADMIN: "admin.role_org_admin", Role.TUTOR: "admin.role_tutor"}
ROLE_CODES = {"a": Role.ORG_ADMIN, "t": Role.TUTOR}  # short codes keep callback_data small
MAX_ORG_BUTTONS = 90  # Telegram allows 100 buttons per keyboard


async def current_roles(update: Update, context: ProxiContext) -> Roles:
    """The roles of whoever sent this update."""
    assert update.effective_user is not None
    services = context.services
    return await call_service(
        roles_of,
        services.engine,
        user_id=update.effective_user.id,
        super_admins=services.settings.admin_ids,
    )


async def invite_command(update: Update, context: ProxiContext) -> None:
    """Ask which role to invite (organisation admins may only invite tutors)."""
    message = update.effective_message
    if message is None:
        return
    roles = await current_roles(update, context)
    if not roles.is_admin:
        await message.reply_text(context.t("admin.not_allowed"))
        return
    codes = ["a", "t"] if roles.super_admin else ["t"]
    keyboard = [
        [buttons.INVITE_ROLE.button(context.t(ROLE_KEYS[ROLE_CODES[c]]), c)] for c in codes
    ]
    await message.reply_text(
        context.t("admin.invite_choose_role"), reply_markup=InlineKeyboardMarkup(keyboard)
    )


async def invite_role_chosen(update: Update, context: ProxiContext) -> None:
    """Ask for the organisation the invited person will belong to."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    code = buttons.INVITE_ROLE.value(query.data)
    roles = await current_roles(update, context)
    if code not in ROLE_CODES or not roles.is_admin:
        await safe_answer(query, context.t("admin.not_allowed"), show_alert=True)
        return
    await safe_answer(query)
    only = None if roles.super_admin else roles.admin_of
    organisations = await call_service(list_organisations, context.services.engine, only=only)
    if not organisations:
        await edit_or_ignore(query, context.t("admin.invite_no_org"))
        return
    keyboard = [
        [buttons.INVITE_ORGANISATION.button(name, code, org_id)]
        for org_id, name in organisations[:MAX_ORG_BUTTONS]
    ]
    await edit_or_ignore(
        query, context.t("admin.invite_choose_org"), reply_markup=InlineKeyboardMarkup(keyboard)
    )


async def invite_org_chosen(update: Update, context: ProxiContext) -> None:
    """Create the invite and show its deep link."""
    if (found := pressed(update)) is None:
        return
    query, user = found
    code, org_id = buttons.INVITE_ORGANISATION.parse(query.data)
    services = context.services
    role = ROLE_CODES[code]
    try:
        invitation = await call_service(
            create_invite,
            services.engine,
            actor_id=user.id,
            super_admins=services.settings.admin_ids,
            role=role,
            organisation_id=org_id,
            now=services.clock.now(),
        )
    except RoleError as exc:
        await refuse(query, context.t, exc)
        return
    await safe_answer(query)
    link = create_deep_linked_url(context.bot.username, f"{INVITE_PREFIX}{invitation.token}")
    await edit_or_ignore(
        query,
        context.t(
            "admin.invite_link",
            role=context.t(ROLE_KEYS[role]),
            organisation=html.escape(invitation.organisation or ""),
            expires=context.t.date(services.clock.now() + INVITE_TTL),
            link=link,
        ),
    )


async def redeem(update: Update, context: ProxiContext, token: str) -> bool:
    """/start i_<token>: grant the invited role and show the new commands; False when the
    invite is unknown, used or expired (/start then answers as for any broken link)."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return True
    services = context.services
    try:
        granted = await call_service(
            redeem_invite, services.engine, token=token, user_id=user.id, now=services.clock.now()
        )
    except InviteInvalid:
        logger.info("invite link refused")  # for whom: the update context
        return False
    roles = await current_roles(update, context)
    await menu.publish_chat_menu(context.bot, user.id, context.language, roles.names)
    await message.reply_text(
        context.t(
            "admin.invite_redeemed",
            role=context.t(ROLE_KEYS[Role(granted.role)]),
            organisation=html.escape(granted.organisation or ""),
        )
    )
    return True


def handlers() -> Handlers:
    """/inviter and its role and organisation buttons."""
    return [
        CommandHandler(["inviter", "invite"], invite_command),
        CallbackQueryHandler(invite_role_chosen, pattern=buttons.INVITE_ROLE.pattern),
        CallbackQueryHandler(invite_org_chosen, pattern=buttons.INVITE_ORGANISATION.pattern),
    ]
