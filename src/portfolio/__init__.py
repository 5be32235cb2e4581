"""SASN portfolio: the offline desktop application for France 2030's digital-health innovation portfolio."""

# The single source of the version (pyproject reads it): importlib.metadata would cost 30 ms at every start.
__version__ = "0.1.0"

APP_NAME = "Portefeuille SASN"
