"""Which LHEO a document is: read LHEO 2.x, refuse 1.3 and the summary formats by name."""

from __future__ import annotations

import logging
import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from bot.importer.problems import FileProblem

logger = logging.getLogger(__name__)

ACCEPTED = "LHEO 2.2, 2.3"
# http://www.lheo.org/2.3, http://lheo.gouv.fr/2.2 …: the version is the last path part.
_VERSION = re.compile(r"/(\d+(?:\.\w+)?)/?$")
_SUMMARIES = {"lheo-index", "lheo-leger", "resumes-offres", "resume-offre"}
_LHEO_1 = {"offre-formation", "offres-formation", "action-formation"}


def parse(data: bytes) -> Element:
    """The root of an LHEO 2.x document, its tags stripped of namespaces, or FileProblem."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise FileProblem("xml_forbidden") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise FileProblem("bad_xml", line=line, column=column) from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]
    check_format(root, namespace)
    return root


def check_format(root: Element, namespace: str) -> None:
    """Refuse, naming it, an LHEO this reader does not map (1.3, index, léger, 3.x)."""
    found = _other_format(root, namespace)
    if found is not None:
        raise FileProblem("lheo_format", found=found, accepted=ACCEPTED)


def _other_format(root: Element, namespace: str) -> str | None:
    if root.tag in _SUMMARIES or "leger" in namespace or "index" in namespace:
        return root.tag
    if root.tag in _LHEO_1 or root.find(".//action-formation") is not None:
        return "LHEO 1.3 (offre-formation/action-formation)"
    version = _VERSION.search(namespace)
    if root.tag == "lheo" and version and not version.group(1).startswith("2"):
        return f"LHEO {version.group(1)}"
    return None
