"""The PySide6 user interface: a thin layer over the core services."""
