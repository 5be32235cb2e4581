"""The record editor: every field with validation and French formats, linked records, history.

Saving builds field changes whose ``old`` values are those shown when the form was loaded, and hands them
to the workspace (the one door, one undo step). A change refused as stale reloads the stored values but
keeps what the user typed, and says which fields someone else changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.db.models import new_uuid
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import N_, tr, tr_n
from portfolio.services import fields
from portfolio.services.changes import Create, FieldChange, StaleChangeError, current_values
from portfolio.services.display import (
    department_regions,
    display,
    record_title,
    reference_choices,
    search_titles,
    status_choices,
)
from portfolio.services.history import record_history
from portfolio.services.links import linked_records
from portfolio.services.listing import today
from portfolio.services.records import id_of_uuid, record_count, uuid_of

from . import questions
from .dossier_view import DossierBase, DossierView
from .field_widgets import BoolInput, ChoiceInput, FieldInput, ReferencePicker, TextInput, fixed_choices
from .subject_dossier import ApplicationDossierView, OrganisationDossierView
from .workspace import ReadOnlyError, Workspace

SMALL_REFERENCE = 500  # up to this many records, a reference is a drop-down list
ERROR_STYLE = "color: #b42318;"
REFUSED_STYLE = "border: 1px solid #b42318;"  # the outline of a field whose value is refused


SORT_ROLE = Qt.ItemDataRole.UserRole + 1


# what a dossier shows beyond its record itself: a change to any of them reads the dossier again
DOSSIER_ENTITIES = {"aid", "disbursement", "milestone", "contact", "organisation", "application", "officer", "note",
                    "reminder", "document", "status", "project", "application_partner"}
DOSSIERS: dict[str, type[DossierBase]] = {"project": DossierView, "application": ApplicationDossierView,
                                          "organisation": OrganisationDossierView}


class LinkItem(QTreeWidgetItem):
    """A linked record's row: sorted by its raw value (amounts as numbers, dates as dates), empty values last."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        ascending = tree is None or tree.header().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        if self.parent() is None:  # the groups keep their order, whichever way the rows are sorted
            before = self.data(0, SORT_ROLE) < other.data(0, SORT_ROLE)
            return bool(before if ascending else not before)
        mine, theirs = self.data(column, SORT_ROLE), other.data(column, SORT_ROLE)
        if mine is None or theirs is None:  # empty values last, both ways (Qt compares the other way descending)
            return (theirs is None and mine is not None) if ascending else (mine is None and theirs is not None)
        return bool(mine < theirs)


class RecordEditor(QDialog):
    """Edits one record (``record_id``) or creates one (``record_id`` None) of ``entity``."""

    open_record = Signal(str, int)
    said = Signal(str)  # what the editor did, for the main window's status bar ("Enregistré : …")

    def __init__(self, workspace: Workspace, entity: str, record_id: int | None,
                 parent: QWidget | None = None, initial: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.workspace = workspace
        self.entity = entity
        self.record_id = record_id
        self.uuid: str | None = None
        self.baseline: dict[str, Any] = {}
        self.initial = initial or {}
        self.dirty = False
        self.loaded: dict[str, Any] = {}  # each input's state() when the values were loaded
        self.name = ""  # the record's title, once loaded
        self.leave_decided = False  # the user already chose to drop the changes: close without asking again
        self.specs = fields.editable_fields(entity)
        self.inputs: dict[str, FieldInput] = {}
        self.errors: dict[str, QLabel] = {}
        self.resize(760, 640)

        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.dossier: DossierBase | None = None
        if entity in DOSSIERS and record_id is not None:  # a project, application or organisation has a dossier
            from .desk_actions import DeskActions  # (issue #21)

            self.dossier = DOSSIERS[entity](actions=None if workspace.read_only else DeskActions(workspace, self))
            self.dossier.open_record.connect(self._open_uuid)
            self.resize(1040, 700)
        self.form_tab = self._build_form()
        self.tabs.addTab(self.form_tab, tr("Fiche"))
        if self.dossier is not None:
            # a laureate project opens on its dossier, what its officer follows; an organisation or an application
            # on its form, which is edited far more often, its dossier one tab away
            self.tabs.insertTab(0 if entity == "project" else 1, self.dossier, tr("Dossier"))
            self.tabs.setCurrentIndex(0)
        self.links = QTreeWidget()
        self.links.setObjectName("links")
        self.links.setHeaderLabels([tr("Fiche"), tr("Montant"), tr("Date"), tr("Structure"), tr("Statut")])
        self.links.setSortingEnabled(True)  # within each group: by amount, date… (a click on a header)
        self.links.setAlternatingRowColors(True)
        self.links.setToolTip(tr("Double-cliquez sur une fiche (ou Entrée) pour l'ouvrir"))
        self.links.itemActivated.connect(self._open_link)
        self.tabs.addTab(self.links, tr("Fiches liées"))
        self.history = QTableWidget(0, 6)
        self.history.setHorizontalHeaderLabels([tr("Date"), tr("Auteur"), tr("Source"), tr("Opération"),
                                                tr("Champ"), tr("Ancienne → nouvelle valeur")])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.history, tr("Historique"))

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("Enregistrer"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.delete_button = buttons.addButton(tr("Supprimer…"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.erase_action: QAction | None = None  # the GDPR menu's erasure (a contact's editor only)
        if entity == "contact":  # personal data: the person's export and erasure (GDPR)
            from .gdpr_actions import gdpr_button

            self.gdpr_button = gdpr_button(self)
            buttons.addButton(self.gdpr_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(tr("Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        close.clicked.connect(self.close)
        layout.addWidget(buttons)
        # Ctrl+S saves the editor the user is in (the main window's shortcuts work here too: see MainWindow)
        save_action = QAction(tr("Enregistrer"), self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        save_action.triggered.connect(self.save)
        self.addAction(save_action)
        workspace.changed.connect(self._external_change)
        self.load()
        first = next((w for w in self.inputs.values() if w.focus_target().isEnabled()), None)
        if first is not None:  # typing goes into the first field at once, not into the tab bar
            self.tabs.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            first.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    # --- building ----------------------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        area = QScrollArea()
        area.setWidgetResizable(True)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        with self.workspace.db.read() as session:
            for spec in self.specs:
                widget = self._input_for(session, spec)
                widget.edited.connect(self._mark_dirty)
                widget.open_requested.connect(self.open_record.emit)
                error = QLabel()
                error.setStyleSheet(ERROR_STYLE)
                error.setWordWrap(True)
                error.hide()
                cell = QWidget()
                cell_layout = QVBoxLayout(cell)
                cell_layout.setContentsMargins(0, 0, 0, 0)
                cell_layout.setSpacing(2)
                cell_layout.addWidget(widget)
                cell_layout.addWidget(error)
                label = spec.label + (" *" if spec.required else "")
                form.addRow(label, cell)
                self.inputs[spec.name] = widget
                self.errors[spec.name] = error
            self._link_region_and_department(session)
        area.setWidget(form_widget)
        return area

    def _link_region_and_department(self, session: Any) -> None:
        """Choosing a region narrows the départements offered; choosing a département sets its region."""
        region, department = self.inputs.get("region_id"), self.inputs.get("department_id")
        if not isinstance(region, ChoiceInput) or not isinstance(department, ChoiceInput):
            return
        self.department_region = department_regions(session)
        self.all_departments = [(department.combo.itemData(i), department.combo.itemText(i))
                                for i in range(department.combo.count()) if department.combo.itemData(i) is not None]
        region.combo.activated.connect(lambda _index: self._region_chosen())
        department.combo.activated.connect(lambda _index: self._department_chosen())

    def _narrow_departments(self) -> None:
        """Offers the départements of the region shown (every one when no region is chosen)."""
        region, department = self.inputs["region_id"], self.inputs["department_id"]
        assert isinstance(department, ChoiceInput)
        chosen = region.value()
        department.set_choices([(i, label) for i, label in self.all_departments
                                if chosen is None or self.department_region.get(i) == chosen])

    def _region_chosen(self) -> None:
        region, department = self.inputs["region_id"], self.inputs["department_id"]
        chosen, current = region.value(), department.value()
        if current is not None and chosen is not None and self.department_region.get(current) != chosen:
            department.set_value(None)  # a département of another region: emptied, not kept silently
        self._narrow_departments()
        self._update_dirty()

    def _department_chosen(self) -> None:
        region, department = self.inputs["region_id"], self.inputs["department_id"]
        chosen = department.value()
        if chosen is not None and self.department_region.get(chosen) not in (None, region.value()):
            region.set_value(self.department_region[chosen])
        self._update_dirty()

    def _input_for(self, session: Any, spec: fields.FieldSpec) -> FieldInput:
        choices = fixed_choices(spec)
        if choices is not None:
            return ChoiceInput(spec, choices)
        if spec.kind == "bool":
            return BoolInput(spec)
        if spec.kind.startswith("status:"):
            return ChoiceInput(spec, [])  # filled at load, from the lifecycle
        target = spec.target
        if target:
            if record_count(session, target) <= SMALL_REFERENCE:
                return ChoiceInput(spec, reference_choices(session, target), openable=target)
            return ReferencePicker(spec, self._title_of(target), self._choose)
        return TextInput(spec)

    def _title_of(self, target: str) -> Any:
        def title(record_id: int) -> str:
            with self.workspace.db.read() as session:
                return record_title(session, target, record_id)
        return title

    def _choose(self, spec: fields.FieldSpec) -> tuple[int, str] | None:
        target = spec.target or ""
        words, ok = QInputDialog.getText(self, tr("Choisir : {label}", label=spec.label),
                                         tr("Mots du nom recherché :"))
        if not ok:
            return None
        with self.workspace.db.read() as session:
            hits = search_titles(session, target, words, limit=200)
        if not hits:
            QMessageBox.information(self, spec.label, tr("Aucun enregistrement ne correspond à « {w} ».", w=words))
            return None
        labels = [title for _, title in hits]
        found = tr_n(len(hits), N_("{n} résultat :"), N_("{n} résultats :"))
        chosen, ok = QInputDialog.getItem(self, spec.label, found, labels, 0, False)
        return hits[labels.index(chosen)] if ok else None

    # --- loading -----------------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)reads the record and shows its stored values; clears errors and the dirty mark."""
        with self.workspace.db.read() as session:
            if self.record_id is not None:
                self.uuid = uuid_of(session, self.entity, self.record_id)
                if self.uuid is None:
                    self.title.setText(tr("<b>Cet enregistrement n'existe plus.</b>"))
                    self.save_button.setEnabled(False)
                    self.delete_button.setEnabled(False)
                    return
                self.baseline = current_values(session, self.entity, self.uuid)
                name = record_title(session, self.entity, self.record_id)
            else:
                self.baseline = {s.name: self.initial.get(s.name) for s in self.specs}
                name = tr("Nouvelle fiche")
            for spec in self.specs:
                widget = self.inputs[spec.name]
                if spec.kind.startswith("status:") and isinstance(widget, ChoiceInput):
                    widget.set_choices(status_choices(session, spec.kind[7:], self.baseline.get(spec.name)))
                widget.set_value(self.baseline.get(spec.name))
            self._load_links(session)
            self._load_history(session)
            self._read_dossier(session)
        label = fields.entity_label(self.entity)
        self.name = name
        self.setWindowTitle(f"{label} — {name}[*]")  # [*]: Qt marks the title while there are unsaved changes
        self.title.setText(f"<h3 style='margin:0'>{label} — {name}</h3>")
        for spec in self.specs:
            self._show_refusal(spec.name, "")
        if hasattr(self, "department_region"):
            self._narrow_departments()
        self.loaded = {name: widget.state() for name, widget in self.inputs.items()}
        read_only = self.workspace.read_only
        for widget in self.inputs.values():
            widget.set_read_only(read_only)
        self._update_dirty()
        self.delete_button.setEnabled(not read_only and self.record_id is not None)
        if hasattr(self, "gdpr_button"):
            self.gdpr_button.setEnabled(self.record_id is not None)
            if self.erase_action is not None:
                self.erase_action.setEnabled(not read_only)

    def _load_links(self, session: Any) -> None:
        self.links.setSortingEnabled(False)  # filled in the service's order, then sortable again
        self.links.clear()
        if self.record_id is None:
            return
        groups: dict[str, QTreeWidgetItem] = {}
        for link in linked_records(session, self.entity, self.record_id):
            group = groups.get(link.group)
            if group is None:
                group = groups[link.group] = LinkItem([link.group])
                group.setData(0, SORT_ROLE, len(groups))  # groups keep their order whatever the sort
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: readable, not selectable
                self.links.addTopLevelItem(group)
            item = LinkItem([link.title, display("money", link.amount_cents, cents=True),
                             display("date", link.on), link.party, link.status])
            item.setData(0, Qt.ItemDataRole.UserRole, (link.entity, link.id))
            for column, key in enumerate((link.title.casefold(), link.amount_cents, link.on, link.party.casefold(),
                                          link.status.casefold())):
                item.setData(column, SORT_ROLE, key)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, link.title)
            group.addChild(item)
        for group in groups.values():
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
            group.setFirstColumnSpanned(False)
        self.links.expandAll()
        self.links.setSortingEnabled(True)
        self.links.sortByColumn(self.links.header().sortIndicatorSection(), self.links.header().sortIndicatorOrder())
        for column in range(1, 5):
            self.links.resizeColumnToContents(column)
        self.links.setColumnWidth(0, max(240, min(self.links.columnWidth(0), 340)))

    def _load_history(self, session: Any) -> None:
        entries = record_history(session, self.entity, self.uuid) if self.uuid else []
        self.history.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            local = entry.at_utc.astimezone()
            values = [local.strftime("%d/%m/%Y %H:%M:%S"), entry.actor, entry.source, entry.operation, entry.field,
                      f"{entry.old} → {entry.new}" if entry.field else (entry.new or entry.old)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.history.setItem(row, column, item)
        self.history.resizeColumnsToContents()

    def _open_link(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if data:
            self.open_record.emit(*data)

    def _read_dossier(self, session: Any) -> None:
        """Reads and shows the record's dossier, when it has one."""
        if self.record_id is None or self.dossier is None:
            return
        self.dossier.read(session, self.record_id, today())  # (a project's: what is late counted from today)

    def _open_uuid(self, entity: str, uuid: str) -> None:
        """Opens a record the dossier names by its uuid."""
        with self.workspace.db.read() as session:
            record_id = id_of_uuid(session, entity, uuid)
        if record_id is not None:
            self.open_record.emit(entity, record_id)

    def _mark_dirty(self) -> None:
        self._update_dirty()

    def _update_dirty(self) -> None:
        """Whether what the form shows differs from what was loaded: the title's mark, Enregistrer enabled only
        then (a new record given initial values can be saved as it is)."""
        self.dirty = any(widget.state() != self.loaded.get(name) for name, widget in self.inputs.items())
        self.setWindowModified(self.dirty)
        fresh = self.record_id is None and any(v is not None and v != "" for v in self.initial.values())
        self.save_button.setEnabled(not self.workspace.read_only and (self.dirty or fresh))

    def _show_refusal(self, name: str, message: str) -> None:
        """Shows (or clears, for "") why a field's value is refused, under it, and outlines the field."""
        error = self.errors[name]
        error.setText(message)
        error.setVisible(bool(message))
        self.inputs[name].focus_target().setStyleSheet(REFUSED_STYLE if message else "")

    # --- closing -----------------------------------------------------------------------------------

    def may_leave(self) -> bool:
        """True when the editor may close: nothing unsaved, or the user chose to save (and it was saved) or
        to drop the changes; False when they cancelled, or the save was refused (the editor stays open)."""
        if not self.dirty or self.workspace.read_only or self.leave_decided:
            return True
        self.show()
        self.raise_()
        self.activateWindow()
        choice = questions.ask_unsaved(self, self.name)
        if choice == "save":
            return self.save()
        if choice == "discard":
            self.leave_decided = True
            return True
        return False

    def close_without_asking(self) -> None:
        """Closes after the caller has asked (the main window quitting, another database opening)."""
        self.leave_decided = True
        self.close()

    def reject(self) -> None:
        """Escape: closes like the Fermer button, asking first when there are unsaved changes."""
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        # QDialog's own closeEvent would call reject(): this one asks instead, and only once
        if self.may_leave():
            event.accept()
        else:
            event.ignore()

    def _external_change(self, entities: set[str]) -> None:
        if not self.isVisible():
            return
        if self.entity in entities and not self.dirty:
            self.load()
        elif self.dossier is not None and entities & DOSSIER_ENTITIES:
            with self.workspace.db.read() as session:  # (the form's values are the user's: left as they are)
                self._read_dossier(session)

    # --- saving ------------------------------------------------------------------------------------

    def typed_values(self) -> dict[str, Any] | None:
        """The form's values in stored form, or None after showing each refused value next to its field."""
        values: dict[str, Any] = {}
        failed = False
        for spec in self.specs:
            try:
                values[spec.name] = fields.normalise(spec, self.inputs[spec.name].value())
                self._show_refusal(spec.name, "")
            except InvalidValue as exc:
                self._show_refusal(spec.name, str(exc))
                failed = True
        return None if failed else values

    def save(self) -> bool:
        """Applies the form through the door as one undo step; True when saved."""
        values = self.typed_values()
        if values is None:
            self.tabs.setCurrentWidget(self.form_tab)  # (from the dossier: the refused fields shown where they are)
            self._say(tr("Certaines valeurs sont refusées : corrigez les champs signalés en rouge."))
            return False
        with self.workspace.db.read() as session:
            name = record_title(session, self.entity, self.record_id) if self.record_id else ""
        label = fields.entity_label(self.entity)
        try:
            if self.record_id is None:
                uuid = new_uuid()
                result = self.workspace.apply([Create(self.entity, uuid, values)],
                                              tr("Créer : {label}", label=label.lower()))
                self.record_id = result.created_ids[uuid]
            else:
                changed = [s for s in self.specs if values[s.name] != self.baseline.get(s.name)]
                if not changed:  # typed otherwise, the same values: show them as stored
                    self._say("")
                    self.load()
                    return True
                changes = [FieldChange(self.entity, self.uuid or "", s.name, self.baseline.get(s.name),
                                       values[s.name]) for s in changed]
                step = (tr("Modifier « {field} » — {name}", field=changed[0].label, name=name) if len(changed) == 1
                        else tr("Modifier {n} champs — {name}", n=len(changed), name=name))
                self.workspace.apply(changes, step)
        except StaleChangeError as exc:
            self._stale(exc, values)
            return False
        except (PortfolioError, ReadOnlyError) as exc:
            self._say(str(exc))
            return False
        self._say("")
        self.load()
        self.said.emit(tr("Enregistré : {label} « {name} »", label=label.lower(), name=self.name))
        return True

    def _stale(self, exc: StaleChangeError, typed: dict[str, Any]) -> None:
        """Someone changed the record meanwhile: reload the stored values as the new baseline, keep what the
        user typed in the fields, and say which fields differ."""
        edited = {name for name, value in typed.items() if value != self.baseline.get(name)}  # vs the old baseline
        self.load()
        for name in edited:  # only what the user changed is put back; others' changes to other fields stay
            self.inputs[name].set_value(typed[name])
        self._update_dirty()
        lines = []
        for conflict in exc.conflicts:
            spec = next((s for s in self.specs if s.name == conflict.field), None)
            if spec is not None:
                lines.append(tr("« {field} » : la base contient maintenant « {current} » ; votre saisie est conservée.",
                                field=spec.label, current=display(spec.kind, conflict.current)))
        message = tr("Cette fiche a été modifiée ailleurs pendant que vous la modifiiez. Rien n'a été enregistré. "
                     "Les valeurs enregistrées ont été rechargées ; vérifiez puis enregistrez à nouveau.")
        self._say(message + ("\n" + "\n".join(lines) if lines else ""))
        detail = "\n\n" + "\n".join(lines) if lines else ""
        QMessageBox.warning(self, tr("Modification concurrente"), message + detail)

    def delete(self) -> None:
        """Deletes the record after asking (what refers to it said first); the deletion is one undo step."""
        from .deletion import delete_records

        if self.record_id is None or self.uuid is None:
            return
        try:
            deleted = delete_records(self, self.workspace, self.entity, [self.record_id], self.open_record.emit)
        except (PortfolioError, ReadOnlyError) as exc:
            self._say(str(exc))
            return
        if deleted:
            self.said.emit(tr("Supprimé : {label} « {name} »", label=fields.entity_label(self.entity).lower(),
                              name=self.name))
            self.close_without_asking()

    def _say(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

