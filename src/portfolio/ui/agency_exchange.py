"""Regional agencies in the window: Fichier > Exporter pour une agence… (the working workbook) and Fichier >
Reprendre le classeur d'une agence… (the merge reviewed field by field, conflicts settled, applied as one undo
step)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.domain.i18n import N_, tr, tr_n
from portfolio.exchange.merge import KEEP_MINE, LATER, TAKE_THEIRS, TYPED
from portfolio.services import fields
from portfolio.services.display import display

from .file_dialogs import ask_workbook_path
from .tasks import run_task

if TYPE_CHECKING:
    from .main_window import MainWindow

DECISIONS = [(LATER, N_("À régler plus tard")), (KEEP_MINE, N_("Garder la valeur d'ici")),
             (TAKE_THEIRS, N_("Prendre celle de l'agence")), (TYPED, N_("Saisir une autre valeur…"))]


class MergeTable(QTableWidget):
    """Fields on three sides (sent, here, agency) with a decision each: a tick for what the agency changed
    alone, a choice for a conflict (later, keep, take, or a value typed, asked when chosen)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(0, 7, parent)
        self.setHorizontalHeaderLabels([tr("Fiche"), tr("Type"), tr("Champ"), tr("Envoyée"), tr("Ici"), tr("Agence"),
                                        tr("Décision")])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.decisions: list[tuple[Any, QComboBox | QCheckBox]] = []
        self.typed: dict[int, str] = {}  # row -> the value typed for that conflict

    def add_merge(self, merge: Any, name: str, conflict: bool) -> None:
        """One field: a conflict gets the choice of decisions, a change of the agency's alone a tick."""
        spec = fields.field_spec(merge.entity, merge.field)
        row = self.rowCount()
        self.insertRow(row)
        values = [name, tr(fields.model(merge.entity).__label__), spec.label,
                  *[_shown(spec, v) for v in (merge.base, merge.mine, merge.theirs)]]
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            if conflict and column in (4, 5):
                item.setBackground(Qt.GlobalColor.yellow)
            self.setItem(row, column, item)
        decision: QComboBox | QCheckBox
        if conflict:
            decision = QComboBox()
            for key, label in DECISIONS:
                decision.addItem(tr(label), key)
            decision.activated.connect(lambda _index, row=row: self._decided(row))
        else:
            decision = QCheckBox(tr("Prendre"))
            decision.setChecked(True)
        self.setCellWidget(row, 6, decision)
        self.decisions.append((merge, decision))

    def _decided(self, row: int) -> None:
        merge, combo = self.decisions[row]
        if not isinstance(combo, QComboBox):  # (only a conflict's choice is connected here)
            return
        if combo.currentData() != TYPED:
            self.typed.pop(row, None)
            combo.setToolTip("")
            return
        from PySide6.QtWidgets import QInputDialog

        spec = fields.field_spec(merge.entity, merge.field)
        text, ok = QInputDialog.getText(self, tr("Saisir une autre valeur"), tr(
            "{field} — envoyé : {sent} ; ici : {mine} ; agence : {theirs}.\nValeur à enregistrer :", field=spec.label,
            sent=_shown(spec, merge.base) or "—", mine=_shown(spec, merge.mine) or "—",
            theirs=_shown(spec, merge.theirs) or "—"), text=self.typed.get(row, _shown(spec, merge.theirs)))
        if not ok:
            combo.setCurrentIndex(combo.findData(LATER))
            self.typed.pop(row, None)
            return
        self.typed[row] = text
        combo.setToolTip(tr("Valeur saisie : « {value} »", value=text))

    def finish(self) -> None:
        for column, width in ((1, 110), (2, 150), (3, 150), (4, 150), (5, 150), (6, 210)):
            self.setColumnWidth(column, width)

    def decided(self) -> list[tuple[Any, str, str | None]]:
        """(merge, decision, typed value) of every field: a tick is TAKE_THEIRS or LATER."""
        out: list[tuple[Any, str, str | None]] = []
        for row, (merge, decision) in enumerate(self.decisions):
            if isinstance(decision, QCheckBox):
                out.append((merge, TAKE_THEIRS if decision.isChecked() else LATER, None))
            else:
                out.append((merge, str(decision.currentData()), self.typed.get(row)))
        return out


class ExportDialog(QDialog):
    """What goes into the working workbook: record types, region, recipient, personal data."""

    def __init__(self, window: MainWindow) -> None:
        from portfolio.exchange.working_workbook import ASKED_ENTITIES, DEFAULT_ENTITIES

        super().__init__(window)
        self.setWindowTitle(tr("Exporter pour une agence"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText(tr("par exemple : ARS Bretagne"))
        form.addRow(tr("Destinataire"), self.recipient)
        self.region = QComboBox()
        self.region.addItem(tr("Toutes les régions"), None)
        from portfolio.services.display import code_choices

        with window.workspace.db.read() as session:
            for code, name in code_choices(session, "region"):
                self.region.addItem(name, code)
        form.addRow(tr("Région"), self.region)
        self.view = QComboBox()
        self.view.setObjectName("export_view")
        self.view.addItem(tr("Aucune : toutes les fiches (de la région)"), None)
        from portfolio.exchange.export_scope import ANCHORS
        from portfolio.services.views import saved_views

        for entity, views in sorted(saved_views().items()):
            for name in sorted(views) if entity in ANCHORS else ():
                self.view.addItem(f"{tr(fields.model(entity).__label__)} : {name}", f"{entity}:{name}")
        self.view.setToolTip(tr("Une vue enregistrée des structures, des candidatures ou des projets : leurs fiches et "
                                "tout ce qui s'y rattache."))
        form.addRow(tr("Vue"), self.view)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("Fiches à envoyer :")))
        self.entities: dict[str, QCheckBox] = {}
        for entity in (*DEFAULT_ENTITIES, *ASKED_ENTITIES):  # the officer's notes, reminders, officers: when asked
            box = QCheckBox(tr(fields.model(entity).__label__))
            box.setChecked(entity in DEFAULT_ENTITIES and entity != "contact")
            self.entities[entity] = box
            layout.addWidget(box)
        self.documents = QCheckBox(tr("Joindre les documents (dans un dossier à côté du classeur)"))
        self.documents.setObjectName("export_documents")
        layout.addWidget(self.documents)
        self.personal = QCheckBox(tr("Inclure les données personnelles (noms, courriels et téléphones des contacts)"))
        self.personal.toggled.connect(self._personal)
        layout.addWidget(self.personal)
        self._personal(False)
        buttons = QDialogButtonBox()
        buttons.addButton(QPushButton(tr("Exporter…")), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QPushButton(tr("Annuler")), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _personal(self, checked: bool) -> None:
        self.entities["contact"].setEnabled(checked)
        self.entities["contact"].setChecked(checked)

    def selection(self) -> Any:
        from portfolio.exchange.working_workbook import Selection

        chosen = tuple(entity for entity, box in self.entities.items() if box.isChecked())
        return Selection(chosen, self.region.currentData(), self.personal.isChecked(), self.recipient.text().strip(),
                         self.view.currentData(), self.documents.isChecked())


def export_for_agency(window: MainWindow) -> None:
    """Asks what to send and where, then writes the workbook in the background."""
    from portfolio.exchange.working_workbook import export_working_workbook

    dialog = ExportDialog(window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    selection = dialog.selection()
    suggested = f"portefeuille-{(selection.recipient or 'agence').replace(' ', '-')}.xlsx"
    target = ask_workbook_path(window, tr("Exporter pour une agence"), suggested)
    if target is None:
        return

    def done(result: Any) -> None:
        from portfolio.services.display import counted

        counts = ", ".join(counted(entity, n) for entity, n in result.rows.items())
        if hasattr(window, "say"):
            window.say(tr("Classeur pour l'agence écrit : « {file} » ({counts})", file=target.name, counts=counts))
        QMessageBox.information(window, APP_NAME, tr(
            "Classeur écrit dans « {file} » ({counts}). Quand l'agence le renverra, reprenez-le avec Fichier > "
            "Reprendre le classeur d'une agence.", file=str(target), counts=counts))

    def failed(error: BaseException) -> None:
        QMessageBox.warning(window, APP_NAME, str(error))

    run_task(window, tr("Export pour {recipient}", recipient=selection.recipient or tr("une agence")),
             lambda _p, _c: export_working_workbook(window.workspace.db, selection, target), done, failed,
             cancellable=False)


class SyncDialog(QDialog):
    """The merge, field by field: what the agency changed (taken unless unticked) and the conflicts (a decision
    each), the rows missing or new, and what was flagged; "Appliquer" writes it as one undo step."""

    def __init__(self, window: MainWindow, plan: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.plan = plan
        self.applied = 0
        self.setWindowTitle(tr("Reprendre le classeur de {recipient}", recipient=plan.recipient or tr("l'agence")))
        self.resize(1100, 640)
        layout = QVBoxLayout(self)
        summary = QLabel(tr(
            "« {file} », export {id} : {taken} modification(s) de l'agence à prendre, {conflicts} conflit(s), "
            "{kept} modification(s) d'ici gardée(s), {same} identique(s) des deux côtés ; {missing} fiche(s) "
            "absente(s) du classeur (rien n'est supprimé), {new} ligne(s) nouvelle(s), dont {created} à créer.",
            file=plan.file_name, id=plan.export_id[:8] + "…", taken=len(plan.taken), conflicts=len(plan.conflicts),
            kept=plan.kept, same=plan.same, missing=len(plan.missing), new=len(plan.new_rows),
            created=len(plan.created)))
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.table = MergeTable(self)
        names = _names(window, [*plan.conflicts, *plan.taken])
        for merge in plan.conflicts:
            self.table.add_merge(merge, names[(merge.entity, merge.uuid)], conflict=True)
        for merge in plan.taken:
            self.table.add_merge(merge, names[(merge.entity, merge.uuid)], conflict=False)
        self.creations: list[tuple[Any, QCheckBox]] = []
        for record in plan.created:
            tick = QCheckBox(tr("Créer"))
            tick.setChecked(True)
            row = self.table.rowCount()
            self.table.insertRow(row)
            shown = " ; ".join(str(v) for v in record.values.values() if v not in (None, ""))
            for column, value in enumerate([record.title, tr(fields.model(record.entity).__label__),
                                            tr("Nouvelle fiche (ligne {row})", row=record.row), "", "", shown]):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
            self.table.setCellWidget(row, 6, tick)
            self.creations.append((record, tick))
        self.table.finish()
        layout.addWidget(self.table, 1)
        if plan.flags:
            layout.addWidget(QLabel(tr("À vérifier :")))
            flags = QListWidget()
            flags.addItems(plan.flags)
            flags.setMaximumHeight(110)
            layout.addWidget(flags)
        actions = QHBoxLayout()
        actions.addStretch(1)
        self.apply_button = QPushButton(tr("Appliquer"))
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.setEnabled(bool(plan.taken or plan.conflicts or plan.created))
        close = QPushButton(tr("Fermer"))
        close.clicked.connect(self.reject)
        actions.addWidget(self.apply_button)
        actions.addWidget(close)
        layout.addLayout(actions)

    def apply(self) -> None:
        """Takes the workbook back as decided, one operation written in one transaction (exchange.sync.apply_sync)
        and one undo step; the conflicts left for later wait in the queue (Fichier > Conflits d'agences en
        attente…)."""
        from portfolio.exchange.sync import SyncDecisions, apply_sync

        decided = self.table.decided()
        decisions = SyncDecisions(
            taken=[merge for merge, choice, _value in decided if choice == TAKE_THEIRS],
            kept=[merge for merge, choice, _value in decided if choice == KEEP_MINE],
            typed=[(merge, value) for merge, choice, value in decided if choice == TYPED],
            created=[record for record, tick in self.creations if tick.isChecked()],
            later=[merge for merge, choice, _value in decided if choice == LATER and merge in self.plan.conflicts])
        recipient = self.plan.recipient or tr("l'agence")
        try:
            self.window_.workspace.run_operation(lambda db: apply_sync(db, self.plan, decisions),
                                                 tr("Reprendre le classeur de {recipient}", recipient=recipient))
        except Exception as error:  # a value changed here meanwhile, a name no longer found: said, nothing written
            QMessageBox.warning(self, APP_NAME, str(error))
            return
        self.applied = len(decisions.taken) + len(decisions.typed)
        if hasattr(self.window_, "say"):
            self.window_.say(tr("Classeur de {recipient} repris : {taken}, {created}, {later} pour plus tard",
                                recipient=recipient,
                                taken=tr_n(self.applied, N_("{n} valeur prise"), N_("{n} valeurs prises")),
                                created=tr_n(len(decisions.created), N_("{n} fiche créée"), N_("{n} fiches créées")),
                                later=tr_n(len(decisions.later), N_("{n} conflit"), N_("{n} conflits"))))
        self.accept()


class ConflictQueueDialog(QDialog):
    """Fichier > Conflits en attente (agences, répliques)…: the conflicts left for later, the value here as it is now, a
    decision each; "Appliquer" settles those decided as one undo step."""

    def __init__(self, window: MainWindow, conflicts: list[Any]) -> None:
        super().__init__(window)
        self.window_ = window
        self.conflicts = conflicts
        self.setWindowTitle(tr("Conflits en attente (agences, répliques)"))
        self.resize(1100, 520)
        layout = QVBoxLayout(self)
        summary = QLabel(tr("{n} conflit(s) en attente : une agence (ou une réplique) et cette base ont changé le même "
                            "champ différemment. Rien n'a été écrasé ; choisissez pour chacun.", n=len(conflicts))
                         if conflicts else tr("Aucun conflit en attente."))
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.table = MergeTable(self)
        self.table.setHorizontalHeaderItem(5, QTableWidgetItem(tr("Agence ou réplique")))
        names = _names(window, [c.merge for c in conflicts])
        for conflict in conflicts:
            # where it comes from: the agency and its workbook, or the replica, why, and who typed each value
            origin = " — ".join(part for part in (conflict.recipient, conflict.file_name) if part)
            label = f"{names[(conflict.entity, conflict.uuid)]} ({origin})"
            self.table.add_merge(conflict.merge, label, conflict=True)
        self.table.finish()
        for line in range(self.table.rowCount()):  # where it comes from, whole: who typed each value
            item = self.table.item(line, 0)
            if item is not None:
                item.setToolTip(item.text())
        QTimer.singleShot(0, self.table.resizeRowsToContents)  # (once the columns have their widths)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.apply_button = QPushButton(tr("Appliquer"))
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.setEnabled(bool(conflicts))
        close = QPushButton(tr("Fermer"))
        close.clicked.connect(self.reject)
        row.addWidget(self.apply_button)
        row.addWidget(close)
        layout.addLayout(row)
        self.settled = 0

    def apply(self) -> None:
        """Settles the conflicts decided, one operation in one transaction (exchange.conflicts.settle) and one undo
        step: undone, they wait again."""
        from portfolio.exchange.conflicts import Decision, settle

        decisions = [Decision(conflict, choice, value) for conflict, (_merge, choice, value)
                     in zip(self.conflicts, self.table.decided(), strict=True) if choice != LATER]
        if not decisions:
            self.reject()
            return
        try:
            self.window_.workspace.run_operation(lambda db: settle(db, decisions),
                                                 tr("Régler {n} conflit(s) d'agence", n=len(decisions)))
        except Exception as error:  # a value changed here meanwhile, a value the field refuses: said, nothing written
            QMessageBox.warning(self, APP_NAME, str(error))
            return
        self.settled = len(decisions)
        if hasattr(self.window_, "say"):
            self.window_.say(tr_n(self.settled, N_("{n} conflit d'agence réglé"), N_("{n} conflits d'agence réglés")))
        self.accept()


def show_conflict_queue(window: MainWindow) -> ConflictQueueDialog:
    """Opens the queue of conflicts waiting."""
    from portfolio.exchange.conflicts import pending

    dialog = ConflictQueueDialog(window, pending(window.workspace.db))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _names(window: MainWindow, merges: list[Any]) -> dict[tuple[str, str], str]:
    from portfolio.services.journal import record_names

    with window.workspace.db.read() as session:
        return record_names(session, {(merge.entity, merge.uuid) for merge in merges})


def _shown(spec: fields.FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if spec.kind == "bool":
        return tr("Oui") if value else tr("Non")
    return display(spec.kind if spec.target is None else "text", value)


def take_back_from_agency(window: MainWindow, path: Path | None = None) -> SyncDialog | None:
    """Asks for the workbook sent back, merges it in the background, then shows the review."""
    from portfolio.exchange.sync import plan_sync

    if path is None:
        name, _ = QFileDialog.getOpenFileName(window, tr("Reprendre le classeur d'une agence"), str(Path.home()),
                                              tr("Classeurs Excel (*.xlsx)"))
        if not name:
            return None
        path = Path(name)
    outcome: dict[str, Any] = {}
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()

    def finished(key: str, value: Any) -> None:
        outcome[key] = value
        loop.quit()

    run_task(window, tr("Comparaison de « {file} »", file=path.name),
             lambda _p, _c: plan_sync(window.workspace.db, path), lambda plan: finished("plan", plan),
             lambda error: finished("error", error), cancellable=False)
    loop.exec()
    if "error" in outcome:
        QMessageBox.warning(window, APP_NAME, str(outcome["error"]))
        return None
    dialog = SyncDialog(window, outcome["plan"])
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
