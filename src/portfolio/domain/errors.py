"""The core's error types. Their messages are written for the user (French by default), never tracebacks."""


class PortfolioError(Exception):
    """Base of every error the application reports to the user as one clear message."""


class InvalidValue(PortfolioError, ValueError):
    """A value refused by a domain rule; the message says why and what is expected."""
