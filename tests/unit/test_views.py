"""Saved views (services.views): kept where the window and the command line both find them; a name may hold
":", the record type settles two views of the same name; a view the list no longer understands is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portfolio.domain.errors import PortfolioError
from portfolio.services.app_paths import views_file
from portfolio.services.listing import ListQuery
from portfolio.services.views import find_view, save_view, saved_views


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(tmp_path / "config"))


def test_names_with_a_colon_and_the_same_name_on_two_lists() -> None:
    save_view("organisation", "Bretagne: CHU", ListQuery("organisation", search="CHU"))
    save_view("organisation", "Suivi", ListQuery("organisation", search="EHPAD"))
    save_view("project", "Suivi", ListQuery("project", search="télé", sort="acronym"))
    assert find_view("Bretagne: CHU").search == "CHU"
    assert find_view("organisation:Bretagne: CHU").search == "CHU"
    assert find_view("project:Suivi").sort == "acronym"
    with pytest.raises(PortfolioError, match="précisez le type, par exemple organisation:Suivi"):
        find_view("Suivi")
    with pytest.raises(PortfolioError, match="vues : organisation:Bretagne: CHU, organisation:Suivi, project:Suivi"):
        find_view("Absente")


def test_a_damaged_or_outdated_view_is_said_not_a_traceback() -> None:
    save_view("organisation", "Bonne", ListQuery("organisation", search="x"))
    content = json.loads(views_file().read_text(encoding="utf-8"))
    content["organisation"]["Filtres en liste"] = {"filters": ["region"]}
    content["organisation"]["Filtre disparu"] = {"filters": {"n'existe plus": [1]}}
    content["organisation"]["Colonne disparue"] = {"sort": "disparue"}
    views_file().write_text(json.dumps(content), encoding="utf-8")
    for name in ("Filtres en liste", "Filtre disparu", "Colonne disparue"):
        with pytest.raises(PortfolioError, match="ne s'applique plus"):
            find_view(name)
    assert find_view("Bonne").search == "x"
    views_file().write_text("{pas du json", encoding="utf-8")
    assert saved_views() == {}
