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
from portfolio.services.documents import content_of
from portfolio.services.files import write_whole

from .export_scope import Scope

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')  # what a file name may not hold on Windows, macOS or Linux


def documents_folder(workbook: Path) -> Path:
    """Where a workbook's documents go: "agence.xlsx" → "agence — documents" beside it."""
    return workbook.with_name(f"{workbook.stem} — documents")


def write_documents(connection: Any, scope: Scope | None, workbook: Path, personal: bool) -> list[Path]:
    """Writes the package's documents beside ``workbook``; the files written, in order."""
    where, parameters = scope.where(connection, "document") if scope is not None else ("1 = 1", {})
    chosen = connection.execute(
        "SELECT t.uuid, t.name, coalesce((SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END "
        "FROM project p JOIN application a ON a.id = p.application_id WHERE p.id = t.project_id), "
        "(SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END FROM application a "
        "WHERE a.id = t.application_id), (SELECT name FROM organisation WHERE id = t.organisation_id)) "
        f"FROM document t WHERE {where}{'' if personal else ' AND t.contact_id IS NULL'} ORDER BY t.id",
        parameters).fetchall()
    if not chosen:
        return []
    folder = documents_folder(workbook)
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    for uuid, name, owner in chosen:
        base = _UNSAFE.sub("_", f"{owner} — {name}").strip(" .") or uuid
        stem, suffix = Path(base).stem, Path(base).suffix
        unique, number = base, 2
        while unique.lower() in taken:  # two documents of one name: "… (2).pdf"
            unique, number = f"{stem} ({number}){suffix}", number + 1
        taken.add(unique.lower())
        written.append(write_whole(folder / unique, _writer(content_of(connection, uuid)),
                                   tr("Le document « {name} »", name=name)))
    return written


def _writer(content: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(content)
