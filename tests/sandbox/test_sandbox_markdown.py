"""The sandbox's MarkdownV2 and Markdown parsers refuse and render as Telegram does.

Expected values are tdlib's own test vectors (td/test/message_entities.cpp, the parser of
the Bot API server): same error sentences, same plain text, same entity offsets.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox import BotApiSandbox
from bot.sandbox.formatting import EntityParseError, render
from bot.sandbox.markdown import parse_markdown, parse_markdown_v2
from tests.sandbox.sandbox_helpers import RawApi

RESERVED = "]()>#+-=|{}.!"


@pytest.mark.parametrize("char", [chr(c) for c in range(1, 126) if chr(c) not in "_*[~`>\\"])
def test_every_reserved_character_must_be_escaped(char: str) -> None:
    if char in RESERVED:
        with pytest.raises(EntityParseError) as refused:
            parse_markdown_v2(char)
        assert str(refused.value) == (
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
        assert parse_markdown_v2("\\" + char) == (char, [])
    else:
        assert parse_markdown_v2(char) == (char, [])


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
        ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
        ("🏟 🏟```", "Can't find end of Pre entity at byte offset 9"),
        ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
        ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
        ("[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"),
        ("🏟 🏟||test\\|", "Can't find end of Spoiler entity at byte offset 9"),
        ("🏟 🏟!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("🏟 🏟![👍]", "Custom emoji entity must contain a tg://emoji URL"),
        ("🏟 🏟![👍](t://emoji?id=1234)", "Custom emoji URL must have scheme tg"),
        (">*b\n>ld \n>bo\nld*\nasd\ndef", "Can't find end of Bold entity at byte offset 1"),
        (">asd\n>q||ew\n||asdad", "Can't find end of Spoiler entity at byte offset 7"),
        ("Version 1.0", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("Saint-Méen", "Character '-' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_refusals_name_the_place_as_telegram_does(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as refused:
        parse_markdown_v2(source)
    assert str(refused.value) == error


def _e(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **extra}


@pytest.mark.parametrize(
    ("source", "plain", "entities"),
    [
        ("", "", []),
        ("\\\\\\\\\\_\\*\\`", "\\\\_*`", []),
        ("🏟 🏟_abac \\* asd _", "🏟 🏟abac * asd ", [_e("italic", 5, 11)]),
        ("🏟 🏟_🏟 *🏟*_", "🏟 🏟🏟 🏟", [_e("italic", 5, 5), _e("bold", 8, 2)]),
        ("🏟 🏟__🏟 _🏟_ __", "🏟 🏟🏟 🏟 ", [_e("underline", 5, 6), _e("italic", 8, 2)]),
        ("🏟 🏟```🏟 🏟```", "🏟 🏟 🏟", [_e("pre", 5, 3, language="🏟")]),
        ("🏟 🏟```🏟\n🏟```", "🏟 🏟🏟", [_e("pre", 5, 2, language="🏟")]),
        ("||test||", "test", [_e("spoiler", 0, 4)]),
        (
            "`_* *_`__*` `*__",
            "_* *_ ",
            [_e("code", 0, 5), _e("code", 5, 1), _e("bold", 5, 1), _e("underline", 5, 1)],
        ),
        ("[ ](telegram.org)", " ", [_e("text_link", 0, 1, url="http://telegram.org/")]),
        ("[ ](as)", " ", []),
        ("[telegram\\.org]", "telegram.org", [_e("text_link", 0, 12, url="http://telegram.org/")]),
        (
            "[telegram\\.org](https://telegram.dog?)",
            "telegram.org",
            [_e("text_link", 0, 12, url="https://telegram.dog/?")],
        ),
        ("> \n> \n>", " \n \n", [_e("blockquote", 0, 4)]),
        ("abc\n> \n> \n>\ndef", "abc\n \n \n\ndef", [_e("blockquote", 4, 5)]),
        (
            ">asd\n>q||e||w||\nasdad",
            "asd\nqew\nasdad",
            [_e("expandable_blockquote", 0, 8), _e("spoiler", 5, 1)],
        ),
        (
            ">asd\n>q||ew||\nasdad",
            "asd\nqew\nasdad",
            [_e("blockquote", 0, 8), _e("spoiler", 5, 2)],
        ),
        (
            "*Excel* à Ploërmel \\(56\\), le 3\\.03",
            "Excel à Ploërmel (56), le 3.03",
            [_e("bold", 0, 5)],
        ),
    ],
)
def test_plain_text_and_entities_match_telegram(
    source: str, plain: str, entities: list[dict[str, Any]]
) -> None:
    assert parse_markdown_v2(source) == (plain, entities)


def test_legacy_markdown_keeps_reserved_characters_and_refuses_unclosed_entities() -> None:
    assert parse_markdown("*Excel* 1.0 - [site](https://proxi.fr)") == (
        "Excel 1.0 - site",
        [_e("bold", 0, 5), _e("text_link", 12, 4, url="https://proxi.fr/")],
    )
    assert parse_markdown("a \\_b\\_ ```py\nx```") == ("a _b_ x", [_e("pre", 6, 1, language="py")])
    with pytest.raises(EntityParseError) as refused:
        parse_markdown("Bonjour _Ploërmel")
    assert str(refused.value) == "Can't find end of the entity starting at byte offset 8"


def test_render_dispatches_both_markdown_modes_case_insensitively() -> None:
    assert render("*a*", "MarkdownV2") == ("a", [_e("bold", 0, 1)])
    assert render("*a*", "Markdown") == ("a", [_e("bold", 0, 1)])
    with pytest.raises(EntityParseError):
        render("a.b", "markdownv2")


def test_send_message_in_markdown_v2_is_refused_or_rendered_over_http(
    api: RawApi, sandbox: BotApiSandbox
) -> None:
    sandbox.user(7)
    body = api.error("sendMessage", 400, chat_id=7, text="Session 1.0", parse_mode="MarkdownV2")
    assert body["description"] == (
        "Bad Request: can't parse entities: "
        "Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    sent = api.ok("sendMessage", chat_id=7, text="*Excel* le 3\\.03", parse_mode="MarkdownV2")
    assert sent["text"] == "Excel le 3.03"
    assert sent["entities"] == [_e("bold", 0, 5)]
    last = sandbox.last_bot_message(7)
    assert last is not None and last.plain == "Excel le 3.03"
