"""Working offline in the window (issue #22): Fichier > Travailler hors ligne… makes a replica of the open portfolio
(the whole of it, or an officer's or a region's part); on a replica, the status bar says when it was last synced and
how many changes wait, with a button that syncs it; Fichier > Échanger des modifications par fichier… writes or takes
a signed change file. The work runs off the UI thread (services.replicas)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int

from .file_dialogs import ask_save_path
from .messages import report
from .tasks import run_task

CHANGE_FILES = "Fichiers de modifications (*.sasn)"


def shown_time(utc: str | None) -> str:
    """An ISO UTC time as the officer reads it: 06/12/2026 à 17:05 (their local time)."""
    if not utc:
        return tr("jamais")
    moment = datetime.fromisoformat(utc).astimezone()
    return tr("{day} à {time}", day=moment.strftime("%d/%m/%Y"), time=moment.strftime("%H:%M"))


class WorkOfflineDialog(QDialog):
    """Where the replica goes, and what it holds."""

    def __init__(self, parent: QWidget, officers: list[str], regions: list[tuple[str, str]], suggested: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Travailler hors ligne"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("Une réplique est une copie de ce portefeuille sur cet ordinateur : vous y travaillez "
                          "sans réseau, puis «\u00a0Synchroniser\u00a0» envoie vos modifications à la base "
                          "d'origine et reçoit celles faites ailleurs. Les conflits attendent dans la base d'origine ; "
                          "rien n'est perdu."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        place = QHBoxLayout()
        self.path = QLineEdit(str(suggested))
        choose = QPushButton(tr("Choisir…"))
        choose.clicked.connect(self._choose)
        place.addWidget(self.path, 1)
        place.addWidget(choose)
        form.addRow(tr("Fichier de la réplique :"), place)
        self.whole = QRadioButton(tr("Tout le portefeuille"))
        self.by_officer = QRadioButton(tr("Les projets suivis par :"))
        self.by_region = QRadioButton(tr("Les projets dont le porteur est dans la région :"))
        self.whole.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.whole, self.by_officer, self.by_region):
            group.addButton(button)
        self.officer = QComboBox()
        self.officer.addItems(officers)
        self.region = QComboBox()
        for code, name in regions:
            self.region.addItem(name, code)
        form.addRow(tr("Contenu :"), self.whole)
        officer_row = QHBoxLayout()
        officer_row.addWidget(self.by_officer)
        officer_row.addWidget(self.officer, 1)
        form.addRow("", officer_row)
        region_row = QHBoxLayout()
        region_row.addWidget(self.by_region)
        region_row.addWidget(self.region, 1)
        form.addRow("", region_row)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("par défaut : le chargé de mission, la région ou le nom du fichier"))
        form.addRow(tr("Nom de la réplique :"), self.name)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Faire la réplique"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.by_officer.setEnabled(bool(officers))
        self.officer.setEnabled(bool(officers))
        self.resize(640, self.sizeHint().height())

    def _choose(self) -> None:
        chosen = ask_save_path(self, tr("Fichier de la réplique"), Path(self.path.text()).name,
                               tr("Bases du portefeuille (*.sqlite)"), ".sqlite")
        if chosen is not None:
            self.path.setText(str(chosen))

    def choice(self) -> dict[str, Any]:
        """The replica asked for: its file, its part of the portfolio, its name."""
        return {"target": Path(self.path.text().strip()).expanduser(),
                "officer": self.officer.currentText() if self.by_officer.isChecked() else None,
                "region": self.region.currentData() if self.by_region.isChecked() else None,
                "name": self.name.text().strip()}


def work_offline(window: Any) -> None:
    """Fichier > Travailler hors ligne…: asks what to copy where, makes the replica in the background, then offers
    to open it."""
    from portfolio.exchange.replicas import create_replica, scope_choices

    db = window.workspace.db
    officers, regions = scope_choices(db)
    origin = str(db.path) if window.on_file else str(db.url)
    stem = Path(str(db.path)).stem if window.on_file else "portefeuille"
    dialog = WorkOfflineDialog(window, officers, regions, Path.home() / f"{stem}-hors-ligne.sqlite")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    chosen = dialog.choice()

    def done(made: dict[str, Any]) -> None:
        answer = QMessageBox.question(window, APP_NAME, tr(
            "Réplique « {name} » faite dans {path} : {n} fiche(s). L'ouvrir maintenant pour travailler hors ligne ?",
            name=made["name"], path=made["path"], n=format_int(made["records"])))
        if answer == QMessageBox.StandardButton.Yes:
            window.switch_to(Path(made["path"]))

    run_task(window, tr("Réplique en cours…"),
             lambda _progress, _cancelled: create_replica(origin, chosen["target"], name=chosen["name"],
                                                          officer=chosen["officer"], region=chosen["region"]),
             done, lambda error: report(window, error), cancellable=False)


class SyncBar(QWidget):
    """On a replica, in the status bar: its origin, its last sync, the changes waiting, and "Synchroniser"."""

    synced = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.button = QPushButton(tr("Synchroniser"))
        self.button.setToolTip(tr("Envoyer les modifications faites ici à la base d'origine et recevoir celles "
                                  "faites ailleurs"))
        self.button.clicked.connect(self.sync)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self.setVisible(False)

    def refresh(self) -> None:
        """Shown on a replica only, with what its status says now."""
        workspace = self.window_.workspace
        if not workspace.ready:
            self.setVisible(False)
            return
        from portfolio.exchange.replicas import status

        state = status(workspace.db)
        origin = state["origin"]
        self.setVisible(origin is not None)
        if origin is None:
            return
        self.label.setText(tr("Réplique hors ligne · dernière synchronisation : {when} · {n} modification(s) à "
                              "envoyer", when=shown_time(origin["synced_utc"]), n=format_int(state["waiting"])))
        self.button.setEnabled(not workspace.read_only)

    def sync(self) -> None:
        from portfolio.exchange.replicas import sync

        window = self.window_
        if not window.editors_may_close():
            return
        self.button.setEnabled(False)

        def done(result: dict[str, Any]) -> None:
            taken_in(window)
            self.synced.emit()
            QMessageBox.information(window, APP_NAME, sync_summary(result))

        def failed(error: BaseException) -> None:
            self.refresh()
            report(window, error)

        run_task(window, tr("Synchronisation…"), lambda _progress, _cancelled: sync(window.workspace.db), done,
                 failed, cancellable=False)


def sync_summary(result: dict[str, Any]) -> str:
    """A sync's outcome in words."""
    sent, received = result["sent"], result["received"]
    lines = [tr("Synchronisation faite."),
             tr("Envoyé : {c} création(s), {u} modification(s), {d} suppression(s).", c=sent["created"],
                u=sent["updated"], d=sent["deleted"]),
             tr("Reçu : {c} création(s), {u} fiche(s) modifiée(s), {d} suppression(s).", c=received["created"],
                u=received["updated"], d=received["deleted"])]
    if result["conflicts"]:
        lines.append(tr("{n} conflit(s) : la valeur de la base d'origine est gardée et la vôtre attend dans sa file "
                        "des conflits (Fichier > Conflits en attente (agences, répliques)…, sur la base d'origine).",
                        n=len(result["conflicts"])))
    if received["held"]:
        lines.append(tr("{n} fiche(s) modifiée(s) ici entre-temps ont été gardées telles quelles : elles seront "
                        "envoyées à la prochaine synchronisation.", n=received["held"]))
    return "\n".join(lines)


def exchange_by_file(window: Any) -> None:
    """Fichier > Échanger des modifications par fichier…: on a replica, write its changes, or take its origin's
    reply; on an origin, take a replica's changes and write the reply."""
    from portfolio.exchange.replicas import SUFFIX, export_changes, import_changes, status

    db = window.workspace.db
    state = status(db)
    box = QMessageBox(window)
    box.setWindowTitle(tr("Échanger des modifications par fichier"))
    box.setText(tr("Sans réseau, les modifications voyagent dans un fichier signé (.sasn) : la réplique écrit les "
                   "siennes, la base d'origine les prend et écrit une réponse, que la réplique prend à son tour."))
    write = box.addButton(tr("Écrire mes modifications…"), QMessageBox.ButtonRole.AcceptRole) \
        if state["origin"] else None
    take = box.addButton(tr("Prendre un fichier…"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if write is not None and clicked is write:
        target = ask_save_path(window, tr("Écrire mes modifications"), "modifications" + SUFFIX, tr(CHANGE_FILES),
                               SUFFIX)
        if target is None:
            return
        def written(result: dict[str, Any]) -> None:
            QMessageBox.information(window, APP_NAME, tr(
                "{n} entrée(s) du journal écrites dans {path}, signées avec votre clé. Importez ce fichier sur la base "
                "d'origine, puis prenez ici sa réponse.", n=result["entries"], path=result["path"]))
            window.sync_bar.refresh()

        run_task(window, tr("Écriture des modifications…"), lambda _p, _c: export_changes(db, target), written,
                 lambda error: report(window, error), cancellable=False)
    elif clicked is take:
        chosen, _ = QFileDialog.getOpenFileName(window, tr("Prendre un fichier de modifications"), str(Path.home()),
                                                tr(CHANGE_FILES))
        if not chosen:
            return

        def done(taken: dict[str, Any]) -> None:
            taken_in(window)
            if taken["kind"] == "changes":
                sent = taken["taken"]
                message = tr("Modifications prises : {c} création(s), {u} modification(s), {d} suppression(s), {k} "
                             "conflit(s) mis en attente. Réponse écrite dans {path} : à prendre sur la réplique.",
                             c=sent["created"], u=sent["updated"], d=sent["deleted"], k=sent["conflicts"],
                             path=taken["reply"])
            else:
                received = taken["received"]
                message = tr("Réponse prise : {c} création(s), {u} fiche(s) modifiée(s), {d} suppression(s).",
                             c=received["created"], u=received["updated"], d=received["deleted"])
            QMessageBox.information(window, APP_NAME, message)

        run_task(window, tr("Prise des modifications…"), lambda _p, _c: import_changes(db, Path(chosen)), done,
                 lambda error: report(window, error), cancellable=False)


def taken_in(window: Any) -> None:
    """Once another database's changes are written here: the undo steps before them go (they no longer undo what
    the window shows), every page reads again, and the status bar's sync line says what waits now."""
    window.workspace.undo_stack.clear()
    window.workspace.changed.emit(set())
    window.sync_bar.refresh()
