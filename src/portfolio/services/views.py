"""Saved views: a list's search, filters and sort kept under a name, per record type. Kept in a JSON file beside
the settings (``app_paths.views_file()``) rather than in Qt's settings, so that the command line finds them too
(``portfolio export --view NAME``)."""

from __future__ import annotations

import json
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .app_paths import views_file
from .files import write_whole
from .listing import ListQuery


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
    _write(views)


def _write(views: dict[str, dict[str, dict[str, Any]]]) -> None:
    path = views_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(views, ensure_ascii=False, indent=1, sort_keys=True)
    write_whole(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), tr("Les vues enregistrées"))


def rename_view(entity: str, old: str, new: str) -> None:
    """Renames a saved view; PortfolioError when ``new`` is empty or already names another view of the list."""
    views = saved_views()
    mine = views.get(entity, {})
    new = new.strip()
    if old not in mine:
        raise PortfolioError(tr("La vue « {name} » n'existe plus.", name=old))
    if not new or (new != old and new in mine):
        raise PortfolioError(tr("« {name} » nomme déjà une autre vue de cette liste : choisissez un autre nom.",
                                name=new) if new else tr("Le nom de la vue ne peut pas être vide."))
    mine[new] = mine.pop(old)
    _write(views)


def delete_view(entity: str, name: str) -> None:
    """Deletes a saved view (nothing happens when it no longer exists)."""
    views = saved_views()
    if views.get(entity, {}).pop(name, None) is not None:
        _write(views)


def as_query(entity: str, view: dict[str, Any]) -> ListQuery:
    """A saved view as the list's query; PortfolioError for a view the list no longer understands (a filter or
    a column that is gone, a file edited by hand)."""
    from .listing import columns, filter_keys

    filters = view.get("filters") or {}
    sort = view.get("sort") or None
    known = {key for key, _label in filter_keys(entity)}
    if not isinstance(filters, dict) or not all(key in known and isinstance(values, list)
                                                for key, values in filters.items()) \
            or (sort is not None and sort not in {c.key for c in columns(entity)}):
        raise PortfolioError(tr("La vue ne s'applique plus à la liste « {entity} » (un filtre ou une colonne a "
                                "changé) : appliquez à nouveau vos filtres et enregistrez-la.", entity=entity))
    return ListQuery(entity, str(view.get("search") or ""), {str(k): tuple(v) for k, v in filters.items()}, sort,
                     bool(view.get("descending")))


def find_view(name: str, entities: tuple[str, ...] | None = None) -> ListQuery:
    """The view called ``name`` ("type:name" when two record types have one of that name; a name may hold ":"
    itself), among the views of ``entities`` when given. PortfolioError naming the views there are when none
    (or several) match."""
    views = {entity: named for entity, named in saved_views().items() if entities is None or entity in entities}
    found = [(entity, named[name]) for entity, named in views.items() if name in named]
    prefix, _sep, rest = name.partition(":")
    if not found and rest and rest in views.get(prefix, {}):
        found = [(prefix, views[prefix][rest])]
    if len(found) == 1:
        entity, view = found[0]
        try:
            return as_query(entity, view)
        except PortfolioError as error:
            raise PortfolioError(tr("« {name} » : {reason}", name=name, reason=error)) from None
    known = sorted(f"{entity}:{view_name}" for entity, named in views.items() for view_name in named)
    if not found:
        raise PortfolioError(tr("Aucune vue enregistrée ne s'appelle « {name} » ; vues : {known}.", name=name,
                                known=", ".join(known) or tr("aucune (enregistrez-en une depuis une liste)")))
    raise PortfolioError(tr("Plusieurs vues s'appellent « {name} » : précisez le type, par exemple {example}.",
                            name=name, example=f"{found[0][0]}:{name}"))
