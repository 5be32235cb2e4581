"""Reading spreadsheets that users import: formats told by their bytes, CSV encodings and delimiters, zip bombs,
entity bombs, lying dimensions, limits, and the child process that survives hangs, crashes and memory blow-ups.

Every file of tests/data/hostile (copied from the calamine and excelize test suites) must give correct values or a
ReadError, within 30 s (the child runs under a 500 MB address-space limit). Big inputs are generated small where
a small Limits object proves the same.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import multiprocessing
import os
import pickle
import re
import threading
import time
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.data_files import data_file, data_files

from portfolio.domain.errors import PortfolioError
from portfolio.exchange.reading import (
    Limits,
    ReadCancelled,
    ReadError,
    Workbook,
    check_xml_defences,
    child,
    read_untrusted,
    read_workbook,
)
from portfolio.exchange.reading.csv_sniff import sniff_delimiter
from portfolio.exchange.reading.ooxml import UnsafeXml, cell_position, quick_check, scan_sheet_bytes
from portfolio.exchange.table import column_name

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
                             for i in range(1, 10))
                  + b"]>")

# ---------------------------------------------------------------------------------------------------------
# Helpers


def write_xlsx(path: Path, sheets: dict[str, bytes], *, shared_strings: bytes | None = None,
               extra: dict[str, bytes] | None = None) -> Path:
    """A minimal xlsx written by hand (fast for big sheets): ``sheets`` maps names to <sheetData> content or to
    a whole worksheet document (starting with ``<?xml`` or ``<!DOCTYPE`` or ``<worksheet``)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        entries = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, name in enumerate(sheets, start=1))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f"<sheets>{entries}</sheets></workbook>"))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
        if shared_strings is not None:
            rels += f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>"))
        for i, content in enumerate(sheets.values(), start=1):
            if not content.lstrip().startswith((b"<?xml", b"<!DOCTYPE", b"<worksheet")):
                content = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN_NS.encode()
                           + b'"><sheetData>' + content + b"</sheetData></worksheet>")
            archive.writestr(f"xl/worksheets/sheet{i}.xml", content)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return path


def rows_xml(rows: Iterable[Iterable[Any]]) -> bytes:
    """<row> elements with inline strings and numbers, every cell with its reference."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letters(c)}{r}"
            if value is None:
                continue
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(out).encode()


def column_letters(index: int) -> str:
    return column_name(index)


def rewrite_member(source: Path, target: Path, member: str, change: Any) -> Path:
    """A copy of a zip with one member's bytes passed through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info.filename, change(data) if info.filename == member else data)
    return target


def with_dimension(source: Path, target: Path, ref: str) -> Path:
    """An openpyxl workbook whose <dimension ref> is rewritten to lie."""
    def change(data: bytes) -> bytes:
        changed, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="%s"/>' % ref.encode(), data)
        assert count == 1
        return changed
    return rewrite_member(source, target, "xl/worksheets/sheet1.xml", change)


def assert_one_clear_line(error: ReadError, file: str) -> None:
    message = str(error)
    assert file in message
    assert "\n" not in message and "Traceback" not in message
    assert " : " in message  # what happened : what to do


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """36 MB, 400,001 rows, values distinct from row to row: about 1.5 s to read in the child."""
    path = tmp_path_factory.mktemp("big") / "gros.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("nom;siret;date;objet;montant;ok\r\n")
        for start in range(0, 400_000, 10_000):
            handle.write("".join(f"Organisation n°{i};{12345678901234 + i};2021-05-05;Projet de santé {i};"
                                 f"{i},50;oui\r\n" for i in range(start, start + 10_000)))
    return path


@pytest.fixture(scope="module")
def ten_thousand_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openpyxl") / "dix-mille.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Données"
    for r in range(10_000):
        sheet.append([f"r{r}", r])
    book.save(path)
    return path


# ---------------------------------------------------------------------------------------------------------
# The hostile corpus, through the child process


def _rows(workbook: Workbook) -> list[list[Any]]:
    assert len(workbook.sheets) == 1
    return workbook.sheets[0].rows


EXPECTED: dict[str, Any] = {
    "calamine_date_1904.xlsx": lambda wb: (_rows(wb)[0] == [date(2021, 1, 1), 15.0]
                                           and _rows(wb)[1] == [date(2021, 1, 2), 16.0]),
    "calamine_empty_shared_string_value.xlsx": lambda wb: _rows(wb) == [
        ["Name", "City", "Status"], ["Alice", None, "Active"], [None, "Berlin", None]],
    "calamine_empty_sheet.xlsx": lambda wb: wb.sheets == [] and wb.sheet_names == ["Sheet1"],
    # error cells (#DIV/0!…) come without values: no sheet holds data
    "calamine_errors.xlsx": lambda wb: wb.sheets == [] and wb.sheet_names == ["Feuil1", "Feuil2", "Feuil3"],
    "calamine_has_x000D_.xlsx": lambda wb: _rows(wb) == [["ABC\r\nDEF"]],
    "calamine_header-row.xlsx": lambda wb: len(_rows(wb)) == 10 and _rows(wb)[2] == [None, None, "Note 1", None],
    "calamine_issue_419.xlsx": lambda wb: _rows(wb) == [["Hello"]],
    "calamine_issue_594_dos.ods": "17\u00a0179\u00a0869\u00a0184 cellules",
    "calamine_issue_666_panic.xlsb": "(.xlsb)",
    "calamine_malformed_format.xls": lambda wb: wb.kind == "xls" and _rows(wb)[0][:3] == ["GENNAIO", None, "FEBBRAIO"],
    "calamine_merge_cells.xlsx": lambda wb: _rows(wb) == [["Row Merge", None, "Not Merged"],
                                                          ["Column Merge", "Chunk Merged", None]],
    "calamine_non_monotonic_si.xlsx": lambda wb: (_rows(wb)[0] == [1.0, 2.0, 3.0]
                                                  and (1, 0) in wb.sheets[0].formula_cells),
    "calamine_nonstandard-xml-ns-prefix.xlsx": lambda wb: _rows(wb) == [["a", "b"], [1.0, 3.0], [2.0, 4.0]],
    "calamine_pass_protected.xlsx": "protégé par un mot de passe : enregistrez-le sans mot de passe",
    "calamine_ptgexp-truncated-operand.xls": lambda wb: wb.kind == "xls" and _rows(wb)[1][5] == "Donee",
    "calamine_too_small.xls": "ne contient que du texte",
    "excelize_BadWorkbook.xlsx": "aucune feuille",
    "excelize_MergeCell.xlsx": lambda wb: _rows(wb)[0] == ["A1", None, "C1", "D1"] and len(_rows(wb)) == 12,
    "excelize_OverflowNumericCell.xlsx": lambda wb: _rows(wb) == [[8595602512225.0]],
    "excelize_encryptAES.xlsx": "protégé par un mot de passe : enregistrez-le sans mot de passe",
}


@pytest.mark.parametrize("name", data_files("hostile"), ids=lambda name: name.split("/")[-1])
def test_every_hostile_file_gives_values_or_a_read_error_in_time(name: str) -> None:
    path = data_file(name)
    started = time.monotonic()
    try:
        outcome: Workbook | ReadError = read_untrusted(path)
    except ReadError as error:
        outcome = error
    elapsed = time.monotonic() - started
    assert elapsed < 30
    expected = EXPECTED.get(path.name)
    if isinstance(outcome, ReadError):
        assert_one_clear_line(outcome, path.name)
        assert expected is None or isinstance(expected, str), f"unexpected refusal: {outcome}"
        assert expected is None or expected in str(outcome)
    else:
        assert outcome.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert expected is None or callable(expected), f"{path.name} should have been refused"
        assert expected is None or expected(outcome), outcome.sheets
        for sheet in outcome.sheets:
            assert all(value != "" for row in sheet.rows for value in row)
            assert not sheet.rows or any(value is not None for value in sheet.rows[-1])


# ---------------------------------------------------------------------------------------------------------
# Real files


def test_france2030_list_reads_its_values_dates_formulas_and_siret_as_float() -> None:
    path = data_file("realworld/france2030_liste_beneficiaires_extrait_2023-02.xlsx")
    workbook = read_untrusted(path)
    assert workbook.kind == "xlsx" and workbook.sheet_names == ["Liste des projets et bénef"]
    sheet = workbook.sheets[0]
    assert sheet.name == "Liste des projets et bénef"
    assert sheet.rows[2][1:3] == ["Date de la DPM", "Opérateur"]  # header on row 3, from column B
    assert sheet.rows[3][1] == date(2023, 1, 16)
    assert sheet.rows[3][6] == 18008901303977.0 and isinstance(sheet.rows[3][6], float)
    assert sheet.rows[4][6] == "19593279300019"
    assert sheet.rows[3][0] is None
    # the totals of row 2 and the sums of column Q are formulas: their values are cached results
    assert {(1, 14), (1, 15), (1, 16), (3, 16)} <= sheet.formula_cells
    assert all(r in (1,) or c == 16 for r, c in sheet.formula_cells)


def test_toulouse_csv_utf8_bom_semicolons_crlf_values_stay_text() -> None:
    workbook = read_workbook(data_file("realworld/scdl_subventions_toulouse_metropole_2022.csv"))
    assert (workbook.kind, workbook.encoding, workbook.delimiter) == ("csv", "utf-8-sig", ";")
    rows = _rows(workbook)
    assert rows[0][0] == "nomAttribuant" and rows[0][15] == "catégorie" and len(rows[0]) == 17
    assert rows[1][:3] == ["Toulouse Métropole", "2,43E+13", None]  # text, decimal comma untouched
    assert not any("\r" in value for row in rows for value in row if value)
    assert len({len(row) for row in rows}) == 1


def test_chorus_csv_commas_after_a_preamble() -> None:
    workbook = read_workbook(data_file("realworld/chorus_INF-BUD-53_paiements_extrait.csv"))
    assert (workbook.encoding, workbook.delimiter) == ("utf-8", ",")
    rows = _rows(workbook)
    assert rows[0][0] == "INF-BUD-53 : Pilotage de la gestion - Vue détaillée"
    assert rows[4][0].startswith("Pour ajuster la zone filtre, faites glisser")  # a quoted comma stays inside
    assert rows[7][:2] == ["Programme", "Domaine fonctionnel"] and len(rows[7]) == 21


def test_city_csv_quoted_line_breaks_in_headers() -> None:
    """A city's grants to associations, generated with a real city's traits (tests/data/realworld/README.md)."""
    workbook = read_untrusted(data_file("realworld/subventions_associations_ville_generees.csv"))
    rows = _rows(workbook)
    assert workbook.delimiter == ","
    assert rows[0][5:9] == ["N°\nDCM", "DCM\nDate", " Accordé ", "Conv°\nLettre engagement"]
    assert rows[1][7] == " 1,500 € " and rows[1][9] == "42514914309620"  # as written, spaces and all
    assert any("70% à réception de la convention, 30%" in (row[10] or "") for row in rows)  # commas in quotes
    assert len(rows) == 191 and all(len(row) == 12 for row in rows)


def test_etalab_csv_semicolons_inside_values_do_not_make_the_delimiter() -> None:
    rows = _rows(read_workbook(data_file("realworld/scdl_subventions_exemple_officiel_etalab.csv")))
    assert rows[1][8] == "aide en numéraire;aide en nature" and len(rows[0]) == 14


# ---------------------------------------------------------------------------------------------------------
# CSV: encodings, delimiters, quoting


@pytest.mark.parametrize(("data", "encoding"), [
    ("nom;montant\r\nÉcole;12,5\r\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "nom;montant\r\nÉcole;12,5\r\n".encode(), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + "nom;montant\r\nÉcole;12,5\r\n".encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + "nom;montant\r\nÉcole;12,5\r\n".encode("utf-16-be"), "utf-16-be"),
    ("nom;montant\r\nÉcole;12,5\r\n".encode("cp1252"), "cp1252"),
    ("nom;montant\r\nÉcole;12,5\r\n".encode("cp1252") + b"x\x81;1\r\n", "latin-1"),  # 0x81: undefined in cp1252
])
def test_csv_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    workbook = read_workbook(path)
    assert workbook.encoding == encoding
    assert _rows(workbook)[:2] == [["nom", "montant"], ["École", "12,5"]]


def test_utf8_is_tried_strictly_on_the_whole_file_before_cp1252(tmp_path: Path) -> None:
    # valid UTF-8 for 2 MB, then one cp1252 byte: the file is cp1252 (UTF-8 would have failed at the end)
    path = tmp_path / "f.csv"
    path.write_bytes(b"a;b\n" + b"x;y\n" * 500_000 + "é;z\n".encode("cp1252"))
    workbook = read_workbook(path)
    assert workbook.encoding == "cp1252" and _rows(workbook)[-1] == ["é", "z"]


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a;b;c\n1,5;2,5;x\n3,5;4;y\n", ";"),  # decimal commas
    ("a,b,c\n1,2,3\n4,5,6\n", ","),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ('nom,objet\n"Dupont; Fils","a;b;c;d"\n"X; Y","e;f"\n', ","),  # delimiters inside quotes do not count
    ('titre\n\na;b\n1;2\n3;4\n5;6\n', ";"),  # a preamble
])
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_csv_quoted_line_breaks_crlf_empty_values_and_trailing_empty_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'nom;"objet\r\nd\xc3\xa9taill\xc3\xa9";montant\r\n"A ""grand"" projet";"ligne 1\r\nligne 2";\r\n'
                     b";;\r\nB;c;3\r\n\r\n;;\r\n\r\n")
    rows = _rows(read_workbook(path))
    assert rows == [["nom", "objet\r\ndétaillé", "montant"], ['A "grand" projet', "ligne 1\r\nligne 2", None],
                    [], ["B", "c", "3"]]


def test_csv_unclosed_quote_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a;b\n"x;' + "y" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ReadError, match="guillemet jamais refermé") as caught:
        read_workbook(path)
    assert_one_clear_line(caught.value, "f.csv")


def test_csv_limits_count_content(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a;b\n" + "1;2\n" * 9 + "\n" * 1000 + "3;" + ";" * 50 + "\n", encoding="utf-8")
    # empty records inside the data keep their place; empty fields at the end of a record do not count
    assert len(_rows(read_workbook(path, limits=Limits(max_rows=1011, max_columns=2)))) == 1011
    with pytest.raises(ReadError, match=r"1\u00a0011 lignes, au-delà de la limite de 1\u00a0010"):
        read_workbook(path, limits=Limits(max_rows=1010))
    path.write_text("a;b\n" + "1;2\n" * 30 + "\n\n3;4\n\n", encoding="utf-8")
    with pytest.raises(ReadError, match="a 34 lignes, au-delà de la limite de 10 :"):  # counted to the end
        read_workbook(path, limits=Limits(max_rows=10))
    with pytest.raises(ReadError, match=re.escape("« f » de « f.csv » a 2 colonnes, au-delà de la limite de 1")):
        read_workbook(path, limits=Limits(max_columns=1))


# ---------------------------------------------------------------------------------------------------------
# Formats told by their bytes


def test_format_comes_from_the_bytes_not_the_extension(tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "vrai.xlsx", {"Feuil1": rows_xml([["a", 1]])})
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(xlsx.read_bytes())
    workbook = read_workbook(renamed)
    assert workbook.kind == "xlsx" and _rows(workbook) == [["a", 1.0]]
    text = tmp_path / "export.xls"
    text.write_text("nom\tmontant\nA\t1\n", encoding="utf-8")
    workbook = read_workbook(text)
    assert (workbook.kind, workbook.delimiter) == ("csv", "\t") and _rows(workbook)[1] == ["A", "1"]


@pytest.mark.parametrize(("content", "fragment"), [
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "page web ou un document XML"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "document XML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ni un classeur ni un fichier texte"),
    (b"", "est vide"),
])
def test_refused_contents(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "tableau.xls"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=re.escape(fragment)) as caught:
        read_workbook(path)
    assert_one_clear_line(caught.value, "tableau.xls")


def test_other_zips_and_missing_files_and_size_limit(tmp_path: Path) -> None:
    docx = tmp_path / "lettre.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="x"><Override PartName="/word/document.xml" ContentType='
                                                '"application/vnd.openxmlformats-officedocument.wordprocessingml.'
                                                'document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ReadError, match="n'est pas un classeur"):
        read_workbook(docx)
    with pytest.raises(ReadError, match="introuvable"):
        read_workbook(tmp_path / "absent.xlsx")
    with pytest.raises(ReadError, match=r"fait 1 Mo, au-delà de la limite de 1 Mo"):
        read_workbook(docx, limits=Limits(max_file_bytes=10))
    broken = tmp_path / "casse.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ReadError, match="endommagé"):
        read_workbook(broken)


# ---------------------------------------------------------------------------------------------------------
# Zip bombs and XML bombs


def test_zip_bomb_member_ratio(tmp_path: Path) -> None:
    # 5 MB of one repeated byte compresses about 1000 times: above the default 200
    path = write_xlsx(tmp_path / "bombe.xlsx", {"Feuil1": rows_xml([["a"]])},
                      extra={"xl/media/padding.xml": b"<a>" + b" " * 5_000_000 + b"</a>"})
    with pytest.raises(ReadError, match=r"« xl/media/padding.xml » : [\d\u00a0]+ fois, limite 200\)") as caught:
        read_untrusted(path)
    assert "bombe zip" in str(caught.value)


def test_total_uncompressed_size_and_member_count(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "gros.xlsx", {"Feuil1": rows_xml([["x" * 50] * 20] * 2000)})
    with pytest.raises(ReadError, match=r"occuperait 4 Mo une fois décompressé, au-delà de la limite de 1 Mo"):
        read_workbook(path, limits=Limits(max_uncompressed_bytes=2**20))
    with pytest.raises(ReadError, match=r"contient 5 éléments compressés, au-delà de la limite de 4"):
        read_workbook(path, limits=Limits(max_zip_members=4))


def test_billion_laughs_in_a_sheet_is_refused_without_expansion(tmp_path: Path) -> None:
    sheet = (b'<?xml version="1.0"?>' + BILLION_LAUGHS + b'<worksheet xmlns="' + MAIN_NS.encode()
             + b'"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
             b"</worksheet>")
    path = write_xlsx(tmp_path / "rires.xlsx", {"Feuil1": sheet})
    started = time.monotonic()
    with pytest.raises(UnsafeXml, match=r"déclarations XML interdites .*xl/worksheets/sheet1\.xml"):
        read_untrusted(path)
    assert time.monotonic() - started < 5
    # the sheet pass on its own (the prologs aside) refuses the entities through defusedxml
    with pytest.raises(UnsafeXml):
        scan_sheet_bytes([sheet], "xl/worksheets/sheet1.xml", "rires.xlsx")


def test_billion_laughs_in_shared_strings_is_refused(tmp_path: Path) -> None:
    strings = (b'<?xml version="1.0"?>' + BILLION_LAUGHS + b'<sst xmlns="' + MAIN_NS.encode()
               + b'"><si><t>&lol9;</t></si></sst>')
    path = write_xlsx(tmp_path / "rires.xlsx", {"Feuil1": b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'},
                      shared_strings=strings)
    with pytest.raises(UnsafeXml, match=re.escape("xl/sharedStrings.xml")):
        read_workbook(path)


def test_check_xml_defences(monkeypatch: pytest.MonkeyPatch) -> None:
    check_xml_defences()
    monkeypatch.setitem(__import__("sys").modules, "defusedxml", None)
    with pytest.raises(PortfolioError, match="defusedxml"):
        check_xml_defences()


# ---------------------------------------------------------------------------------------------------------
# Dimensions that lie, limits on content


def test_dimension_saying_a1_b2_for_ten_thousand_rows_loses_nothing(tmp_path: Path, ten_thousand_rows: Path) -> None:
    path = with_dimension(ten_thousand_rows, tmp_path / "menteur.xlsx", "A1:B2")
    rows = _rows(read_untrusted(path))
    assert len(rows) == 10_000
    assert rows[0] == ["r0", 0] and rows[-1] == ["r9999", 9999]


def test_dimension_saying_the_whole_sheet_for_three_rows_neither_hangs_nor_pads(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for r in range(3):
        book.active.append([f"r{r}", r])
    book.save(tmp_path / "petit.xlsx")
    path = with_dimension(tmp_path / "petit.xlsx", tmp_path / "menteur.xlsx", "A1:XFD1048576")
    started = time.monotonic()
    rows = _rows(read_workbook(path))
    assert time.monotonic() - started < 2
    assert rows == [["r0", 0], ["r1", 1], ["r2", 2]]


def test_rows_and_columns_over_the_limits_count_content_not_the_dimension(tmp_path: Path,
                                                                          ten_thousand_rows: Path) -> None:
    path = with_dimension(ten_thousand_rows, tmp_path / "menteur.xlsx", "A1:B2")
    with pytest.raises(ReadError, match=re.escape("La feuille « Données » de « menteur.xlsx » a 10\u00a0000 lignes, "
                                                  "au-delà de la limite de 9\u00a0999 : découpez-la")):
        read_workbook(path, limits=Limits(max_rows=9_999))
    with pytest.raises(ReadError, match="a 2 colonnes, au-delà de la limite de 1 : supprimez"):
        read_workbook(path, limits=Limits(max_columns=1))
    # the whole-sheet dimension with 3 rows passes tight limits: only content counts
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.save(tmp_path / "petit.xlsx")
    whole = with_dimension(tmp_path / "petit.xlsx", tmp_path / "grand.xlsx", "A1:XFD1048576")
    assert _rows(read_workbook(whole, limits=Limits(max_rows=1, max_columns=2))) == [["a", "b"]]


def test_one_far_away_cell_is_refused_before_calamine_allocates_the_rectangle(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "loin.xlsx", {"Feuil1": b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                                          b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'})
    with pytest.raises(ReadError, match="1\u00a0048\u00a0576 lignes"):
        read_untrusted(path)
    # with limits that let it through, calamine asks for 17 billion cells: the child's memory cap catches it
    with pytest.raises(ReadError, match="trop de mémoire") as caught:
        read_untrusted(path, limits=Limits(max_rows=2_000_000, max_columns=20_000))
    assert_one_clear_line(caught.value, "loin.xlsx")


# ---------------------------------------------------------------------------------------------------------
# Formulas and sheets


def test_formula_cells_are_found_by_streaming_the_sheet_xml(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calcul"
    for r in range(1, 6):
        sheet.append([f"r{r}", r, f"=B{r}*2"])
    sheet["E12"] = "=SUM(B1:B5)"
    book.save(tmp_path / "calcul.xlsx")
    read = read_workbook(tmp_path / "calcul.xlsx").sheets[0]
    assert read.formula_cells == {(r, 2) for r in range(5)} | {(11, 4)}
    assert read.rows[0][:2] == ["r1", 1]
    assert cell_position("C12") == (11, 2) and cell_position("XFD1048576") == (1_048_575, 16_383)
    assert cell_position("12") is None


def test_formulas_of_extension_lists_are_not_taken_for_cells() -> None:
    xml = (b'<worksheet xmlns="' + MAIN_NS.encode() + b'" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           b'<sheetData><row r="3"><c r="B3"><f t="shared" ref="B3:B4" si="0">A3</f><v>1</v></c></row>'
           b'<row r="4"><c r="B4"><f t="shared" si="0"/><v>2</v></c><c><v>5</v></c></row></sheetData>'
           b"<extLst><ext><xm:f>Feuil2!$A$1:$A$5</xm:f></ext></extLst></worksheet>")
    scan = scan_sheet_bytes([xml[:50], xml[50:]], "sheet1.xml", "f.xlsx")
    assert scan.formula_cells == {(2, 1), (3, 1)}
    assert (scan.rows, scan.columns) == (4, 3)  # the cell without a reference follows B4


PLAIN_ROWS = b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1"><v>1</v></c></row>' \
             b'<row r="2"><c r="A2" t="inlineStr"><is><t>b</t></is></c><c r="C2" s="1"/></row>'


def quick(tmp_path: Path, sheet_data: bytes, limits: Limits | None = None, chunk_bytes: int = 1 << 20) -> bool:
    path = write_xlsx(tmp_path / "rapide.xlsx", {"Feuil1": sheet_data})
    with zipfile.ZipFile(path) as archive:
        return quick_check(archive, "xl/worksheets/sheet1.xml", limits or Limits(), chunk_bytes)


@pytest.mark.parametrize("chunk_bytes", [5, 64, 1 << 20])  # tiny chunks: every pattern straddles one somewhere
def test_the_quick_check_lets_a_plain_sheet_through_and_nothing_it_is_not_sure_of(tmp_path: Path,
                                                                                  chunk_bytes: int) -> None:
    assert quick(tmp_path, PLAIN_ROWS, chunk_bytes=chunk_bytes)
    unsure = {
        "a formula": b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>',
        "a shared formula": b'<row r="1"><c r="A1"><f t="shared" si="0"/><v>2</v></c></row>',
        "a prefixed formula": b'<row r="1"><c r="A1"><x:f>1+1</x:f><v>2</v></c></row>',
        "a prefixed cell": b'<row r="1"><x:c r="A1"><v>2</v></x:c></row>',
        "a comment": b"<!-- <c r=\"A1\"> -->" + PLAIN_ROWS,
        "CDATA": b'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<c>]]></t></is></c></row>',
        "a processing instruction": b"<?pi x?>" + PLAIN_ROWS,
        "a cell without its reference": PLAIN_ROWS + b'<row r="3"><c><v>5</v></c></row>',
        "a reference that is not the first attribute": b'<row r="1"><c s="1" r="XFD1"><v>5</v></c></row>',
        "a reference in lower case": b'<row r="1"><c r="xfd1"><v>5</v></c></row>',
        # found by review: a prefix need not be ASCII, and calamine takes the last of two references
        "a formula under a non-ASCII prefix": f'<row r="1"><c r="A1"><é:f xmlns:é="{MAIN_NS}">SUM(B1:B9)</é:f>'
                                              '<v>999</v></c></row>'.encode(),
        "a cell under a non-ASCII prefix": f'<row r="1"><é:c xmlns:é="{MAIN_NS}" r="XFD1048576"><é:v>7</é:v></é:c>'
                                           '</row>'.encode(),
        "a second reference": b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" r="XFD1048576"><v>2</v></c></row>',
        "a second reference after a line break": b'<row r="1"><c r="B1"\nr="XFD1"><v>2</v></c></row>',
    }
    for what, sheet_data in unsure.items():
        assert not quick(tmp_path, sheet_data, chunk_bytes=chunk_bytes), what


def test_the_quick_check_leaves_a_sheet_that_is_not_plain_utf8_xml_to_the_full_pass(tmp_path: Path) -> None:
    document = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN_NS.encode()
                + b'"><sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row></sheetData></worksheet>')
    utf16 = document.decode().replace("UTF-8", "UTF-16").encode("utf-16")  # no byte pattern matches in it
    assert not quick(tmp_path, utf16)
    assert not quick(tmp_path, b" " + document)  # anything but '<' first
    path = write_xlsx(tmp_path / "plein.xlsx", {"Feuil1": PLAIN_ROWS})
    empty = rewrite_member(path, tmp_path / "vide.xlsx", "xl/worksheets/sheet1.xml", lambda _data: b"")
    with zipfile.ZipFile(empty) as archive:
        assert not quick_check(archive, "xl/worksheets/sheet1.xml", Limits())


def test_a_formula_under_a_non_ascii_prefix_is_still_a_formula(tmp_path: Path) -> None:
    sheet = f'<row r="1"><c r="A1"><é:f xmlns:é="{MAIN_NS}">SUM(B1:B9)</é:f><v>999</v></c></row>'
    path = write_xlsx(tmp_path / "prefixe.xlsx", {"Feuil1": sheet.encode()})
    assert read_untrusted(path).sheets[0].formula_cells == {(0, 0)}


def test_the_quick_check_leaves_a_reference_near_the_limits_to_the_full_pass(tmp_path: Path) -> None:
    within = b'<row r="5"><c r="C5"><v>1</v></c></row>'
    assert quick(tmp_path, within, Limits(max_rows=5, max_columns=3))
    assert not quick(tmp_path, within, Limits(max_rows=4, max_columns=3))
    assert not quick(tmp_path, within, Limits(max_rows=5, max_columns=2))
    far = b'<row r="1048576"><c r="XFD1048576"/></row>'  # an empty styled cell far away: only the full pass
    assert not quick(tmp_path, far)                         # knows it holds no value
    path = write_xlsx(tmp_path / "loin.xlsx", {"Feuil1": PLAIN_ROWS + far})
    assert _rows(read_workbook(path)) == [["a", 1.0], ["b", None]]  # read, not refused: the full pass settled it


def test_sheet_choice(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "feuilles.xlsx", {"Vide": b"", "Données": rows_xml([["a"], ["b"]]),
                                                   "Autre": rows_xml([["c"]])})
    workbook = read_workbook(path)
    assert workbook.sheet_names == ["Vide", "Données", "Autre"]
    assert [s.name for s in workbook.sheets] == ["Données"]
    assert _rows(read_workbook(path, "Autre")) == [["c"]]
    assert [(s.name, s.rows) for s in read_untrusted(path, all_sheets=True).sheets] == [
        ("Vide", []), ("Données", [["a"], ["b"]]), ("Autre", [["c"]])]
    with pytest.raises(ReadError, match="La feuille « Absente » n'existe pas dans « feuilles.xlsx » "
                                        r"\(feuilles : Vide, Données, Autre\)"):
        read_untrusted(path, "Absente")


# ---------------------------------------------------------------------------------------------------------
# The child process: progress, cancel, time, memory, crash


def test_progress_from_start_to_end(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", {"Feuil1": rows_xml([["a", 1]])})
    seen: list[tuple[float, str]] = []
    workbook = read_untrusted(path, progress=lambda fraction, message: seen.append((fraction, message)))
    assert _rows(workbook) == [["a", 1.0]]
    assert seen[0] == (0.0, "Ouverture de « p.xlsx »…") and seen[-1] == (1.0, "Lecture de « p.xlsx » terminée.")
    assert ("Lecture de la feuille « Feuil1 »…" in [m for _, m in seen])
    fractions = [f for f, _ in seen]
    assert all(0.0 <= f <= 1.0 for f in fractions)


def test_cancel_kills_the_child_promptly(big_csv: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ReadCancelled, match=re.escape("Lecture de « gros.csv » annulée.")):
        read_untrusted(big_csv, cancelled=lambda: time.monotonic() - started > 0.4)
    assert time.monotonic() - started < 1.5
    assert not [p for p in multiprocessing.active_children() if p.name == "portfolio-lecture"]


def test_wall_time_limit(big_csv: Path) -> None:
    started = time.monotonic()
    expected = re.escape("La lecture de « gros.csv » a dépassé la limite de 0,3 secondes")
    with pytest.raises(ReadError, match=expected) as caught:
        read_untrusted(big_csv, limits=Limits(max_seconds=0.3))
    assert time.monotonic() - started < 3
    assert not isinstance(caught.value, ReadCancelled)
    assert not [p for p in multiprocessing.active_children() if p.name == "portfolio-lecture"]


def test_memory_limit(big_csv: Path) -> None:
    # 400,000 rows of text need about 200 MB in the child: 40 MB of headroom cannot hold them
    # a clean allocation failure, or (seen on a fresh Debian) a native crash under the limit: both name it
    with pytest.raises(ReadError, match=r"mémoire.*\(limite 40 Mo\)") as caught:
        read_untrusted(big_csv, limits=Limits(max_memory_bytes=40 * 2**20))
    assert_one_clear_line(caught.value, "gros.csv")


def test_big_csv_through_the_child_arrives_whole(big_csv: Path) -> None:
    rows = _rows(read_untrusted(big_csv))
    assert len(rows) == 400_001 and rows[0][-1] == "ok"
    assert rows[-1] == ["Organisation n°399999", str(12345678901234 + 399_999),
                        "2021-05-05", "Projet de santé 399999", "399999,50", "oui"]


def _segfault_child(*args: Any) -> None:
    """Replaces the child's entry point: dies the way a native parser crashes."""
    ctypes.string_at(0)


def test_a_crash_in_the_child_is_a_read_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "crash.xlsx", {"Feuil1": rows_xml([["a"]])})
    monkeypatch.setattr(child, "_child_main", _segfault_child)
    with pytest.raises(ReadError, match=r"La lecture de « crash.xlsx » s'est arrêtée brutalement \(code -11\)"):
        read_untrusted(path)
    monkeypatch.undo()
    assert _rows(read_untrusted(path)) == [["a"]]  # and the application reads the next file


def test_read_untrusted_from_a_worker_thread(tmp_path: Path) -> None:
    # the window reads from a worker thread: the child process must not depend on the main thread
    path = write_xlsx(tmp_path / "t.xlsx", {"Feuil1": rows_xml([["a", 2]])})
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(read_untrusted(path)))
    worker.start()
    worker.join(30)
    assert _rows(result[0]) == [["a", 2.0]]


def test_the_parent_unpickles_only_values_from_the_child() -> None:
    # a subverted child could send a pickle that calls anything: only values and dates are accepted
    evil = pickle.dumps(("progress", os.system, "echo"))
    assert child._decode(evil)[0] == "failed"
    assert child._decode(pickle.dumps(("done", Path("x"))))[0] == "failed"
    assert child._decode(b"not a pickle")[0] == "failed"
    rows = [[date(2021, 1, 1), datetime(2021, 1, 1, 8, 30), time_of_day(8, 30), timedelta(days=10), 1.5, None, "é"]]
    assert child._decode(pickle.dumps(("rows", rows))) == ("rows", rows)
