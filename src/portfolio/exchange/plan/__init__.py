"""An import's plan: what a table's rows would create, update, leave unchanged or reject, computed before
anything is written; then applied in one transaction through the one door, and undone from the trail.

- Rows of the same project (same reference, or same acronym or title within the same call) become one
  application and one laureate project with its consortium: each row's beneficiary is a partner, the
  first funded one the lead, partners without amounts unfunded partners.
- Organisations are matched by SIRET, then SIREN, then folded name and department. A key that matches
  several records is never guessed: the row is rejected with the candidates, for the user to settle.
  Records created by earlier rows of the same file are matched the same way, so nothing is duplicated.
- A value that cannot be read exactly (an amount, a date, a SIRET destroyed by Excel's scientific
  notation, a region nobody knows), or a cell whose value was computed by a formula in an untrusted file,
  rejects its row with the reason, the sheet, the row and the column: nothing of that row is written.
- Applying writes every change in one transaction with one batch id, each record's audit source naming
  the file, its SHA-256, the sheet and the row. Importing the same file again changes nothing.

The package: ``model`` (the plan and its records), ``known`` (what is already there), ``rows`` (one row's values
read), ``matching`` (the planner and ``make_plan``), ``apply`` (the changes, applying, the rejected rows). Import
from here.
"""

from __future__ import annotations

from .apply import RowSources, apply_plan, next_ids, plan_changes, rejected_rows, summary
from .known import Append, Put
from .matching import make_plan
from .model import (
    MAX_CENTS,
    MONEY_FIELDS,
    ORDER,
    Cancelled,
    ImportCancelled,
    ImportPlan,
    ImportRefused,
    NewRecord,
    Progress,
    Ref,
    Rejection,
    Update,
    few_collections,
)

__all__ = [
    "MAX_CENTS",
    "MONEY_FIELDS",
    "ORDER",
    "Append",
    "Cancelled",
    "ImportCancelled",
    "ImportPlan",
    "ImportRefused",
    "NewRecord",
    "Progress",
    "Put",
    "Ref",
    "Rejection",
    "RowSources",
    "Update",
    "apply_plan",
    "few_collections",
    "make_plan",
    "next_ids",
    "plan_changes",
    "rejected_rows",
    "summary",
]
