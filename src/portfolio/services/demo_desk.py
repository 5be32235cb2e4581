"""The demo's officer's desk (issue #21): a team of officers, each project's officer in charge, follow-up notes,
reminders and a few documents (small PDFs made here), so that "Mon suivi" and the dossiers show something on the
first run.

Drawn from a random generator of their own (seeded from the demo's seed): the rest of the demo draws exactly what
it drew before, so its figures do not move. Dates are around the demo's today (AS_OF).
"""

from __future__ import annotations

import random
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .changes import Change, Create, SideRows
from .documents import CONTENT_TABLE, accept

OFFICERS = ("Claire Martin", "Karim Benali", "Sophie Lefèvre", "Julien Moreau", "Aïcha Diallo", "Thomas Girard")
RUNNING = ("laureat", "conventionne", "en_cours")
NOTES = (
    "Appel du porteur : le recrutement de l'ingénieur clinique a pris deux mois de retard ; le jalon suivant tient.",
    "Comité de pilotage : avancement conforme, premier retour des établissements pilotes positif.",
    "Réunion de suivi avec le consortium : le partenaire hospitalier demande un avenant sur le calendrier.",
    "Rapport intermédiaire reçu, complet. Vérification des justificatifs de dépenses en cours.",
    "Échange avec l'ARS : l'expérimentation s'étend à deux nouveaux sites en 2027.",
    "Le porteur signale un changement de directeur technique ; contact mis à jour.",
    "Point téléphonique : la certification du dispositif médical est attendue au trimestre prochain.",
    "Visite sur site : démonstration de la plateforme aux équipes soignantes, très bon accueil.",
)
REMINDERS = (
    "Relancer le porteur pour le rapport intermédiaire",
    "Demander les justificatifs de dépenses avant le versement du solde",
    "Vérifier la signature de l'avenant",
    "Appeler le partenaire hospitalier sur le calendrier",
    "Préparer le point d'étape pour le comité de pilotage",
)
DOCUMENTS = ("Convention de financement", "Rapport intermédiaire", "Avenant n° 1")
DOCUMENTS_PER_SCALE = 12


@dataclass(frozen=True)
class _Project:
    id: int
    status: str
    agreement: date | None
    acronym: str
    officer: int | None


class DeskDemo:
    """Officers, then for each project its officer in charge (``officer_for``), then notes, reminders and documents
    (``records``)."""

    def __init__(self, seed: int, scale: int, as_of: date, email_word: Callable[[str], str]) -> None:
        self.rng = random.Random(seed * 7 + 21)
        self.email_word = email_word  # (the demo's own: e-mail addresses spelt as the contacts' are)
        self.scale = scale
        self.as_of = as_of
        self.officer_ids: list[int] = []
        self.projects: list[_Project] = []

    def _uuid(self) -> str:
        return drawn_uuid(self.rng)

    def officers(self) -> list[Change]:
        """The team: six officers per scale unit (a second team is numbered: "Claire Martin 2")."""
        changes: list[Change] = []
        for team in range(self.scale):
            for name in OFFICERS:
                first, last = name.split(" ", 1)
                shown = name if team == 0 else f"{name} {team + 1}"
                officer_id = len(self.officer_ids) + 1
                self.officer_ids.append(officer_id)
                email = f"{self.email_word(first)}.{self.email_word(last)}{'' if team == 0 else team + 1}@sante.gouv.fr"
                changes.append(Create("officer", self._uuid(), {"name": shown, "email": email}, officer_id,
                                      synthetic=True))
        return changes

    def officer_for(self, project_id: int, status: str, agreement: date | None, acronym: str) -> int | None:
        """The project's officer in charge (one in twenty has none yet), remembered for its notes."""
        officer = self.rng.choice(self.officer_ids) if self.rng.random() < 0.95 else None
        self.projects.append(_Project(project_id, status, agreement, acronym, officer))
        return officer

    def records(self, names: dict[int, str]) -> list[Change]:
        """Notes on most running projects, reminders on some, and a few documents; ``names``: officer id -> name."""
        rng, changes = self.rng, list[Change]()
        next_id = {"note": 1, "reminder": 1, "document": 1}

        def create(entity: str, values: dict[str, Any]) -> Create:
            record_id = next_id[entity]
            next_id[entity] += 1
            return Create(entity, self._uuid(), values, record_id, synthetic=True)

        running = [p for p in self.projects if p.status in RUNNING]
        for project in running:
            author = names.get(project.officer, OFFICERS[0]) if project.officer else OFFICERS[0]
            since = project.agreement or self.as_of - timedelta(days=400)
            span = max(1, (self.as_of - since).days)
            days = sorted(since + timedelta(days=rng.randint(0, span)) for _ in range(rng.choice((0, 1, 1, 2))))
            if rng.random() < 0.75:  # most projects were followed lately; the others are the quiet ones
                days.append(self.as_of - timedelta(days=rng.randint(0, 60)))
            for day in days:
                changes.append(create("note", {"project_id": project.id, "written_on": day, "author": author,
                                               "body": rng.choice(NOTES)}))
            if rng.random() < 0.2:
                due = self.as_of + timedelta(days=rng.randint(-20, 30))
                done = due if due < self.as_of and rng.random() < 0.3 else None
                changes.append(create("reminder", {"project_id": project.id, "due_on": due,
                                                   "text": rng.choice(REMINDERS), "officer_id": project.officer,
                                                   "done_on": done}))
        signed = [p for p in running if p.agreement is not None]
        for project in rng.sample(signed, min(len(signed), DOCUMENTS_PER_SCALE * self.scale)):
            kind = rng.choice(DOCUMENTS)
            document = accept(f"{kind} — {project.acronym}.pdf",
                              tiny_pdf([kind, f"Projet {project.acronym}", "Document de démonstration (fictif)"]))
            record = create("document", {"project_id": project.id, "name": document.name, "category": kind,
                                         "media_type": document.media_type, "size": len(document.content),
                                         "sha256": document.sha256, "added_on": project.agreement,
                                         "author": names.get(project.officer or 0, "")})
            changes += [record, SideRows(CONTENT_TABLE, (record.uuid,), (), ((document.content,),))]
        return changes


def drawn_uuid(rng: random.Random) -> str:
    """A record identifier drawn from ``rng`` (version 4): the same seed gives the same demo, uuids and all."""
    return str(uuid_module.UUID(int=rng.getrandbits(128), version=4))


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (1.4) with these lines of text in Helvetica: valid, small (about 700 bytes), made without a
    library (Latin-1 text: the demo's words are French)."""
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 14 Tf 72 760 Td " + " ".join(f"({escaped(line)}) Tj 0 -22 Td" for line in lines) + " ET"
    body = stream.encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
