"""The inline keyboards of mentoring messages (buttons declared in `handlers.buttons`)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.mentoring.views import SlotView
from handlers import buttons
from handlers.buttons import Button
from handlers.mentoring.texts import slot_label

SLOT_BUTTONS = 8


def appointment_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """[Annuler] [Déplacer], on every message about a booked appointment."""
    return InlineKeyboardMarkup(
        [
            [
                buttons.APPOINTMENT_CANCEL.button(t("mentoring.button_cancel"), appointment_id),
                buttons.APPOINTMENT_MOVE.button(t("mentoring.button_move"), appointment_id),
            ]
        ]
    )


def attendance_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """[Oui] [Non]: did the appointment take place?"""
    return InlineKeyboardMarkup(
        [
            [
                buttons.ATTENDANCE.button(t("mentoring.attendance.button_yes"), appointment_id, 1),
                buttons.ATTENDANCE.button(t("mentoring.attendance.button_no"), appointment_id, 0),
            ]
        ]
    )


def rating_keyboard(appointment_id: int) -> InlineKeyboardMarkup:
    """One to five stars."""
    return InlineKeyboardMarkup(
        [[buttons.RATING.button(str(stars), appointment_id, stars) for stars in range(1, 6)]]
    )


def decision_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """The tutor's [Confirmer] [Refuser] / [Proposer un autre créneau]."""
    return InlineKeyboardMarkup(
        [
            [
                buttons.REQUEST_CONFIRM.button(
                    t("mentoring.request.button_confirm"), appointment_id
                ),
                buttons.REQUEST_DECLINE.button(
                    t("mentoring.request.button_decline"), appointment_id
                ),
            ],
            [buttons.REQUEST_OTHER.button(t("mentoring.request.button_other"), appointment_id)],
        ]
    )


def proposal_keyboard(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """The learner's [Accepter] [Refuser] of a slot the tutor proposed."""
    return InlineKeyboardMarkup(
        [
            [
                buttons.PROPOSAL.button(
                    t("mentoring.proposal.button_accept"), "a", appointment_id
                ),
                buttons.PROPOSAL.button(
                    t("mentoring.proposal.button_refuse"), "r", appointment_id
                ),
            ]
        ]
    )


def slot_buttons(
    t: Translator, slots: list[SlotView], button: Button, *first: int, tutor: bool = False
) -> list[list[InlineKeyboardButton]]:
    """One button a slot: `button` carries `first` values then the slot's id."""
    return [
        [button.button(slot_label(t, slot, tutor=tutor), *first, slot.id)]
        for slot in slots[:SLOT_BUTTONS]
    ]
