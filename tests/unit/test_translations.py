"""The English catalogue: complete, faithful to the French placeholders, and used by tr()."""

from __future__ import annotations

import importlib.util
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from portfolio.domain import i18n
from portfolio.domain.i18n import language, set_language, tr

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src" / "portfolio" / "domain" / "locale" / "en.json"
MESSAGES_SCRIPT = ROOT / "scripts" / "messages.py"
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*>")


def _load_messages_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("portfolio_messages_script", MESSAGES_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalogue() -> dict[str, str]:
    return json.loads(CATALOGUE.read_text("utf-8"))


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}


@pytest.fixture(autouse=True)
def _french_afterwards() -> Iterator[None]:
    """Every test leaves the application in French, whatever it selected."""
    try:
        yield
    finally:
        set_language(i18n.DEFAULT_LANGUAGE)


def test_catalogue_is_a_sorted_json_object_of_strings() -> None:
    catalogue = _catalogue()
    assert isinstance(catalogue, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in catalogue.items())
    assert list(catalogue) == sorted(catalogue), "keep en.json sorted by key"
    assert not [k for k, v in catalogue.items() if not v.strip()], "empty translations"


def test_no_message_is_missing_from_the_catalogue() -> None:
    missing = _load_messages_script().missing()
    assert missing == {}, "translate these messages in en.json:\n" + "\n".join(
        f"{where}\t{message}" for message, where in missing.items())


def test_translations_keep_the_placeholders_and_tags() -> None:
    wrong = [(french, english) for french, english in _catalogue().items()
             if _placeholders(french) != _placeholders(english)]
    assert wrong == []
    bad_tags = [(french, english) for french, english in _catalogue().items()
                if sorted(TAG.findall(french)) != sorted(TAG.findall(english))]
    assert bad_tags == []


def test_translations_keep_leading_and_trailing_spaces() -> None:
    wrong = [(french, english) for french, english in _catalogue().items()
             if (french[:1] == " ") != (english[:1] == " ") or (french[-1:] == " ") != (english[-1:] == " ")]
    assert wrong == []


def test_english_is_used_once_selected_and_french_comes_back() -> None:
    catalogue = _catalogue()
    message = "La base « {path} » n'existe pas."
    set_language("en")
    assert language() == "en"
    assert tr("Annuler") == catalogue["Annuler"] == "Cancel"
    assert tr(message, path="p.sqlite") == catalogue[message].format(path="p.sqlite")
    assert tr(message, path="p.sqlite") == 'The database "p.sqlite" does not exist.'
    assert tr("{n} enregistrements", n=3) == "3 records"
    set_language("fr")
    assert language() == "fr"
    assert tr("Annuler") == "Annuler"
    assert tr(message, path="p.sqlite") == "La base « p.sqlite » n'existe pas."


def test_unknown_language_falls_back_to_french() -> None:
    set_language("xx")
    assert language() == "fr"
    assert tr("Annuler") == "Annuler"
    set_language("en")
    set_language("zz")
    assert language() == "fr"
    assert tr("Le montant {value} a plus de deux décimales.", value="1,234") == (
        "Le montant 1,234 a plus de deux décimales.")
