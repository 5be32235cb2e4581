"""What the import wizard shows and chooses, computed without Qt (exchange.preview)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from portfolio.exchange import preview
from portfolio.exchange.imports import Prepared
from portfolio.exchange.mapping import ColumnMapping
from portfolio.exchange.plan import ImportPlan, NewRecord, Rejection, Update
from portfolio.exchange.reading import Workbook
from portfolio.exchange.table import Table


def prepared(rows: list[list[object]], columns: dict[int, str]) -> Prepared:
    table = Table("Feuil1", 2, 1, ["Nom", "Appel", "Montant"], [(3 + i, row) for i, row in enumerate(rows)])
    workbook = Workbook(Path("f.csv"), "0" * 64, "csv", ["Feuil1"], [])
    return Prepared(workbook, table, ColumnMapping(dict(columns), dict.fromkeys(columns, 0.9)))


def test_cells_and_confidence_as_shown() -> None:
    assert preview.sample_text(date(2017, 6, 27)) == "27/06/2017"
    assert preview.sample_text(True) == "Oui" and preview.sample_text(5.0) == "5"
    assert preview.confidence_mark(0.95)[2] == "high" and preview.confidence_mark(0.1, manual=True)[0] == "✎"
    assert preview.profile_text(None).startswith("Format non reconnu")


def test_the_table_its_first_rows_and_samples() -> None:
    ready = prepared([["Alpha", "AAP-1", 12.5], ["", None, 3], ["Gamma", "aap-1", None]], {0: "org.name"})
    assert preview.table_text(ready) == ("En-têtes trouvés ligne 2, colonne B — colonnes : 3 (dont reconnues : 1) ; "
                                         "lignes de données : 3.")
    numbers, rows = preview.first_rows(ready.table)
    assert numbers == ["3", "4", "5"] and rows[0] == ("Alpha", "AAP-1", "12,5") and rows[1] == ("", "", "3")
    assert preview.column_samples(ready.table, 0) == ["Alpha", "Gamma"]


def test_a_field_is_filled_by_one_column() -> None:
    mapping = ColumnMapping({0: "org.name", 2: "aid.total"}, {0: 0.9, 2: 0.6})
    assert preview.map_column(mapping, 1, "org.name") == [0]
    assert mapping.columns == {1: "org.name", 2: "aid.total"} and mapping.confidence == {1: 1.0, 2: 0.6}
    assert preview.ignored_text(["Nom", "Raison", "Montant"], 0, 1, "org.name").startswith(
        "La colonne « Nom » est maintenant ignorée")
    assert preview.map_column(mapping, 2, None) == [] and mapping.columns == {1: "org.name"}


def test_the_calls_a_file_names() -> None:
    ready = prepared([["A", "AAP-1", 1], ["B", " AAP-1 ", 2], ["C", "Santé numérique", 3], ["D", None, 4]],
                     {0: "org.name", 1: "project.call"})
    names = preview.file_calls(ready)
    assert names == [("AAP-1", 2), ("Santé numérique", 1)]
    calls = [("AAP-1", "Premier appel"), ("SN-2", "Santé numérique et données")]
    assert preview.recognised_call("aap-1", calls) == "AAP-1"
    assert preview.recognised_call("Santé numérique", calls) == "SN-2"  # the start of one label
    assert preview.recognised_call("Inconnu", calls) is None
    text, rejected = preview.calls_text(names, {}, lambda name: None, None)
    assert rejected and text.endswith("inconnus, leurs lignes seront rejetées : 2")
    text, rejected = preview.calls_text(names, {"AAP-1": "X"}, lambda name: None, "X")
    assert not rejected and "associés : 1" in text
    preview.set_default_call(ready.mapping, "X")
    preview.set_call_choices(ready.mapping, {"AAP-1": "X"})
    assert ready.mapping.defaults == {"call": "X", "calls": {"AAP-1": "X"}}
    preview.set_default_call(ready.mapping, None)
    preview.set_call_choices(ready.mapping, {})
    assert ready.mapping.defaults == {}


def test_a_plan_as_the_preview_says_it() -> None:
    plan = ImportPlan("f.csv", "0" * 64, "Feuil1", None, 3, ["Nom"])
    assert preview.apply_text(plan).startswith("<b>Rien à importer</b>")
    assert preview.first_detail(plan) == 2  # nothing: the rejected rows (none)
    plan.creates.append(NewRecord("organisation", "u1", {"name": "Alpha"}, 3))
    plan.updates.append(Update("organisation", "u2", "Beta", "city", "Rennes", "Brest"))
    plan.rejected.append(Rejection("Feuil1", 5, "Nom", "valeur illisible"))
    rows, created, updated = preview.counts(plan)
    assert rows == [("Structure", 1, 1)] and (created, updated) == (1, 1)
    assert preview.preview_text(plan) == ("<b>f.csv</b>, feuille « Feuil1 » — fiches à créer : 1 ; fiches à "
                                          "modifier : 1.")
    assert "Lignes rejetées : <b>1</b>" in preview.rows_text(plan)
    assert preview.rejected_shown(plan) == [("5", "Nom", "valeur illisible")]
    assert [title for title, _tip in preview.detail_tabs(plan)] == [
        "Créations (1)", "Modifications (1)", "Lignes rejetées (1)", "Remarques (0)"]
    assert preview.first_detail(plan) == 2  # the rejected rows first
    plan.entity_sheets = {"organisation": "Structures"}
    assert preview.where(plan, plan.rejected[0]) == "Feuil1 : Nom"
    assert preview.done_text(plan).startswith("<b>Import terminé</b> — fiches créées : 1 ; fiches modifiées : 1")
