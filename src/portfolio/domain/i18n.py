"""One translation mechanism for the whole application, usable without Qt.

Messages are written in French (the users' language) and looked up in a catalogue for another
language. The UI sets the language once at start-up from the preferences.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "fr"
_language = DEFAULT_LANGUAGE
_catalogues: dict[str, dict[str, str]] = {"en": {}}


def load_catalogue(language_code: str) -> dict[str, str]:
    """The French-message -> translation pairs shipped for a language (locale/<code>.json), or {}."""
    try:
        text = resources.files("portfolio.domain").joinpath("locale", f"{language_code}.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return dict(json.loads(text))


def set_language(language: str) -> None:
    """Selects the language of every later message ("fr" or "en"); an unknown language falls back to French."""
    global _language
    if language != DEFAULT_LANGUAGE and not _catalogues.get(language):
        register(language, load_catalogue(language))
    _language = language if _catalogues.get(language) or language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE


def language() -> str:
    """The language in force."""
    return _language


def register(language_code: str, catalogue: dict[str, str]) -> None:
    """Adds French-message -> translation pairs for a language."""
    _catalogues.setdefault(language_code, {}).update(catalogue)


def tr(message: str, /, **params: Any) -> str:
    """Translates a French message into the language in force and fills its {placeholders}."""
    if _language != DEFAULT_LANGUAGE:
        message = _catalogues.get(_language, {}).get(message, message)
    return message.format(**params) if params else message


def tr_n(count: int, one: str, many: str, /, **params: Any) -> str:
    """``one`` or ``many`` (both marked with N_ for the catalogue) as ``count`` asks, translated, with {n} the
    count: "1 résultat", "52 résultats" (French counts 0 and 1 as singular)."""
    return tr(one if abs(count) < 2 else many, n=params.pop("n", count), **params)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it now (it is translated where it is shown)."""
    return message
