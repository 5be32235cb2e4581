"""Bulk edit: one field set to one value on every selected record, as one undo step, in the background."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import N_, tr, tr_n
from portfolio.services import fields
from portfolio.services.changes import FieldChange
from portfolio.services.display import reference_choices
from portfolio.services.records import field_changes, record_count

from .field_widgets import BoolInput, ChoiceInput, FieldInput, TextInput, fixed_choices
from .workspace import Workspace

LARGE_REFERENCE = 500


class BulkEditDialog(QDialog):
    """Sets one field of the selected records."""

    def __init__(self, workspace: Workspace, entity: str, ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.entity = entity
        self.ids = ids
        self.setWindowTitle(tr_n(len(ids), N_("Modifier {n} fiche"), N_("Modifier {n} fiches")))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.field = QComboBox()
        self.specs = [s for s in fields.editable_fields(entity) if self._offered(s)]
        for spec in self.specs:
            self.field.addItem(spec.label, spec.name)
        self.field.currentIndexChanged.connect(self._field_changed)
        form.addRow(tr("Champ"), self.field)
        self.value_holder = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.value_holder)
        form.addRow(tr("Nouvelle valeur"), holder)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b42318;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Appliquer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.input: FieldInput | None = None
        self._field_changed()

    def _offered(self, spec: fields.FieldSpec) -> bool:
        target = spec.target
        if not target or spec.kind.startswith("status:"):
            return spec.kind not in ("siren", "siret", "rna", "org_id")  # identifiers are never shared by records
        with self.workspace.db.read() as session:
            return record_count(session, target) <= LARGE_REFERENCE

    def _field_changed(self) -> None:
        if self.input is not None:
            self.input.setParent(None)
        spec = self.specs[self.field.currentIndex()] if self.specs else None
        if spec is None:
            return
        with self.workspace.db.read() as session:
            choices = fixed_choices(spec)
            if choices is not None:
                widget: FieldInput = ChoiceInput(spec, choices)
            elif spec.kind == "bool":
                widget = BoolInput(spec)
            elif spec.kind.startswith("status:"):
                widget = ChoiceInput(spec, reference_choices(session, "status", status_of=spec.kind[7:]))
            elif spec.target:
                widget = ChoiceInput(spec, reference_choices(session, spec.target))
            else:
                widget = TextInput(spec)
        self.input = widget
        self.value_holder.addWidget(widget)

    def changes(self) -> tuple[list[FieldChange], int]:
        """The field changes for every selected record whose value differs, and how many records the
        lifecycle does not let take the new status (left unchanged)."""
        assert self.input is not None
        spec = self.specs[self.field.currentIndex()]
        new = fields.normalise(spec, self.input.value())
        with self.workspace.db.read() as session:
            return field_changes(session, self.entity, spec.name, self.ids, new)

    def apply(self) -> None:
        try:
            changes, refused = self.changes()
        except InvalidValue as exc:
            self.error.setText(str(exc))
            return
        if not changes:
            self.error.setText(tr("Aucune fiche à modifier : elles ont déjà cette valeur, ou leur cycle de vie "
                                  "ne permet pas ce statut ({n}).", n=refused))
            return
        spec = self.specs[self.field.currentIndex()]
        label = tr("Modifier « {field} » — {n} fiches", field=spec.label, n=len(changes))

        def done(_result: Any) -> None:
            if refused:
                QMessageBox.information(self.parentWidget(), label, tr(
                    "{n} fiche(s) n'ont pas été modifiées : leur cycle de vie ne permet pas ce statut.", n=refused))
            self.accept()

        def failed(exc: BaseException) -> None:
            self.error.setText(str(exc) if isinstance(exc, PortfolioError) else tr("Erreur : {e}", e=exc))

        self.workspace.apply_in_background(self, changes, label, done, failed)
