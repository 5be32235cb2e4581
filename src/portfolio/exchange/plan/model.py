"""The plan's model: what an import would create, update, leave unchanged or reject (``ImportPlan`` and its
records), the import's errors, and what planning and applying share."""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from portfolio.domain.errors import PortfolioError
from portfolio.services.import_batches import ImportRecord

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]

ORDER = ("organisation", "contact", "application", "application_partner", "project", "aid", "disbursement",
         "milestone")  # the order records refer to each other (a working workbook has every type)
MONEY_FIELDS = ("aid.grant", "aid.advance", "aid.total", "aid.grant_total", "aid.disbursed", "payment.amount")
MAX_CENTS = 10**15  # ten thousand billion euros: beyond any aid, and well within SQLite's 64-bit integers


class ImportCancelled(PortfolioError):
    """The user cancelled the import; nothing was written."""


class ImportRefused(PortfolioError):
    """The plan can no longer be applied (the data changed meanwhile); nothing was written."""


@dataclass(frozen=True)
class Rejection:
    """A row that will not be imported, and why."""

    sheet: str
    row: int  # 1-based, as the spreadsheet shows it
    column: str | None  # the header of the column at fault, when one is
    reason: str
    values: list[Any] = field(default_factory=list)  # the row as read, for the file of rejected rows

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Update:
    """One field of an existing record the import changes: old -> new."""

    entity: str
    uuid: str
    record: str  # how the record is named to people
    field: str
    old: Any
    new: Any


class Ref(NamedTuple):
    """A reference to a record the plan creates (its id is given when the plan is applied). A named tuple:
    hashed and compared in C, for the plan's indexes look these up millions of times."""

    entity: str
    uuid: str


# one tuple per set of field names, shared by the records (a few per kind of file: the fields a file maps)
_SHARED: dict[tuple[str, ...], tuple[str, ...]] = {}
_ABSENT = object()


class NewRecord:
    """A record the plan creates: its type, its uuid, its values (as the door stores them), the row it comes from
    and the fields holding a ``Ref`` (resolved to ids when the plan is applied).

    The values are kept as a tuple beside their field names, the names' tuple shared by every record of the same
    fields: a dict per record was a third of a 100,000-row plan's memory (300,000 records). ``values`` gives them
    as a new dict; ``put`` changes one (the planner completes a record from a later row)."""

    __slots__ = ("_data", "_names", "entity", "refs", "source_row", "uuid")

    def __init__(self, entity: str, uuid: str, values: dict[str, Any], source_row: int,
                 refs: tuple[str, ...] = ()) -> None:
        self.entity = entity
        self.uuid = uuid
        names = tuple(values)
        self._names = _SHARED.setdefault(names, names)
        self._data = tuple(values.values())
        self.source_row = source_row
        self.refs = _SHARED.setdefault(refs, refs)

    @property
    def values(self) -> dict[str, Any]:
        return dict(zip(self._names, self._data, strict=True))

    def get(self, name: str, default: Any = None) -> Any:
        """One value (``default`` when the record has no such field)."""
        try:
            return self._data[self._names.index(name)]
        except ValueError:
            return default

    def put(self, name: str, value: Any = _ABSENT) -> Any:
        """Sets one value (removes the field when ``value`` is left out); returns the value it had (or what
        removes it again, for the planner's journal)."""
        values = self.values
        old = values.get(name, _ABSENT)
        if value is _ABSENT:
            values.pop(name, None)
        else:
            values[name] = value
        names = tuple(values)
        self._names = _SHARED.setdefault(names, names)
        self._data = tuple(values.values())
        return old

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewRecord) and (self.entity, self.uuid, self.values, self.source_row, self.refs) == (
            other.entity, other.uuid, other.values, other.source_row, other.refs)

    __hash__ = None  # type: ignore[assignment]  # (mutable, as the dataclass it replaces)

    def __repr__(self) -> str:
        return (f"NewRecord({self.entity!r}, {self.uuid!r}, {self.values!r}, {self.source_row!r}"
                f"{f', {self.refs!r}' if self.refs else ''})")


@dataclass
class ImportPlan:
    """What applying the import would do."""

    file_name: str
    sha256: str
    sheet: str
    profile: str | None
    rows_read: int
    headers: list[str]
    creates: list[NewRecord] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    flagged: list[Rejection] = field(default_factory=list)  # rows imported with a remark (a recomputed total)
    update_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (entity, uuid) -> first source row
    base_seq: int = 0  # the audit trail's last entry when the plan was made: applying needs the data unchanged
    entity_sheets: dict[str, str] = field(default_factory=dict)  # a working workbook's: record type -> its sheet
    row_notes: dict[tuple[str, int], str] = field(default_factory=dict)  # (sheet, row): what the trail says of it
    mapping: dict[str, Any] | None = None  # each column's field by header, and the defaults (ColumnMapping.as_json)

    def created_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for record in self.creates:
            counts[record.entity] += 1
        return dict(counts)

    def updated_counts(self) -> dict[str, int]:
        records: dict[str, set[str]] = defaultdict(set)
        for update in self.updates:
            records[update.entity].add(update.uuid)
        return {entity: len(uuids) for entity, uuids in records.items()}

    @property
    def is_empty(self) -> bool:
        return not self.creates and not self.updates

    def record(self, batch: str, at_utc: str, actor: str) -> ImportRecord:
        """What ``import_batch`` keeps of the import, once written as the door's ``batch``."""
        sheets = list(self.entity_sheets.values())
        # the sheet read; a working workbook's plan names all its sheets as one: its first, then (a 360Giving file
        # names only its transactions' sheet apart: its grants are the sheet read)
        sheet = sheets[0] if sheets and self.sheet == ", ".join(sheets) else self.sheet
        return ImportRecord(batch, at_utc, actor, self.file_name, self.sha256, sheet, dict(self.entity_sheets) or None,
                            self.profile, self.mapping, self.rows_read, len(self.creates),
                            sum(self.updated_counts().values()), len(self.rejected))


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """No cyclic garbage collection while a plan is built or written: those millions of new, acyclic objects
    made Python's collector scan everything again and again (a third of a 100,000-row import's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
