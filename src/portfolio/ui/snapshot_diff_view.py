"""The "Comparer deux instantanés" screen: what changed between two steering committees.

``compare_snapshots`` asks for the two files (the older one first), computes their differences off the UI thread
(``services.snapshot_diff``) and opens ``SnapshotDiffDialog``: both files and their snapshot dates, the key
figures side by side with their difference, and a tree of the records added, changed (field by field) and removed.
Both files are only read (immutable): neither is touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_eur, format_int, format_percent, to_cents
from portfolio.services.display import display
from portfolio.services.snapshot_diff import (
    FIGURES,
    DiffDetails,
    EntityDiff,
    SnapshotDiff,
    SnapshotInfo,
    diff_snapshots,
    fallback_id,
    read_details,
)

from .tasks import run_task

SNAPSHOT_FILTER = N_("Instantanés du portefeuille (*.sqlite)")
SHOWN_PER_GROUP = 500  # records listed per entity and kind of change (the counts are complete)
_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*|\t")
LONG_VALUE = 80  # characters of a field's value shown in the tree (all of it in the tooltip)
ADDED, CHANGED, REMOVED = "#1e6b34", "#8a5300", "#a4262c"  # dark enough to read on white (WCAG AA)


# --- formatting ----------------------------------------------------------------------------------------------


def _figure_value(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return format_eur(to_cents(str(value)))
    if kind == "share":
        return format_percent(float(value))
    if kind == "int" and isinstance(value, int):
        return format_int(value)
    return str(value)


def _signed(text: str, positive: bool) -> str:
    return "+" + text if positive else text


def _figure_gap(kind: str, old: Any, new: Any) -> str:
    """new − old, signed ("+1 234 €", "-3"); "—" when equal or not comparable."""
    try:
        if kind == "money":
            gap_cents = to_cents(str(new)) - to_cents(str(old))
            return _signed(format_eur(gap_cents), gap_cents > 0) if gap_cents else "—"
        if kind == "share":
            gap = round((Decimal(str(new)) - Decimal(str(old))) * 100, 2)  # in percentage points
            if not gap:
                return "—"
            points = format_percent(abs(float(gap)) / 100).rsplit("\u00a0", 1)[0]  # "1,2" of "1,2 %"
            return tr("{sign}{value} pt", sign="+" if gap > 0 else "-", value=points)
        if kind == "int":
            gap_int = int(new) - int(old)
            return _signed(format_int(gap_int), gap_int > 0) if gap_int else "—"
    except (TypeError, ValueError, ArithmeticError, PortfolioError):
        pass
    return "—" if old == new else "≠"


def _short(text: str) -> str:
    line = _BREAKS.sub(" ", text)  # one line; the no-break spaces of French numbers stay
    return line if len(line) <= LONG_VALUE else line[:LONG_VALUE - 1] + "…"


def _describe(entity: str, change: EntityDiff) -> str:
    """"Structure : 1 ajout(s), 2 modification(s)": the kinds of change that happened, in the tree's order."""
    from portfolio.services import fields

    parts = [tr(text, n=format_int(len(records))) for text, records in (
        (N_("{n} ajout(s)"), change.added), (N_("{n} modification(s)"), change.changed),
        (N_("{n} suppression(s)"), change.removed)) if records]
    return tr("{label} : {changes}", label=fields.entity_label(entity), changes=", ".join(parts))


def _elided(name: str, width: int = 28) -> str:
    """A file name short enough for a column header: its middle dropped."""
    if len(name) <= width:
        return name
    keep = (width - 1) // 2
    return name[:keep] + "…" + name[-(width - 1 - keep):]


def _file_names(old: Path, new: Path) -> tuple[str, str]:
    """How the two files are named in the columns: their names, with their folder when both have the same."""
    if old.name != new.name:
        return old.name, new.name
    return f"{old.parent.name}/{old.name}", f"{new.parent.name}/{new.name}"


# --- the dialog ----------------------------------------------------------------------------------------------


class SnapshotDiffDialog(QDialog):
    """The differences between two snapshots: key figures side by side, and the records added, changed and
    removed, by record type."""

    def __init__(self, diff: SnapshotDiff, parent: QWidget | None = None, details: DiffDetails | None = None) -> None:
        super().__init__(parent)
        self.diff = diff
        self.details = details if details is not None else read_details(diff, SHOWN_PER_GROUP)
        self.setWindowTitle(tr("Comparer deux instantanés"))
        self.setObjectName("snapshot_diff")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setSizeGripEnabled(True)
        self.resize(1000, 650)
        old_name, new_name = _file_names(diff.old, diff.new)
        layout = QVBoxLayout(self)
        layout.addLayout(self._header(old_name, new_name))
        self.summary = QLabel(self._summary())
        self.summary.setObjectName("snapshot_diff_summary")
        self.summary.setWordWrap(True)
        bold = self.summary.font()
        bold.setBold(True)
        self.summary.setFont(bold)
        layout.addWidget(self.summary)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.figures = self._figures_table(old_name, new_name)
        self.tree = self._records_tree()
        for title, widget in ((tr("Chiffres clés"), self.figures),
                              (tr("Fiches ajoutées, modifiées et supprimées"), self.tree)):
            pane = QWidget()
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            heading = QLabel(title)
            heading.setFont(bold)
            column.addWidget(heading)
            column.addWidget(widget, 1)
            splitter.addWidget(pane)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([self._figures_width(), 1000])
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        close = QPushButton(tr("Fermer"))
        close.setObjectName("snapshot_diff_close")
        close.setMinimumWidth(140)
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.tree.setFocus()

    # header

    def _header(self, old_name: str, new_name: str) -> QVBoxLayout:
        header = QVBoxLayout()
        header.setSpacing(2)
        self.header_labels: list[QLabel] = []
        for role, info, name in ((tr("Le plus ancien :"), self.details.old, old_name),
                                 (tr("Le plus récent :"), self.details.new, new_name)):
            label = QLabel(f"{role} {self._describe_file(info, name)}")
            label.setWordWrap(True)
            label.setToolTip(str(info.path))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            header.addWidget(label)
            self.header_labels.append(label)
            for problem in info.problems:
                warning = QLabel(tr("« {file} » : {problem}", file=name, problem=problem))
                warning.setWordWrap(True)
                warning.setStyleSheet("color: #5c4400;")
                header.addWidget(warning)
        old_at, new_at = self.details.old.created_utc, self.details.new.created_utc
        if old_at and new_at and old_at > new_at:
            swapped = QLabel(tr("Attention : « {old} » a été écrit après « {new} » ; les ajouts apparaissent en "
                                "suppressions et inversement.", old=old_name, new=new_name))
            swapped.setWordWrap(True)
            swapped.setStyleSheet("color: #5c4400; font-weight: 600;")
            header.addWidget(swapped)
        return header

    @staticmethod
    def _describe_file(info: SnapshotInfo, name: str) -> str:
        if info.created_utc is None:
            return tr("« {file} » (base du portefeuille, sans manifeste d'instantané)", file=name)
        try:
            when = display("datetime", info.created_utc)
        except ValueError:
            when = info.created_utc
        return tr("« {file} », instantané du {when} par {author}", file=name, when=when, author=info.author or "?")

    def _summary(self) -> str:
        changes = [change for change in self.diff.entities.values() if not change.empty]
        if not changes:
            return tr("Aucune fiche ajoutée, modifiée ni supprimée.")
        return tr("{added} fiche(s) ajoutée(s), {changed} modifiée(s), {removed} supprimée(s)",
                  added=format_int(sum(len(c.added) for c in changes)),
                  changed=format_int(sum(len(c.changed) for c in changes)),
                  removed=format_int(sum(len(c.removed) for c in changes)))

    # key figures

    def _figures_table(self, old_name: str, new_name: str) -> QTableWidget:
        names = [name for name in FIGURES if name in self.diff.figures]
        names += [name for name in self.diff.figures if name not in FIGURES]  # a figure added later
        table = QTableWidget(len(names), 4)
        table.setObjectName("snapshot_diff_figures")
        table.setHorizontalHeaderLabels([tr("Indicateur"), _elided(old_name), _elided(new_name), tr("Écart")])
        for column, path in ((1, self.diff.old), (2, self.diff.new)):
            header_item = table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(str(path))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, name in enumerate(names):
            label, kind = FIGURES.get(name, (name, "int"))
            old, new = self.diff.figures[name]
            gap = _figure_gap(kind, old, new)
            cells = [tr(label) if name in FIGURES else label, _figure_value(kind, old), _figure_value(kind, new), gap]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(right)
                if column == 3 and gap != "—":
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        table.resizeColumnsToContents()
        return table

    def _figures_width(self) -> int:
        table = self.figures
        return sum(table.columnWidth(c) for c in range(table.columnCount())) + table.frameWidth() * 2 + 4

    # records

    def _records_tree(self) -> QTreeWidget:
        from portfolio.services import fields

        tree = QTreeWidget()
        tree.setObjectName("snapshot_diff_records")
        tree.setColumnCount(1)
        tree.setHeaderHidden(True)
        tree.setUniformRowHeights(True)
        # long lines scroll sideways rather than being cut (and each has its full text as tooltip)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setStretchLastSection(False)
        changes = [(entity, change) for entity, change in self.diff.entities.items() if not change.empty]
        if not changes:
            QTreeWidgetItem(tree, [tr("Aucune fiche ajoutée, modifiée ni supprimée.")])
        for entity, change in changes:
            item = QTreeWidgetItem(tree, [_describe(entity, change)])
            item.setData(0, Qt.ItemDataRole.UserRole, entity)
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)
            self._group(item, entity, tr("Ajoutés ({n})", n=format_int(len(change.added))), ADDED,
                        change.added, "new")
            self._changed_group(item, entity, change, fields)
            self._group(item, entity, tr("Supprimés ({n})", n=format_int(len(change.removed))), REMOVED,
                        change.removed, "old")
            item.setExpanded(True)
        return tree

    def _record_name(self, entity: str, name: str, side: str) -> str:
        record_id = fallback_id(entity, name)
        title = self.details.titles.get((side, entity, record_id)) if record_id is not None else None
        return f"{name} — {title}" if title else name

    def _group(self, parent: QTreeWidgetItem, entity: str, label: str, colour: str, names: list[str],
               side: str) -> None:
        if not names:
            return
        group = self._group_item(parent, label, colour)
        for name in names[:SHOWN_PER_GROUP]:
            text = self._record_name(entity, name, side)
            child = QTreeWidgetItem(group, [text])
            child.setToolTip(0, text)
        self._more(group, len(names))
        group.setExpanded(True)

    def _changed_group(self, parent: QTreeWidgetItem, entity: str, change: EntityDiff, fields: Any) -> None:
        if not change.changed:
            return
        group = self._group_item(parent, tr("Modifiés ({n})", n=format_int(len(change.changed))), CHANGED)
        expand = len(change.changed) <= 10
        for name, changes in change.changed[:SHOWN_PER_GROUP]:
            text = self._record_name(entity, name, "new")
            record = QTreeWidgetItem(group, [text])
            record.setToolTip(0, text)
            for column, old, new in changes:
                line, full = self._field_line(entity, column, old, new, fields)
                child = QTreeWidgetItem(record, [line])
                child.setToolTip(0, full)
                child.setData(0, Qt.ItemDataRole.UserRole, column)
            record.setExpanded(expand)
        self._more(group, len(change.changed))
        group.setExpanded(True)

    @staticmethod
    def _group_item(parent: QTreeWidgetItem, label: str, colour: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem(parent, [label])
        group.setForeground(0, QColor(colour))
        font = QFont(group.font(0))
        font.setBold(True)
        group.setFont(0, font)
        return group

    @staticmethod
    def _more(group: QTreeWidgetItem, total: int) -> None:
        if total > SHOWN_PER_GROUP:
            more = QTreeWidgetItem(group, [tr("… et {n} autre(s)", n=format_int(total - SHOWN_PER_GROUP))])
            more.setForeground(0, QColor("#4a5568"))

    def _field_line(self, entity: str, column: str, old: Any, new: Any, fields: Any) -> tuple[str, str]:
        """("Champ : ancien → nouveau" with long values shortened, the same in full for the tooltip)."""
        try:
            spec = fields.field_spec(entity, column)
            label, kind = spec.label, spec.kind
        except PortfolioError:
            label, kind = column, "text"
        before, after = self._value(kind, old, "old"), self._value(kind, new, "new")
        return (tr("{field} : {old} → {new}", field=label, old=_short(before), new=_short(after)),
                tr("{field} : {old} → {new}", field=label, old=before, new=after))

    def _value(self, kind: str, value: Any, side: str) -> str:
        if value is None or value == "":
            return tr("(vide)")
        target = kind[4:] if kind.startswith("ref:") else "status" if kind.startswith("status:") else None
        if target is not None:
            title = self.details.titles.get((side, target, value)) if isinstance(value, int) else None
            return title or tr("n° {id}", id=value)
        try:
            return display(kind, bool(value) if kind == "bool" else value)
        except (TypeError, ValueError, ArithmeticError):
            return str(value)


# --- opening it ----------------------------------------------------------------------------------------------


def _ask(parent: QWidget | None, title: str, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, start, tr(SNAPSHOT_FILTER))
    return Path(path) if path else None


def _message(error: BaseException) -> str:
    if isinstance(error, PortfolioError):
        return str(error)
    return tr("Erreur inattendue : {error}", error=error)


def compare_snapshots(parent: QWidget | None, old: Path | None = None,
                      new: Path | None = None) -> SnapshotDiffDialog | None:
    """Asks for the two files when not given, compares them in the background and opens the dialog (not modal);
    None when a file was not chosen, the comparison was cancelled or failed (then a warning says why)."""
    if old is None:
        old = _ask(parent, tr("Instantané le plus ancien"))
        if old is None:
            return None
    if new is None:
        new = _ask(parent, tr("Instantané le plus récent"), str(old.parent))
        if new is None:
            return None
    older, newer = old.expanduser(), new.expanduser()
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def work(_progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> Any:
        diff = diff_snapshots(older, newer)
        if cancelled():
            return None
        return diff, read_details(diff, SHOWN_PER_GROUP)

    def finished(key: str, value: Any) -> None:
        outcome[key] = value
        loop.quit()

    run_task(parent, tr("Comparaison de « {old} » et « {new} »", old=older.name, new=newer.name), work,
             lambda value: finished("done", value), lambda error: finished("failed", error))
    loop.exec()
    if "failed" in outcome:
        QMessageBox.warning(parent, APP_NAME, _message(outcome["failed"]))
        return None
    if not outcome.get("done"):  # cancelled
        return None
    diff, details = outcome["done"]
    dialog = SnapshotDiffDialog(diff, parent, details)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setModal(False)
    dialog.show()
    return dialog
