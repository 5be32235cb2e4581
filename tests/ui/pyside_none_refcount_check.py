# Copied from the project's known-ground tool pyside-none-refcount-check.py (the shared tools, outside the repository).
"""PySide6 6.12.0 on CPython 3.11: each Python override returning None that C++ calls drops a
reference to None -> 'Fatal Python error: none_dealloc' after a few thousand calls.
Run: QT_QPA_PLATFORM=offscreen python repro_pyside612_none.py
6.12.0 + 3.11.7: aborts (exit -6/134). 6.11.3 + 3.11.7 and 6.12.0 + 3.12.1: prints OK."""
import sys

import PySide6
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication([])


class W(QWidget):
    def paintEvent(self, event):  # any void virtual overridden in Python
        pass


w = W()
w.show()
app.processEvents()
before = sys.getrefcount(None)
for _ in range(1000):
    w.repaint()
print("PySide6", PySide6.__version__, "Python", sys.version.split()[0],
      "None refcount change per paint:", (sys.getrefcount(None) - before) / 1000)
for _ in range(50_000):
    w.repaint()
print("OK: 51,000 paints survived")
