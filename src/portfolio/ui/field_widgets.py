"""One input widget per kind of field, reading and showing values the French way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from portfolio.domain.dates import format_date, parse_date
from portfolio.domain.errors import InvalidValue
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, parse_amount
from portfolio.services.display import CHOICES
from portfolio.services.fields import FieldSpec

Choices = list[tuple[Any, str]]


class FieldInput(QWidget):
    """Base: ``value()`` returns the typed value in stored form (or raises InvalidValue), ``set_value``
    shows a stored value; ``edited`` is emitted on every user change."""

    edited = Signal()
    open_requested = Signal(str, int)  # entity, id: a reference's "open" button

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def state(self) -> Any:
        """What the widget shows, as typed (not parsed): the editor compares it with the state at loading to
        know whether anything was changed, even a text not yet valid."""
        raise NotImplementedError  # pragma: no cover - overridden

    def focus_target(self) -> QWidget:
        """The widget that takes the keyboard when the editor opens on this field."""
        return self

    def set_read_only(self, read_only: bool) -> None:
        for child in self.findChildren(QWidget):
            if isinstance(child, QLineEdit):
                child.setReadOnly(read_only)
            elif isinstance(child, QComboBox | QCheckBox):
                child.setEnabled(not read_only)


def typed_value(kind: str, typed: str) -> Any:
    """What a user typed for a field of this kind (text, money, date, int…), in the form the door takes, or
    InvalidValue: "1 234,50 €" is 123450 cents, "28/11/2026" a date, empty nothing."""
    text = typed.strip()
    if not text:
        return None if kind not in ("text", "code", "email", "phone") else ""
    if kind == "money":
        return parse_amount(text)
    if kind == "date":
        return parse_date(text)
    if kind == "int":
        try:
            return int(text.replace("\u00a0", "").replace(" ", ""))
        except ValueError:
            raise InvalidValue(tr("« {value} » n'est pas un nombre entier.", value=text)) from None
    return text


class TextInput(FieldInput):
    """Text, codes, e-mail, telephone, whole numbers, money and dates: a line edit with a parser."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"field_{spec.name}")
        if spec.kind == "date":
            self.edit.setPlaceholderText(tr("JJ/MM/AAAA"))
            self.edit.setMaximumWidth(140)
        elif spec.kind == "money":
            self.edit.setPlaceholderText(tr("0,00 €"))
            self.edit.setMaximumWidth(200)
        elif spec.kind in ("siren", "siret", "rna", "int"):
            self.edit.setMaximumWidth(200)
        self.edit.textEdited.connect(lambda _text: self.edited.emit())
        self.layout_.addWidget(self.edit)
        if spec.kind == "date":
            self.calendar_button = self._calendar_button()
            self.layout_.addWidget(self.calendar_button)
        if self.edit.maximumWidth() < 1000:
            self.layout_.addStretch(1)  # short values stay left-aligned under their label

    def _calendar_button(self) -> QToolButton:
        """A button that opens a calendar (in the language shown) on the date typed, or today."""
        button = QToolButton()
        button.setText("▾")
        button.setToolTip(tr("Choisir dans le calendrier"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._calendar_shown)
        self.calendar.clicked.connect(self._date_chosen)
        self.calendar.clicked.connect(menu.close)
        button.setMenu(menu)
        return button

    def _calendar_shown(self) -> None:
        try:
            shown = parse_date(self.edit.text().strip()) if self.edit.text().strip() else date.today()
        except InvalidValue:
            shown = date.today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))

    def _date_chosen(self, day: QDate) -> None:
        self.edit.setText(format_date(date(day.year(), day.month(), day.day())))
        self.edited.emit()

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        if hasattr(self, "calendar_button"):
            self.calendar_button.setEnabled(not read_only)

    def value(self) -> Any:
        return typed_value(self.spec.kind, self.edit.text())

    def set_value(self, value: Any) -> None:
        kind = self.spec.kind
        if value is None:
            text = ""
        elif kind == "money":
            text = format_eur(int(value), decimals=True, symbol=True)  # to the cent, as in the lists
        elif kind == "date":
            text = format_date(value if isinstance(value, date) else date.fromisoformat(str(value)))
        elif kind == "int":
            text = format_int(int(value))
        else:
            text = str(value)
        self.edit.setText(text)
        self.edit.setCursorPosition(0)  # a value longer than the field shows its beginning, not its end
        self.edit.setToolTip(text if len(text) > 40 else "")  # and the whole of it on hover

    def state(self) -> Any:
        return self.edit.text().strip()

    def focus_target(self) -> QWidget:
        return self.edit


class BoolInput(FieldInput):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox()
        self.box.toggled.connect(lambda _checked: self.edited.emit())
        self.layout_.addWidget(self.box)
        self.layout_.addStretch(1)

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def state(self) -> Any:
        return self.box.isChecked()

    def focus_target(self) -> QWidget:
        return self.box


class ChoiceInput(FieldInput):
    """A drop-down list: roles, statuses (the lifecycle's allowed ones), small reference tables."""

    def __init__(self, spec: FieldSpec, choices: Choices, parent: QWidget | None = None,
                 openable: str | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.setObjectName(f"field_{spec.name}")
        self.combo.setMinimumContentsLength(24)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.set_choices(choices)
        self.combo.activated.connect(lambda _index: self.edited.emit())
        self.layout_.addWidget(self.combo, 1)
        if openable:
            button = QPushButton(tr("Ouvrir"))
            button.setToolTip(tr("Ouvrir la fiche liée"))
            button.clicked.connect(lambda: self._open(openable))
            self.layout_.addWidget(button)

    def _open(self, entity: str) -> None:
        if self.value() is not None:
            self.open_requested.emit(entity, self.value())

    def set_choices(self, choices: Choices) -> None:
        current = self.combo.currentData() if self.combo.count() else None
        self.combo.clear()
        if self.spec.nullable and not self.spec.required:
            self.combo.addItem("", None)
        for value, label in choices:
            self.combo.addItem(label, value)
        if current is not None:
            self.set_value(current)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0 and value is not None:  # a value outside the offered choices stays visible
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(index, 0))

    def state(self) -> Any:
        return self.combo.currentIndex(), self.combo.currentData()

    def focus_target(self) -> QWidget:
        return self.combo


class ReferencePicker(FieldInput):
    """A reference to a large table (organisations, applications, projects): its name, a "Choisir…" button
    that searches, and an "Ouvrir" button."""

    def __init__(self, spec: FieldSpec, title_of: Callable[[int], str],
                 choose: Callable[[FieldSpec], tuple[int, str] | None], parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.title_of = title_of
        self.choose = choose
        self.current: int | None = None
        self.edit = QLineEdit()
        self.edit.setObjectName(f"field_{spec.name}")
        self.edit.setReadOnly(True)
        self.pick = QPushButton(tr("Choisir…"))
        self.pick.clicked.connect(self._choose)
        self.open = QPushButton(tr("Ouvrir"))
        self.open.clicked.connect(
            lambda: self.current is not None and self.open_requested.emit(spec.target or "", self.current))
        self.layout_.addWidget(self.edit, 1)
        self.layout_.addWidget(self.pick)
        self.layout_.addWidget(self.open)

    def _choose(self) -> None:
        chosen = self.choose(self.spec)
        if chosen is not None:
            self.current = chosen[0]
            self.edit.setText(chosen[1])
            self.edited.emit()

    def value(self) -> Any:
        return self.current

    def set_value(self, value: Any) -> None:
        self.current = None if value is None else int(value)
        self.edit.setText(self.title_of(self.current) if self.current is not None else "")

    def set_read_only(self, read_only: bool) -> None:
        self.pick.setEnabled(not read_only)

    def state(self) -> Any:
        return self.current

    def focus_target(self) -> QWidget:
        return self.pick


def fixed_choices(spec: FieldSpec) -> Choices | None:
    """The choices of a field whose values are a few fixed ones (a partner's role, the part of an aid a tranche
    pays, a yes/no that may be unknown), or None for a field of another kind."""
    if spec.kind in CHOICES:
        return [(code, tr(label)) for code, label in CHOICES[spec.kind].items()]
    if spec.kind == "bool" and spec.nullable:  # yes, no, or not known (the list's first, empty line)
        return [(True, tr("Oui")), (False, tr("Non"))]
    return None
