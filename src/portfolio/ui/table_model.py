"""A table model over the listing service: ids sorted and filtered in SQL, rows fetched lazily by page.

No proxy model holds every row: sorting or filtering asks SQL for the ordered ids, and ``data`` reads
the rows of the page being shown (PAGE rows at a time, a bounded cache).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from portfolio.domain.money import from_cents
from portfolio.services import listing
from portfolio.services.display import display

from .workspace import Workspace

PAGE = 200
CACHE_ROWS = 20 * PAGE
Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RecordTableModel(QAbstractTableModel):
    """The records of one entity, as the listing service orders and filters them."""

    def __init__(self, workspace: Workspace, entity: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.entity = entity
        self.columns = listing.columns(entity)
        self.query = listing.ListQuery(entity)
        self.ids: list[int] = []
        self.cache: dict[int, tuple] = {}
        self.refresh()

    # --- queries ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-reads the ordered ids (after a change, a new sort or filter)."""
        with self.workspace.db.read() as session:
            ids = listing.query_ids(session, self.query)
        self.beginResetModel()
        self.ids = ids
        self.cache.clear()
        self.endResetModel()

    def set_query(self, **changes: Any) -> None:
        """Changes the search text, filters or sort, and refreshes."""
        self.query = replace(self.query, **changes)
        self.refresh()

    def id_at(self, row: int) -> int:
        return self.ids[row]

    def row_of(self, record_id: int) -> int:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return -1

    def values(self, row: int) -> tuple:
        """The raw values of a row (fetching its page when needed)."""
        record_id = self.ids[row]
        if record_id not in self.cache:
            if len(self.cache) > CACHE_ROWS:
                self.cache.clear()
            start = row - row % PAGE
            with self.workspace.db.read() as session:
                self.cache.update(listing.fetch_rows(session, self.entity, self.ids[start:start + PAGE]))
        return self.cache.get(record_id) or tuple(None for _ in self.columns)

    def display_text(self, row: int, column: int) -> str:
        value = self.values(row)[column]
        return display(self.columns[column].kind, value, cents=True)

    # --- Qt model -------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.ids)):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "record" and self.entity == "audit":
            uuid = next(i for i, c in enumerate(self.columns) if c.key == "uuid")
            return self.values(index.row())[uuid]  # the journal: the record's UUID behind its name
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.display_text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and column.kind in ("money", "int", "percent", "date"):
            return RIGHT
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if role == Qt.ItemDataRole.EditRole:
            value = self.values(index.row())[index.column()]
            return value.isoformat() if isinstance(value, date) else value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].label
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].label
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns) and self.columns[column].sortable:
            self.set_query(sort=self.columns[column].key, descending=order == Qt.SortOrder.DescendingOrder)

    def _tsv_cell(self, row: int, column: int) -> str:
        """Numbers without thousands separators or symbol, so a French spreadsheet reads them as numbers."""
        value = self.values(row)[column]
        kind = self.columns[column].kind
        if value is not None and kind == "money":
            return str(from_cents(int(value))).replace(".", ",")
        if value is not None and kind == "int":
            return str(value)
        return self.display_text(row, column)

    def tsv(self, rows: list[int], columns: list[int]) -> str:
        """Cells as tab-separated text with a header line, for pasting into a spreadsheet."""
        header = "\t".join(self.columns[c].label for c in columns)
        lines = [header]
        for row in rows:
            cells = (self._tsv_cell(row, c).replace("\t", " ").replace("\n", " ") for c in columns)
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"
