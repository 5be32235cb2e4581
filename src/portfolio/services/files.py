"""Writing a file the user asked for without ever leaving half of it: written beside its destination under a
temporary name, then renamed over it (the destination is the old file or the new one, never a mixture)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr


def write_whole(destination: Path, write: Callable[[Path], None], what: str) -> Path:
    """Calls ``write(temporary)`` then renames the temporary file over ``destination``; on any failure nothing
    is left behind and the PortfolioError names ``what`` ("Le classeur", "Le rapport"…) and the destination."""
    temporary = destination.with_name(destination.name + ".tmp")
    try:
        write(temporary)
        if not temporary.is_file():  # a writer that reports failure by writing nothing (Qt's)
            raise PortfolioError(tr("{what} n'a pas pu être écrit dans « {file} » : vérifiez que le dossier existe "
                                    "et accepte l'écriture.", what=what, file=str(destination)))
        temporary.replace(destination)
    except OSError as error:
        raise PortfolioError(tr("{what} n'a pas pu être écrit dans « {file} » ({reason}) : fermez-le s'il est "
                                "ouvert ailleurs, ou choisissez un autre emplacement.", what=what,
                                file=str(destination), reason=error.strerror or str(error))) from None
    finally:
        temporary.unlink(missing_ok=True)  # nothing half-written is left behind
    return destination
