"""The documents of an agency's package, when the officer asks for them (issue #21): the files attached to the
package's projects, applications and organisations, written in a folder beside the workbook (a workbook's cell holds
no file), each whole or not at all, under a name that says what it belongs to. Those attached as concerning a person
go only with personal data. They go one way: nothing in the folder is read back by the sync."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import tr
from portfolio.services.documents import CONTENT_TABLE
from portfolio.services.files import write_whole

from .export_scope import Scope

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')  # what a file name may not hold on Windows, macOS or Linux


def documents_folder(workbook: Path) -> Path:
    """Where a workbook's documents go: "agence.xlsx" → "agence — documents" beside it."""
    return workbook.with_name(f"{workbook.stem} — documents")


def write_documents(connection: Any, scope: Scope | None, workbook: Path, personal: bool) -> list[Path]:
    """Writes the package's documents beside ``workbook``; the files written, in order."""
    rows = connection.execute(
        "SELECT d.uuid, d.name, d.project_id, d.application_id, d.organisation_id, d.contact_id, "
        "coalesce((SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END FROM project p "
        "JOIN application a ON a.id = p.application_id WHERE p.id = d.project_id), "
        "(SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END FROM application a "
        "WHERE a.id = d.application_id), (SELECT name FROM organisation WHERE id = d.organisation_id)) "
        "FROM document d ORDER BY d.id").fetchall()
    chosen = [row for row in rows if (personal or row[5] is None) and _in_scope(scope, row[2], row[3], row[4])]
    if not chosen:
        return []
    folder = documents_folder(workbook)
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    for uuid, name, *_subjects, owner in chosen:
        base = _UNSAFE.sub("_", f"{owner} — {name}").strip(" .") or uuid
        stem, suffix = Path(base).stem, Path(base).suffix
        unique, number = base, 2
        while unique.lower() in taken:  # two documents of one name: "… (2).pdf"
            unique, number = f"{stem} ({number}){suffix}", number + 1
        taken.add(unique.lower())
        content = bytes(connection.execute(f"SELECT content FROM {CONTENT_TABLE} WHERE document_uuid = ?",
                                           (uuid,)).fetchone()[0])
        written.append(write_whole(folder / unique, _writer(content), tr("Le document « {name} »", name=name)))
    return written


def _writer(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)


def _in_scope(scope: Scope | None, project: Any, application: Any, organisation: Any) -> bool:
    if scope is None:  # the whole portfolio
        return True
    return (project in scope.projects or application in scope.applications
            or organisation in scope.organisations)
