"""Saved views: a list's search, filters and sort kept under a name, per record type. Kept in a JSON file beside
the settings (services.portfolio.settings_file) rather than in Qt's settings, so that the command line finds them
too (``portfolio export --view NAME``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .files import write_whole
from .listing import ListQuery
from .portfolio import settings_file


def views_file() -> Path:
    """Where the saved views live: ``vues.json`` beside the settings."""
    return settings_file().with_name("vues.json")


def saved_views() -> dict[str, dict[str, dict[str, Any]]]:
    """Every saved view: record type -> name -> {search, filters, sort, descending}. A missing or damaged file
    reads as no view (the views are a convenience; the data is never at stake)."""
    try:
        content = json.loads(views_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(content, dict):
        return {}
    return {entity: {str(name): view for name, view in views.items() if isinstance(view, dict)}
            for entity, views in content.items() if isinstance(views, dict)}


def save_view(entity: str, name: str, query: ListQuery) -> None:
    """Saves (or replaces) the view ``name`` of ``entity``'s list."""
    views = saved_views()
    views.setdefault(entity, {})[name] = {"search": query.search,
                                          "filters": {key: list(values) for key, values in query.filters.items()},
                                          "sort": query.sort, "descending": query.descending}
    path = views_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(views, ensure_ascii=False, indent=1, sort_keys=True)
    write_whole(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), tr("Les vues enregistrées"))


def as_query(entity: str, view: dict[str, Any]) -> ListQuery:
    """A saved view as the list's query."""
    filters = {str(key): tuple(values) for key, values in (view.get("filters") or {}).items()
               if isinstance(values, list)}
    return ListQuery(entity, str(view.get("search") or ""), filters, view.get("sort") or None,
                     bool(view.get("descending")))


def find_view(name: str, entities: tuple[str, ...] | None = None) -> ListQuery:
    """The view called ``name`` ("type:name" when two record types have one of that name), among the views of
    ``entities`` when given. PortfolioError naming the views there are when none (or several) match."""
    wanted_entity, _sep, wanted_name = name.rpartition(":") if ":" in name else ("", "", name)
    found = [(entity, view) for entity, views in saved_views().items() for view_name, view in views.items()
             if view_name == wanted_name and (not wanted_entity or entity == wanted_entity)
             and (entities is None or entity in entities)]
    if len(found) == 1:
        return as_query(*found[0])
    known = sorted(f"{entity}:{view_name}" for entity, views in saved_views().items() for view_name in views
                   if entities is None or entity in entities)
    if not found:
        raise PortfolioError(tr("Aucune vue enregistrée ne s'appelle « {name} » ; vues : {known}.", name=name,
                                known=", ".join(known) or tr("aucune (enregistrez-en une depuis une liste)")))
    raise PortfolioError(tr("Plusieurs vues s'appellent « {name} » : précisez le type, par exemple {example}.",
                            name=name, example=f"{found[0][0]}:{wanted_name}"))
