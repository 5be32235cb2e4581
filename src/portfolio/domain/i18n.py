"""One translation mechanism for the whole application, usable without Qt.

Messages are written in French (the users' language) and looked up in a catalogue for another
language. The UI sets the language once at start-up from the preferences.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "fr"
_language = DEFAULT_LANGUAGE
_catalogues: dict[str, dict[str, str]] = {"en": {}}


def set_language(language: str) -> None:
    """Selects the language of every later message ("fr" or "en")."""
    global _language
    _language = language if language in _catalogues or language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE


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
