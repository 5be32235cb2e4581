"""SASN portfolio: the offline desktop application for France 2030's digital-health innovation portfolio."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("portfolio")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

APP_NAME = "Portefeuille SASN"
