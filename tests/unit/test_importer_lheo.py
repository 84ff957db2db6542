"""LHEO pieces: formats accepted or refused by name, dates, escaped HTML, ids, CPF."""

import pytest

from bot.importer.lheo import read_lheo
from bot.importer.lheo.dates import kind_of, read_date
from bot.importer.lheo.text import plain_text
from bot.importer.problems import FileProblem


def _refusal(xml: str) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        read_lheo("o.xml", xml.encode())
    return caught.value


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        ("<offre-formation><action-formation/></offre-formation>", "LHEO 1.3"),
        ('<lheo-index xmlns="http://www.lheo.org/2.3"/>', "lheo-index"),
        ("<lheo-leger><offres/></lheo-leger>", "lheo-leger"),
        ('<lheo xmlns="http://www.lheo.org/3.0"><offres/></lheo>', "LHEO 3.0"),
    ],
)
def test_other_lheo_formats_are_refused_by_name(xml, found) -> None:
    refusal = _refusal(xml)
    assert refusal.code == "lheo_format"
    assert str(refusal.params["found"]).startswith(found)
    assert refusal.params["accepted"] == "LHEO 2.2, 2.3"


def test_dates_as_lheo_defines_them() -> None:
    assert read_date("20270302", end=False).day.isoformat() == "2027-03-02"
    assert read_date("20270200", end=True).day.isoformat() == "2027-02-28"
    assert read_date("20270200", end=False).precision == "month"
    assert read_date("20270000", end=True).day.isoformat() == "2027-12-31"
    assert [kind_of(x) for x in ("00000000", "99999999", "2027", None, "20271302")] == [
        "unknown", "open", "bad", "missing", "bad",
    ]  # fmt: skip


def test_escaped_html_becomes_plain_text() -> None:
    assert plain_text("<p>Un <b>deux</b></p><ul><li>trois</li><li>quatre</li></ul>") == (
        "Un deux\n- trois\n- quatre"
    )
    assert plain_text("&lt;p&gt;double&lt;/p&gt;") == "double"
    assert plain_text("a &amp; b") == "a & b"


def test_cpf_only_from_what_says_so() -> None:
    xml = """<lheo><offres><formation><intitule-formation>X</intitule-formation>
      <certifiante>1</certifiante><action numero="1"><lieu-de-formation><coordonnees>
      <adresse><ligne>1 rue</ligne><codepostal>56800</codepostal><ville>Ploërmel</ville>
      </adresse></coordonnees></lieu-de-formation>
      <session numero="16"><periode><debut>20270302</debut><fin>20270302</fin></periode>
      </session>{financer}</action>
      <organisme-formation-responsable numero="ORG"><nom-organisme>O</nom-organisme>
      </organisme-formation-responsable></formation></offres></lheo>"""
    plain = read_lheo("o.xml", xml.format(financer="").encode())
    row = next(plain.tables[1].rows()).values
    assert (row["session_id"], row["cpf"], row["seats"]) == ("org:16", "non", "12")
    financed = "<organisme-financeur><code-financeur>CPF</code-financeur>"
    financed += "<nb-places-financees>8</nb-places-financees></organisme-financeur>"
    row = next(read_lheo("o.xml", xml.format(financer=financed).encode()).tables[1].rows())
    assert (row.values["cpf"], row.values["seats"]) == ("oui", "8")
