"""The XML defences checked before an import: defusedxml present, and the parsers we use refusing entities."""

from __future__ import annotations

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from . import ooxml
from .base import ReadError


def check_xml_defences() -> None:
    """Verifies that defusedxml is importable and that the XML we parse goes through it: a document declaring
    entities (the start of a billion laughs) must be refused by our sheet pass and by our structural parser.
    Raises PortfolioError otherwise; called at the start of an import."""
    failure = PortfolioError(tr("La protection contre les fichiers XML malveillants (defusedxml) est absente ou "
                                "inopérante : l'import est impossible ; réinstallez l'application."))
    try:
        import defusedxml  # noqa: F401
        from defusedxml import EntitiesForbidden
        from defusedxml.ElementTree import fromstring
    except ImportError:
        raise failure from None
    evil = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><x>&b;</x>'
    if ooxml.defused_fromstring is not fromstring:
        raise failure
    try:
        fromstring(evil)
    except EntitiesForbidden:
        pass
    else:
        raise failure
    try:
        ooxml.scan_sheet_bytes([evil], "check", "check")
    except ooxml.UnsafeXml:
        return
    except ReadError:
        raise failure from None
    raise failure
