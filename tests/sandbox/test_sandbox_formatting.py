"""Telegram HTML parsing and multipart decoding, tested without a server."""

from __future__ import annotations

import httpx
import pytest

from bot.sandbox.formatting import EntityParseError, parse_html, to_plain, utf16_len
from bot.sandbox.multipart import parse_body


def test_plain_text_and_entities() -> None:
    plain, entities = parse_html('<b>Hé</b> 👋 <a href="https://x.org?a=1&amp;b=2">lien</a>')
    assert plain == "Hé 👋 lien"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        # The emoji counts as two UTF-16 code units, as in Telegram's offsets.
        {"type": "text_link", "offset": 6, "length": 4, "url": "https://x.org?a=1&b=2"},
    ]
    assert utf16_len("👋") == 2


def test_nested_and_special_tags() -> None:
    text = (
        '<b><i>x</i></b><tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>'
        '<pre><code class="language-python">print()</code></pre><blockquote expandable>q'
        "</blockquote>"
    )
    plain, entities = parse_html(text)
    assert plain == "xstprint()q"
    types = [e["type"] for e in entities]
    assert types == ["bold", "italic", "spoiler", "spoiler", "pre", "expandable_blockquote"]
    assert entities[4]["language"] == "python"


def test_entities_are_decoded() -> None:
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#233;&#x1F600;")[0] == 'a <b> & "c" é😀'


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Q&A", 'unescaped "&" at byte offset 1'),
        ("&nbsp;", 'unescaped "&"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b class=x", "Can't find end of the tag"),
    ],
)
def test_invalid_html_is_rejected(text: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(text)
    assert fragment in str(caught.value)


def test_greater_than_alone_is_fine() -> None:
    assert parse_html("a > b")[0] == "a > b"


def test_to_plain() -> None:
    assert to_plain("<b>1 &lt; 2</b>", "HTML") == "1 < 2"
    assert to_plain("<b>raw</b>", None) == "<b>raw</b>"
    assert to_plain(None, "HTML") == ""


def _encode(data: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/", data=data, files=files)
    return request.read(), request.headers["Content-Type"]


def test_multipart_round_trip_with_awkward_names() -> None:
    payload = b"line1\r\n--not-a-boundary\r\n\r\n\x00\xff"
    body, content_type = _encode(
        {"chat_id": "42", "caption": "Résumé ✓"},
        {"document": ('cv "final" 100%41.pdf', payload, "application/pdf")},
    )
    fields, files = parse_body(body, content_type)
    assert fields == {"chat_id": "42", "caption": "Résumé ✓"}
    upload = files["document"]
    assert upload.filename == 'cv "final" 100%41.pdf'
    assert upload.content == payload
    assert upload.content_type == "application/pdf"


def test_form_and_query_parameters() -> None:
    fields, files = parse_body(b"text=a%26b&empty=", "application/x-www-form-urlencoded", "x=1")
    assert fields == {"x": "1", "text": "a&b", "empty": ""}
    assert files == {}
    fields, _ = parse_body(b'{"chat_id": 5, "flag": true, "m": {"a": 1}}', "application/json")
    assert fields == {"chat_id": "5", "flag": "true", "m": '{"a": 1}'}
