"""The open database as the window sees it: the one door, the undo stack, and change notifications.

Every edit of every screen comes here as a list of changes; the workspace applies it through the door
(services.changes.apply_changes), pushes one named undo step, and tells every view what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from portfolio.domain.i18n import tr

if TYPE_CHECKING:
    from portfolio.db.sqlite_file import QuickView
    from portfolio.db.store import Store
    from portfolio.services.changes import ApplyResult, Change

# The door (services.changes) and the database (db.database) import SQLAlchemy and the ORM: they are imported
# when the workspace is attached to its database, after the window's first paint (see ui.app.run).

SCREEN_SOURCE = "écran"
UNDO_SOURCE = "écran (annulation)"
REDO_SOURCE = "écran (rétablissement)"


class ReadOnlyError(Exception):
    """An edit attempted while the database is open read-only."""


class Workspace(QObject):
    """One open database: applies changes, keeps undo history, announces what changed."""

    changed = Signal(object)  # set of entity names touched by the last change
    error = Signal(str)  # a change that could not be applied (undo/redo of a stale step)
    attached = Signal()  # the full database replaced the quick view of the first paint

    def __init__(self, db: Store | QuickView, read_only: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db: Any = db  # a Store, or QuickView until ``attach``: both have path and read()
        self.ready = not isinstance(db, _quick_view_type())
        self.read_only = read_only or (self.ready and db.readonly)
        self.undo_stack = QUndoStack(self)
        self.import_steps: dict[str, ChangeCommand] = {}  # an import's batch -> its undo step

    def import_undone(self, batch: str) -> None:
        """An import undone from the history: its undo step (if this window made it) is dropped from the stack
        at its next turn, silently, rather than failing on records that are gone."""
        step = self.import_steps.pop(batch, None)
        if step is not None:
            step.setObsolete(True)

    def attach(self, db: Store, read_only: bool = False) -> None:
        """Replaces the quick view the window was first painted from by the opened database."""
        quick, self.db = self.db, db
        self.read_only = read_only or db.readonly
        self.ready = True
        if quick is not db:
            quick.close()
        self.attached.emit()

    def apply(self, changes: Sequence[Change], label: str, source: str = SCREEN_SOURCE) -> ApplyResult:
        """Applies changes through the door as one undo step named ``label``; raises the door's errors."""
        self._refuse_if_read_only()
        from portfolio.services.changes import apply_changes

        result = apply_changes(self.db, list(changes), source=source)
        self.undo_stack.push(ChangeCommand(self, result, label))
        self.notify(changes)
        return result

    def run_operation(self, operation: Callable[[Any], ApplyResult | None], label: str) -> ApplyResult | None:
        """Runs a core operation that writes its whole work itself, in one transaction through the door (an
        agency's workbook taken back, conflicts settled: exchange.sync.apply_sync, exchange.conflicts.settle),
        and pushes what it wrote as one undo step named ``label``: its inverse puts back the records and the state
        beside them together. Raises the operation's errors (nothing written)."""
        self._refuse_if_read_only()
        from portfolio.services.changes import invert

        result = operation(self.db)
        if result is not None:
            self.undo_stack.push(ChangeCommand(self, result, label))
            self.notify(invert(result.inverse))
        return result

    def apply_in_background(self, parent: Any, changes: Sequence[Change], label: str,
                            on_done: Callable[[ApplyResult], None], on_failed: Callable[[BaseException], None]) -> None:
        """Like ``apply`` for long change lists: the door runs off the UI thread behind a progress dialog, then
        the undo step is pushed and views refresh in the UI thread."""
        from portfolio.services.changes import apply_changes

        from .tasks import run_task

        try:
            self._refuse_if_read_only()
        except ReadOnlyError as exc:
            on_failed(exc)
            return
        changes = list(changes)

        def done(result: ApplyResult) -> None:
            self.undo_stack.push(ChangeCommand(self, result, label))
            self.notify(changes)
            on_done(result)

        run_task(parent, label, lambda _progress, _cancelled: apply_changes(self.db, changes, source=SCREEN_SOURCE),
                 done, on_failed, cancellable=False)

    def apply_import(self, parent: Any, plan: Any, on_done: Callable[[ApplyResult | None], None],
                     on_failed: Callable[[BaseException], None]) -> None:
        """Writes an import plan (exchange.plan.ImportPlan) off the UI thread, in one transaction through the
        door, and pushes it as one undo step "Importer FILE"; views refresh. ``on_done(None)``: nothing to write."""
        from portfolio.exchange.imports import REDO_SOURCE_PREFIX, UNDO_SOURCE_PREFIX
        from portfolio.exchange.plan import apply_plan
        from portfolio.services.changes import invert

        from .tasks import run_task

        try:
            self._refuse_if_read_only()
        except ReadOnlyError as exc:
            on_failed(exc)
            return
        label = tr("Importer {file}", file=plan.file_name)

        def done(result: ApplyResult | None) -> None:
            if result is not None:
                changes = invert(result.inverse)  # exactly what was written: creations, then updates
                # undone and redone under the import's own sources, so that the import history knows
                command = ChangeCommand(self, result, label)
                command.undo_source = UNDO_SOURCE_PREFIX + result.batch
                command.redo_source = REDO_SOURCE_PREFIX + result.batch
                self.undo_stack.push(command)
                self.import_steps[result.batch] = command
                self.notify(changes)
            on_done(result)

        run_task(parent, label, lambda _progress, _cancelled: apply_plan(self.db, plan), done, on_failed,
                 cancellable=False)

    def apply_without_undo(self, changes: Sequence[Change], source: str) -> ApplyResult:
        """Applies changes that undo/redo themselves replay (no new step)."""
        self._refuse_if_read_only()
        from portfolio.services.changes import apply_changes

        result = apply_changes(self.db, list(changes), source=source)
        self.notify(changes)
        return result

    def erase_person(self, person: Any) -> Any:
        """Erases a person (services.gdpr). The undo history is cleared: its steps may hold the person's values,
        and an erasure is not undone."""
        self._refuse_if_read_only()
        from portfolio.services.gdpr import erase_person

        result = erase_person(self.db, person)
        self.undo_stack.clear()
        self.import_steps.clear()
        self.changed.emit({"contact"})
        return result

    def _refuse_if_read_only(self) -> None:
        if not self.ready:  # no event reaches the window before ``attach``: a guard, never a message people see
            raise ReadOnlyError(tr("La base est encore en cours d'ouverture : réessayez dans un instant."))
        if self.read_only:
            raise ReadOnlyError(tr("La base est ouverte en lecture seule : aucune modification n'est possible."))

    def notify(self, changes: Sequence[Change]) -> None:
        self.changed.emit({c.entity for c in changes if c.entity})  # (state beside the records has none)

    def close(self) -> None:
        self.undo_stack.clear()
        self.db.close()


class ChangeCommand(QUndoCommand):
    """One undoable step: the changes as applied, and their inverse built by the door from what it stored."""

    def __init__(self, workspace: Workspace, result: ApplyResult, label: str) -> None:
        super().__init__(label)
        from portfolio.services.changes import invert

        self.workspace = workspace
        self.inverse = result.inverse
        self.forward = invert(result.inverse)  # exactly what was stored, so redo is exact too
        self.first = True
        self.undo_source, self.redo_source = UNDO_SOURCE, REDO_SOURCE
        self.realign = False  # set when a busy database left the stack one step off: the next move only realigns

    def redo(self) -> None:
        if self.isObsolete():  # undone elsewhere (the import history): QUndoStack drops it after this call
            return
        if self.first:  # applied already by Workspace.apply
            self.first = False
            return
        if self.realign:  # the stack moving back after a busy database: nothing to apply
            self.realign = False
            return
        self._run(self.forward, self.redo_source, back=-1)

    def undo(self) -> None:
        if self.isObsolete():
            return
        if self.realign:
            self.realign = False
            return
        self._run(self.inverse, self.undo_source, back=+1)

    def _run(self, changes: list[Change], source: str, back: int) -> None:
        from portfolio.db.database import DatabaseBusyError

        try:
            self.workspace.apply_without_undo(changes, source)
        except DatabaseBusyError as exc:
            # another program holds the lock for now: keep the step and put the stack back where it was,
            # so that the user can simply try again
            self.realign = True
            stack = self.workspace.undo_stack
            QTimer.singleShot(0, lambda: stack.setIndex(stack.index() + back))
            self.workspace.error.emit(str(exc))
        except Exception as exc:  # a stale step: someone changed these values since; drop the step
            self.setObsolete(True)
            self.workspace.error.emit(tr("« {label} » n'a pas pu être rejoué : {error}", label=self.text(),
                                         error=exc))


def _quick_view_type() -> type:
    from portfolio.db.sqlite_file import QuickView  # light: no SQLAlchemy

    return QuickView
