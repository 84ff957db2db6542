"""Every kind of inline button, declared once.

A `Button` is a prefix and typed fields: `.data(*values)` writes the callback data when a
keyboard is built, `.pattern` is the regular expression its handler is registered with, and
`.parse(data)` reads the values back in the handler. Patterns match whole strings only, so a
forged or stale button whose data does not fit any declaration falls through to
`fallback.stale_button` and never reaches a feature with half-parsed ids.

Telegram limits callback data to 64 bytes; `.data` checks it, so a keyboard can never carry
data that Telegram would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton

MAX_DATA_BYTES = 64  # Telegram's limit on callback_data


@dataclass(frozen=True, slots=True)
class Field:
    """One value carried by a button: how it looks in the data, and how it is read back."""

    regex: str
    read: Callable[[str], Any] = str


ID = Field(r"\d{1,9}", int)  # a database id (nine digits: no overflow, no negative)
DIGIT = Field(r"\d", int)
FLAG = Field(r"[01]", lambda raw: raw == "1")
DAY = Field(r"\d{8}")  # 20270302
HHMM = Field(r"\d{4}")  # 1430
INSEE = Field(r"[0-9][0-9AB][0-9]{3}")  # Corsica's 2A/2B included
TOKEN = Field(r"[A-Za-z0-9_-]{1,43}")  # secrets.token_urlsafe


def choice(*words: str) -> Field:
    """A field that is one of a few fixed words."""
    return Field("|".join(re.escape(word) for word in words))


class Button:
    """A kind of inline button: `Button("enr", ID)` makes and reads "enr:12"."""

    __slots__ = ("fields", "pattern", "prefix")

    def __init__(self, prefix: str, *fields: Field) -> None:
        self.prefix = prefix
        self.fields = fields
        groups = "".join(f":({field.regex})" for field in fields)
        self.pattern = rf"^{re.escape(prefix)}{groups}\Z"

    def data(self, *values: object) -> str:
        """The callback data for these values (checked, so no keyboard carries bad data)."""
        data = ":".join([self.prefix, *(str(value) for value in values)])
        if len(values) != len(self.fields) or not re.match(self.pattern, data):
            raise ValueError(f"{data!r} does not fit button {self.prefix!r}")
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"{data!r} is longer than Telegram's {MAX_DATA_BYTES} bytes")
        return data

    def parse(self, data: str | None) -> tuple[Any, ...]:
        """The values carried by `data`; ValueError when it is not this button's."""
        match = re.match(self.pattern, data or "")
        if match is None:
            raise ValueError(f"{data!r} is not a {self.prefix!r} button")
        return tuple(
            field.read(raw) for field, raw in zip(self.fields, match.groups(), strict=True)
        )

    def value(self, data: str | None) -> Any:
        """The one value of a one-field button."""
        (found,) = self.parse(data)
        return found

    def matches(self, data: str | None) -> bool:
        return re.match(self.pattern, data or "") is not None

    def button(self, label: str, *values: object) -> InlineKeyboardButton:
        """An InlineKeyboardButton with this label and data."""
        return InlineKeyboardButton(label, callback_data=self.data(*values))


def any_of(*buttons: Button) -> str:
    """One handler pattern for several buttons (e.g. accept or decline an offer)."""
    return "|".join(f"(?:{button.pattern})" for button in buttons)


# -- start, account, settings ----------------------------------------------------------------
MENU = Button("menu", choice("search", "help", "lang", "requests", "upload"))
LANGUAGE = Button("lang", choice("fr", "en"))
FORGET = Button("forget", choice("yes", "no"))
SETTINGS_HOME = Button("set", choice("home"))
SETTINGS_LANGUAGE = Button("set", choice("lang"))
HOME = Button("home", INSEE)

# -- administrators ---------------------------------------------------------------------------
INVITE_ROLE = Button("inv:r", choice("a", "t"))  # organisation admin, tutor
INVITE_ORGANISATION = Button("inv:o", choice("a", "t"), ID)
IMPORT = Button("imp", choice("ok", "no", "valid"), TOKEN)  # valid: skip the invalid rows
QUARTER = Field(r"\d{4}Q[1-4]")  # 2026Q4
IMPACT_QUARTER = Button("ipc:q", QUARTER, ID)  # quarter, organisation (0: all the admin's)
IMPACT_XLSX = Button("ipc:x", QUARTER, ID)

# -- search results ---------------------------------------------------------------------------
RESULTS_PAGE = Button("res:p", ID)
RESULTS_REFINE = Button("res", choice("r", "m", "o", "back"))  # radius, month, modality, back
RESULTS_RADIUS = Button("res:km", ID)  # a radius chosen among the choices
RESULTS_MONTH = Button("res:mo", Field(r"\d|asked|all"))  # a month offset, as asked, every date
RESULTS_TOPIC = Button("res:t", DIGIT)  # one of the other topics taught nearby
PLACE = Button("plc", INSEE)
ALERT_NEW = Button("alrt:new")
ALERT_DELETE = Button("alrt:del", ID)

# -- session cards, enrolment, waitlist -------------------------------------------------------
CARD = Button("card", ID)
SHARE = Button("shr", ID)
OTHER_DATES = Button("dts", ID)
VENUE_PIN = Button("pin", ID)  # the session's venue as a map pin, sent when asked
ENROL = Button("enr", ID)
WAITLIST = Button("wl", ID)
CANCEL_ENROLMENT = Button("cxl", ID)
CANCEL_ENROLMENT_YES = Button("cxy", ID)
CANCEL_ENROLMENT_NO = Button("cxn")
OFFER_ACCEPT = Button("acc", ID)
OFFER_DECLINE = Button("dcl", ID)
CONFIRM_ALERT = Button("alrt:s", ID)  # an alert for the course of a session not confirmed

# -- mentoring: a tutor's availability --------------------------------------------------------
SLOTS_LIST = Button("av:ls", ID)  # the offset of the page
SLOT_REMOVE = Button("av:x", ID)
SLOT_REMOVE_YES = Button("av:xy", ID)
SERIES_REMOVE = Button("av:xs", ID)
SERIES_REMOVE_YES = Button("av:xsy", ID)
SLOT_ADD = Button("av:add")
SLOT_DAY = Button("av:d", DAY)
SLOT_START = Button("av:t", HHMM)
SLOT_LENGTH = Button("av:l", ID)  # minutes
SLOT_RANGE = Button("av:r")
SLOT_END = Button("av:e", HHMM)
SLOT_SPACE = Button("av:p", ID)
SLOT_ONLINE = Button("av:on")
SLOT_OTHER_PLACE = Button("av:op")
SLOT_SEATS = Button("av:s", ID)
SLOT_SAVE = Button("av:ok")  # [Enregistrer] under what was understood
SLOT_DURATION = Button("av:du")  # [Changer la durée]
SLOT_DURATION_SET = Button("av:dm", ID)  # minutes

# -- mentoring: a tutor's decisions -----------------------------------------------------------
REQUEST_CONFIRM = Button("rq:c", ID)
REQUEST_DECLINE = Button("rq:d", ID)
REQUEST_BACK = Button("rq:b", ID)
REQUEST_REASON = Button("rq:r", ID, ID)  # appointment, index of the reason
REQUEST_OTHER = Button("rq:o", ID)
REQUEST_PROPOSE = Button("rq:p", ID, ID)  # appointment, slot

# -- mentoring: a learner's booking -----------------------------------------------------------
MENTOR_TOPIC = Button("mn:t", ID)
MENTOR_ALL = Button("mn:all")
MENTOR_TUTORS = Button("mn:tu")
MENTOR_TUTOR = Button("mn:u", ID)
MENTOR_SLOT = Button("mn:s", ID)
MENTOR_SKIP = Button("mn:k", ID)
PROPOSAL = Button("pp", choice("a", "r"), ID)  # accept or refuse the tutor's proposal

# -- mentoring: appointments (also carried by reminders) --------------------------------------
APPOINTMENT_CANCEL = Button("ap:x", ID)
APPOINTMENT_CANCEL_YES = Button("ap:xy", ID)
APPOINTMENT_CANCEL_NO = Button("ap:xn", ID)
APPOINTMENT_MOVE = Button("ap:m", ID)
APPOINTMENT_MOVE_TO = Button("ap:ms", ID, ID)  # appointment, slot
ATTENDANCE = Button("ap:a", ID, FLAG)
RATING = Button("ap:s", ID, DIGIT)

# -- company requests (intra-entreprise) ------------------------------------------------------
COMPANY_START = Button("co:new")  # [Pour mon entreprise] in the main menu
COMPANY_TELEGRAM = Button("co:tg")  # the contact is "via Telegram"
COMPANY_SEND = Button("co:send")
COMPANY_EDIT = Button("co:edit")
COMPANY_CANCEL = Button("co:no")
COMPANY_SHARE = Button("co:id", FLAG)  # show the requester's Telegram name, or not
COMPANY_ALERT = Button("co:al", ID)  # request: nobody teaches it nearby, alert me
COMPANY_REPLY = Button("co:re", ID)  # route: write to the other side
COMPANY_END = Button("co:end", ID)  # route: end the relayed conversation
COMPANY_ANSWERED = Button("co:ok", ID, ID)  # request, organisation
# Demand statistics (/demande): the period, the organisation (0: none) and the département
# ("-": none) of the report shown, re-checked against the presser's roles.
_DEMAND_DAYS, _DEMAND_DEPARTEMENT = choice("30", "90", "365"), Field(r"-|[0-9][0-9AB]|97[1-6]")
DEMAND_PERIOD = Button("dm", _DEMAND_DAYS, ID, _DEMAND_DEPARTEMENT)
# [Graphiques et tableau (30 jours)]: the pictures and the XLSX of the period shown (same fields).
DEMAND_FILES = Button("dmf", _DEMAND_DAYS, ID, _DEMAND_DEPARTEMENT)
DEMAND_COMPANIES = Button("dmco")  # [Voir les demandes d'entreprises]: what /entreprises lists
