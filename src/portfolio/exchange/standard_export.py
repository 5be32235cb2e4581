"""What the exports to open-data standards have in common (SCDL, 360Giving, France 2030): each returns how many
rows it wrote and the records it did not publish, each with its reason, so that the command line and the window
can say so. A standard's required value that the portfolio does not hold is never made up: the row waits until
an officer enters it (``incomplete=True`` publishes it anyway with the cell empty, and the standard's validator
then says what is missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portfolio.domain.i18n import tr

# each aid with its project, application, call, the call's operator and action, and the beneficiary
AIDS = """
FROM aid
JOIN project p ON p.id = aid.project_id
JOIN application a ON a.id = p.application_id
JOIN call c ON c.id = a.call_id
JOIN operator op ON op.id = c.operator_id
JOIN action ac ON ac.id = c.action_id
JOIN organisation o ON o.id = aid.organisation_id
"""


@dataclass(frozen=True)
class Withheld:
    """A record an export left out (or wrote incomplete), and why: what an officer must enter for it."""

    record: str  # how people name it: "ACRONYME — Bénéficiaire"
    uuid: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record, "uuid": self.uuid, "reason": self.reason}


@dataclass
class StandardExport:
    """An export's result."""

    rows: int = 0
    withheld: list[Withheld] = field(default_factory=list)
    incomplete: bool = False  # the withheld rows were written anyway, with their missing cells empty
    notes: list[str] = field(default_factory=list)  # what the file does not carry, said once

    def as_json(self, path: str) -> dict[str, Any]:
        return {"file": path, "rows": self.rows, "withheld": [w.as_json() for w in self.withheld],
                "incomplete": self.incomplete, "notes": self.notes}

    def summary(self) -> list[str]:
        """The lines telling what was not published and why (the reasons grouped, the first records named)."""
        by_reason: dict[str, list[Withheld]] = {}
        for item in self.withheld:
            by_reason.setdefault(item.reason, []).append(item)
        lines = []
        verb = tr("écrites sans cette valeur") if self.incomplete else tr("non publiées")
        for reason, items in by_reason.items():
            named = ", ".join(item.record for item in items[:3]) + (tr(" …") if len(items) > 3 else "")
            lines.append(tr("{n} ligne(s) {verb} : {reason} ({named})", n=len(items), verb=verb, reason=reason,
                            named=named))
        return lines + self.notes


def record_name(acronym: str | None, title: str | None, beneficiary: str | None) -> str:
    """How an export names an aid in what it says: the project's acronym (or title), then the beneficiary."""
    return f"{acronym or title or '?'} — {beneficiary or '?'}"
