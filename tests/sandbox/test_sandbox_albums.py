"""sendMediaGroup through PTB: an album as Telegram checks it (tdlib's album rules)."""

from __future__ import annotations

import pytest
from telegram import InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest
from telegram.ext import Application

from bot.sandbox import BotApiSandbox
from tests.sandbox.sandbox_helpers import RawApi

PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + (640).to_bytes(4, "big")
    + (480).to_bytes(4, "big")
)


async def test_two_photos_make_one_album_with_their_captions(
    app: Application, sandbox: BotApiSandbox
) -> None:
    sandbox.user(42)
    sent = await app.bot.send_media_group(
        42,
        [
            InputMediaPhoto(PNG, caption="<b>Thèmes</b>", parse_mode="HTML", filename="a.png"),
            InputMediaPhoto(PNG, caption="Carte", filename="b.png"),
        ],
    )
    assert len(sent) == 2
    assert sent[0].media_group_id is not None and sent[0].media_group_id == sent[1].media_group_id
    assert (sent[0].caption, sent[1].caption) == ("Thèmes", "Carte")
    assert sent[0].photo[-1].width == 640
    entries = sandbox.bot_messages(42)
    assert [(e.kind, e.plain) for e in entries] == [("photo", "Thèmes"), ("photo", "Carte")]
    again = await app.bot.send_media_group(
        42, [InputMediaPhoto(sent[0].photo[-1].file_id), InputMediaPhoto(PNG)]
    )  # a photo sent before, by its file_id
    assert again[0].photo[-1].file_id == sent[0].photo[-1].file_id


async def test_one_item_is_a_plain_message(app: Application, sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    [only] = await app.bot.send_media_group(42, [InputMediaDocument(b"x", filename="t.xlsx")])
    assert only.media_group_id is None and only.document is not None


@pytest.mark.parametrize(
    ("media", "error"),
    [
        ([InputMediaPhoto(PNG)] * 11, "Too many messages to send as an album"),
        (
            [InputMediaPhoto(PNG), InputMediaDocument(b"x", filename="t.xlsx")],
            "Document can't be mixed with other media types",
        ),
        ([InputMediaPhoto(PNG), InputMediaPhoto(b"")], "File must be non-empty"),
        ([InputMediaPhoto(PNG, caption="x" * 1025), InputMediaPhoto(PNG)], "caption is too long"),
    ],
)
async def test_a_refused_album_sends_nothing(
    app: Application, sandbox: BotApiSandbox, media: list, error: str
) -> None:
    sandbox.user(42)
    with pytest.raises(BadRequest, match=error):
        await app.bot.send_media_group(42, media)
    assert sandbox.bot_messages(42) == []


@pytest.mark.parametrize(
    ("media", "error"),
    [
        ("[]", "Bad Request: there are no messages to send"),
        ('[{"type": "photo", "media": "attach://nothing"}]',
         "Bad Request: can't parse InputMedia: media not found"),
    ],
)  # fmt: skip
def test_empty_albums_and_missing_parts_are_refused(
    api: RawApi, sandbox: BotApiSandbox, media: str, error: str
) -> None:
    sandbox.user(42)
    assert api.error("sendMediaGroup", 400, chat_id=42, media=media)["description"] == error
    assert sandbox.bot_messages(42) == []
