"""Asking where to write a file the officer exports; the files the import wizard reads."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from portfolio.domain.i18n import tr

IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")  # the files the import wizard reads (and a drop takes)


def ask_workbook_path(parent: QWidget | None, title: str, suggested_name: str) -> Path | None:
    """The workbook to write, chosen in the save dialog (in the home folder, under ``suggested_name`` at first);
    ".xlsx" added when the name lacks it; None when the officer cancels."""
    return ask_save_path(parent, title, suggested_name, tr("Classeur Excel (*.xlsx)"), ".xlsx")


def ask_save_path(parent: QWidget | None, title: str, suggested_name: str, kinds: str, suffix: str) -> Path | None:
    """A file to write, chosen in the save dialog (in the home folder, under ``suggested_name`` at first), with
    ``suffix`` added when the name lacks it; None when the officer cancels."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested_name), kinds)
    if not chosen:
        return None
    return Path(chosen) if chosen.lower().endswith(suffix) else Path(chosen + suffix)
