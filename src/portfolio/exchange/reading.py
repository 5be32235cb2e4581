"""Reading the spreadsheets users import, which may be broken, huge or hostile.

``read_workbook`` reads in the calling process; ``read_untrusted`` does the same in a child process (the
"spawn" start method: nothing of the application is shared), so that a parser that hangs, crashes (a Rust
panic or abort in calamine) or balloons memory cannot take the application down. The child runs under an
address-space limit (RLIMIT_AS, where the platform has one) and the parent enforces the wall time, polls
for cancellation and turns every way the child can end into one French message.

Formats are told by their bytes (see reading_formats): xlsx/xlsm/xls/ods through python-calamine (which
converts date-formatted cells, 1904 date system included), CSV through csv_sniff. Before calamine opens a
zip, its directory and XML prologs are checked (reading_ooxml), and for xlsx/xlsm one defusedxml pass over
the sheet's XML finds formula cells and the real extent of the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import os
import pickle
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import language, set_language, tr

from . import reading_ooxml as ooxml
from .csv_sniff import SHARED_VALUES, not_text, read_csv, sniff_delimiter
from .reading_base import (
    Limits,
    Progress,
    ReadCancelled,
    ReadError,
    Sheet,
    Workbook,
    megabytes,
    number,
    too_many_columns,
    too_many_rows,
)
from .reading_formats import TEXT_EXTENSIONS, looks_like_markup, markup, ole_streams, sniff_kind

__all__ = [
    "Limits",
    "PendingRead",
    "ReadCancelled",
    "ReadError",
    "Sheet",
    "Workbook",
    "check_xml_defences",
    "read_untrusted",
    "read_workbook",
]

_HEAD_BYTES = 8192
_BATCH_ROWS = 20_000  # rows per message from the child: memory stays flat and cancellation stays responsive
_POLL_SECONDS = 0.1
_STARTUP_SECONDS = 30.0  # a fresh interpreter importing calamine; the read's own clock starts after it
_STDERR_TAIL = 8192
_REASON_CHARS = 200
DEFAULT_LIMITS = Limits()  # frozen: one shared default is safe
_ERRORS: dict[str, type[ReadError]] = {"ReadError": ReadError, "UnsafeXml": ooxml.UnsafeXml}
_CELL_LIMIT = re.compile(r"Cell limit exceeded \((\d+) cells")


# ---------------------------------------------------------------------------------------------------------
# In-process reading


def read_workbook(path: Path, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, *,
                  all_sheets: bool = False) -> Workbook:
    """The file's values, read in this process: ``sheet`` by name, or the first sheet holding data (every
    sheet with ``all_sheets``). Limits on size, zip members, rows and columns apply; time and memory do not
    (use read_untrusted for files from outside)."""
    return _read(Path(path), sheet, limits, all_sheets, None)


def _read(path: Path, sheet: str | None, limits: Limits, all_sheets: bool, progress: Progress | None) -> Workbook:
    file = path.name
    report = progress or _no_progress
    report(0.0, tr("Ouverture de « {file} »…", file=file))
    head, digest = _open_checks(path, limits)
    kind = sniff_kind(head)
    if kind == "zip":
        return _read_zip(path, digest, sheet, limits, all_sheets, report)
    if kind == "ole":
        streams = ole_streams(path)
        if streams & {"EncryptionInfo", "EncryptedPackage"}:
            raise ooxml.password_protected(file)
        if not streams & {"Workbook", "Book"}:
            raise ooxml.not_a_workbook(file)
        names, sheets = _read_calamine(path, None, {}, sheet, limits, all_sheets, report)
        return Workbook(path, digest, "xls", names, sheets)
    if looks_like_markup(head):
        raise markup(file)
    text = _head_text(head)
    if text is None:
        raise not_text(file)
    if path.suffix.lower() not in TEXT_EXTENSIONS:
        _refuse_text_without_columns(path, text)
    csv_sheet, encoding, delimiter = read_csv(path, limits, file, report)
    sheets = [csv_sheet] if csv_sheet.rows or all_sheets or sheet is not None else []
    return Workbook(path, digest, "csv", [csv_sheet.name], sheets, encoding=encoding, delimiter=delimiter)


def _no_progress(fraction: float, message: str) -> None:
    """Progress ignored."""


def _open_checks(path: Path, limits: Limits) -> tuple[bytes, str]:
    """(first bytes, SHA-256) of a file that exists, can be read, is not empty and is within the size limit."""
    file = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError(str(path))
    except FileNotFoundError:
        raise ReadError(tr("Le fichier « {file} » est introuvable : vérifiez son emplacement.", file=file)) from None
    except OSError as error:
        raise _cannot_open(file, error) from None
    if size == 0:
        raise ReadError(tr("Le fichier « {file} » est vide : vérifiez que c'est le bon fichier.", file=file))
    if size > limits.max_file_bytes:
        raise ReadError(tr("Le fichier « {file} » fait {size} Mo, au-delà de la limite de {limit} Mo : découpez-le "
                           "ou n'en gardez que les lignes utiles.", file=file, size=megabytes(size),
                           limit=megabytes(limits.max_file_bytes)))
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            digest.update(head)
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        raise _cannot_open(file, error) from None
    return head, digest.hexdigest()


def _cannot_open(file: str, error: OSError) -> ReadError:
    return ReadError(tr("Le fichier « {file} » ne peut pas être ouvert ({reason}) : vérifiez qu'il n'est pas ouvert "
                        "dans un autre programme et que vous avez le droit de le lire.",
                        file=file, reason=error.strerror or type(error).__name__))


def _head_text(head: bytes) -> str | None:
    """The first bytes as text, or None if they are binary (NUL bytes outside UTF-16)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):len(head) - (len(head) - len(bom)) % 2].decode(codec, errors="replace")
            return None if "\x00" in text else text
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _refuse_text_without_columns(path: Path, text: str) -> None:
    """A text file named like a workbook is read as CSV only if it has columns: otherwise it is a stub
    (a mail gateway's "attachment not found", an error page saved as .xls) and deserves its own message."""
    if sniff_delimiter(text, require_split=True) is None:
        start = " ".join(text.split())[:80]
        raise ReadError(tr("Le fichier « {file} » porte l'extension {extension} mais ne contient que du texte "
                           "(« {start} ») : ce n'est pas un classeur ; vérifiez que c'est le bon fichier.",
                           file=path.name, extension=path.suffix or "?", start=start))


def _read_zip(path: Path, digest: str, sheet: str | None, limits: Limits, all_sheets: bool,
              report: Progress) -> Workbook:
    file = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ooxml.damaged(file, tr("archive illisible : {reason}", reason=_reason(error))) from None
    except OSError as error:
        raise _cannot_open(file, error) from None
    with archive:
        try:
            ooxml.check_archive(archive, file, limits)
            kind = ooxml.archive_kind(archive, file)
            if kind == "xlsb":
                raise ReadError(tr("Le fichier « {file} » est un classeur binaire Excel (.xlsb), format non pris en "
                                   "charge : enregistrez-le au format .xlsx puis importez-le à nouveau.", file=file))
            ooxml.check_prologs(archive, file)
            parts = ooxml.sheet_parts(archive, file) if kind in ("xlsx", "xlsm") else {}
            names, sheets = _read_calamine(path, archive, parts, sheet, limits, all_sheets, report)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, NotImplementedError) as error:
            # a member that cannot be decompressed (bad CRC, unknown method, truncated data)
            raise ooxml.damaged(file, tr("archive illisible : {reason}", reason=_reason(error))) from None
    return Workbook(path, digest, kind, names, sheets)


def _reason(error: BaseException) -> str:
    """An exception's text, for the parenthesis of a message: one line, bounded."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS - 1] + "…"


def _calamine_failed(file: str, error: BaseException, sheet: str | None = None) -> ReadError:
    if type(error).__name__ == "PasswordError":
        return ooxml.password_protected(file)
    cells = _CELL_LIMIT.search(str(error))
    if cells:  # calamine's own guard: an ods repeating rows or columns by the billion
        return ReadError(tr("Le fichier « {file} » déclare {count} cellules (lignes ou colonnes répétées), bien "
                            "au-delà de ce qui peut être lu : supprimez les lignes et colonnes vides en fin de feuille "
                            "puis enregistrez-le à nouveau.", file=file, count=number(int(cells.group(1)))))
    if sheet is None:
        return ooxml.damaged(file, _reason(error))
    return ReadError(tr("La feuille « {sheet} » de « {file} » n'a pas pu être lue ({reason}) : ouvrez le fichier "
                        "dans votre tableur et enregistrez-le à nouveau.", sheet=sheet, file=file,
                        reason=_reason(error)))


def _guard(error: BaseException) -> None:
    """Lets through what must never be turned into a "damaged file" message."""
    if isinstance(error, (KeyboardInterrupt, SystemExit, MemoryError, ReadError)):
        raise error


def _read_calamine(path: Path, archive: zipfile.ZipFile | None, parts: dict[str, str],
                   sheet: str | None, limits: Limits, all_sheets: bool,
                   report: Progress) -> tuple[list[str], list[Sheet]]:
    """(the workbook's worksheet names, the sheet(s) read)."""
    import python_calamine  # imported on use: the window need not load it to start

    file = path.name
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metadata = list(book.sheets_metadata)
    except BaseException as error:  # calamine's errors, and pyo3's PanicException (a BaseException)
        _guard(error)
        raise _calamine_failed(file, error) from None
    worksheet = python_calamine.SheetTypeEnum.WorkSheet
    visible = python_calamine.SheetVisibleEnum.Visible
    names = [m.name for m in metadata if m.typ == worksheet]
    if not names:
        raise ReadError(tr("Le fichier « {file} » ne contient aucune feuille de calcul : vérifiez que c'est le bon "
                           "fichier.", file=file))
    if sheet is not None:
        if sheet not in names:
            raise ReadError(tr("La feuille « {sheet} » n'existe pas dans « {file} » (feuilles : {sheets}) : "
                               "choisissez-en une autre.", sheet=sheet, file=file, sheets=", ".join(names)))
        wanted = [sheet]
    elif all_sheets:
        wanted = names
    else:
        # the first sheet holding data, visible sheets first (a hidden first sheet is usually a lookup list)
        wanted = [m.name for m in metadata if m.typ == worksheet and m.visible == visible]
        wanted += [name for name in names if name not in wanted]
    sheets: list[Sheet] = []
    for index, name in enumerate(wanted):
        report(0.1 + 0.85 * index / len(wanted), tr("Lecture de la feuille « {sheet} »…", sheet=name))
        read = _read_sheet(book, archive, parts.get(name), name, file, limits)
        if sheet is None and not all_sheets:
            if read.rows:
                sheets.append(read)
                break
        else:
            sheets.append(read)
    with contextlib.suppress(Exception):
        book.close()
    return names, sheets


def _read_sheet(book: Any, archive: zipfile.ZipFile | None, part: str | None, name: str, file: str,
                limits: Limits) -> Sheet:
    formula_cells: set[tuple[int, int]] = set()
    # the full pass parses the XML in Python (two-thirds of reading a 100,000-row sheet): a sheet the quick
    # search finds within the limits and without formulas goes straight to calamine
    if archive is not None and part is not None and not ooxml.quick_check(archive, part, limits):
        scan = ooxml.scan_sheet(archive, part, file)
        # checked before calamine allocates the rectangle from A1 to the farthest value
        if scan.rows > limits.max_rows:
            raise too_many_rows(file, name, scan.rows, limits.max_rows)
        if scan.columns > limits.max_columns:
            raise too_many_columns(file, name, scan.columns, limits.max_columns)
        formula_cells = scan.formula_cells
    try:
        found = book.get_sheet_by_name(name)
        end = found.end
        if end is not None:
            if end[0] + 1 > limits.max_rows:
                raise too_many_rows(file, name, end[0] + 1, limits.max_rows)
            if end[1] + 1 > limits.max_columns:
                raise too_many_columns(file, name, end[1] + 1, limits.max_columns)
        data = found.to_python(skip_empty_area=False)
    except BaseException as error:
        _guard(error)
        raise _calamine_failed(file, error, name) from None
    return Sheet(name, _normalised(data), formula_cells)


def _normalised(data: list[list[Any]]) -> list[list[Any]]:
    """'' -> None in place (row by row, so that two copies never coexist), equal strings shared (as the CSV
    reader does: less memory, smaller transfers from the child) and trailing empty rows dropped."""
    last = -1
    shared: dict[str, str] = {}
    share = shared.setdefault
    for index, row in enumerate(data):
        clean = [None if value == "" else share(value, value) if type(value) is str else value for value in row]
        data[index] = clean
        if len(shared) > SHARED_VALUES:
            shared.clear()
        if any(value is not None for value in clean):
            last = index
    del data[last + 1:]
    return data


# ---------------------------------------------------------------------------------------------------------
# Reading in a child process


def read_untrusted(path: Path, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, *,
                   all_sheets: bool = False, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Workbook:
    """read_workbook in a separate process, bounded in wall time (``limits.max_seconds``) and address space
    (``limits.max_memory_bytes`` above the child's baseline). ``cancelled`` is polled about every 0.1 s: the
    child is killed and ReadCancelled raised. ``progress(fraction, message)`` is called at least at the start
    and the end. Any way the child fails (crash, panic, memory, time) is a ReadError naming the file."""
    return PendingRead(path, sheet, limits, all_sheets=all_sheets).result(progress=progress, cancelled=cancelled)


class PendingRead:
    """A ``read_untrusted`` started now and collected later (``result``), so that the caller works meanwhile:
    the command line opens the portfolio, importing SQLAlchemy, while the child reads the file."""

    def __init__(self, path: Path, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, *,
                 all_sheets: bool = False) -> None:
        self.path = Path(path)
        self.limits = limits
        context = multiprocessing.get_context("spawn")
        self.receiver, sender = context.Pipe(duplex=False)
        self.stderr_path = _temporary_log()
        self.process = context.Process(target=_child_main, name="portfolio-lecture", daemon=True,
                                       args=(sender, str(self.path), sheet, limits, all_sheets, language(),
                                             self.stderr_path))
        self.launched = time.monotonic()
        try:
            self.process.start()
        except Exception as error:  # no process can be started here (limits, a daemonic caller…)
            self.close()
            raise ReadError(tr("La lecture de « {file} » n'a pas pu démarrer ({reason}) : réessayez ; si le problème "
                               "persiste, redémarrez l'application.", file=self.path.name,
                               reason=_reason(error))) from None
        finally:
            sender.close()  # the child holds its own end: the parent's copy would hide the child's exit (EOF)

    def result(self, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> Workbook:
        """The workbook read (waiting for the child as long as the limits allow); the child is gone after."""
        report = progress or _no_progress
        report(0.0, tr("Ouverture de « {file} »…", file=self.path.name))
        try:
            workbook = _supervise(self.process, self.receiver, self.path, self.limits, report, cancelled,
                                  self.stderr_path, self.launched)
        finally:
            self.close()
        report(1.0, tr("Lecture de « {file} » terminée.", file=self.path.name))
        return workbook

    def close(self) -> None:
        """Stops the child if it still runs (a read nobody will collect) and cleans up; safe to call twice."""
        if self.process.pid is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
        self.receiver.close()
        with contextlib.suppress(OSError):
            os.unlink(self.stderr_path)


def _temporary_log() -> str:
    """A file for the child's standard error: Rust writes its panics and allocation failures there, which
    tells a crash from a lack of memory, and the application's own stderr stays clean."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix="portfolio-lecture-", suffix=".log")
    os.close(handle)
    return name


def _supervise(process: Any, receiver: Any, path: Path, limits: Limits, report: Progress,
               cancelled: Callable[[], bool] | None, stderr_path: str, launched: float) -> Workbook:
    file = path.name
    started: float | None = None
    sheets: list[Sheet] = []
    while True:
        if cancelled is not None and cancelled():
            process.kill()
            raise ReadCancelled(tr("Lecture de « {file} » annulée.", file=file))
        # the read's clock starts when the child is ready; a child that never gets ready is late too
        elapsed = time.monotonic() - (started if started is not None else launched)
        allowed = limits.max_seconds if started is not None else limits.max_seconds + _STARTUP_SECONDS
        if elapsed > allowed:
            process.kill()
            raise ReadError(tr("La lecture de « {file} » a dépassé la limite de {limit} secondes : découpez le "
                               "fichier, ou enregistrez-le en .csv, plus rapide à lire.",
                               file=file, limit=_seconds(limits.max_seconds)))
        if not receiver.poll(_POLL_SECONDS):
            if not process.is_alive() and not receiver.poll(0):
                raise _child_died(process, file, limits, stderr_path)
            continue
        try:
            message = _decode(receiver.recv_bytes())
        except (EOFError, OSError):
            raise _child_died(process, file, limits, stderr_path) from None
        tag = message[0]
        if tag == "started":
            started = time.monotonic()
        elif tag == "progress":
            report(float(message[1]), str(message[2]))
        elif tag == "sheet":
            sheets.append(Sheet(str(message[1]), [], set(message[2])))
        elif tag == "rows" and sheets:
            sheets[-1].rows.extend(message[1])
        elif tag == "done":
            meta = message[1]
            return Workbook(path, str(meta["sha256"]), str(meta["kind"]), [str(n) for n in meta["sheet_names"]],
                            sheets, encoding=meta["encoding"], delimiter=meta["delimiter"])
        elif tag == "error":  # the class travels by name, so that UnsafeXml stays UnsafeXml
            raise _ERRORS.get(message[1], ReadError)(str(message[2]))
        elif tag == "memory":
            raise _out_of_memory(file, limits)
        else:  # "failed": an exception our reader did not expect, or a message we do not understand
            raise ooxml.damaged(file, str(message[1]) if len(message) > 1 else "?")


class _ChildDataUnpickler(pickle.Unpickler):
    """Unpickles what the child sends and nothing else: values, dates and containers. The child parses hostile
    bytes with native code; were that code subverted, a crafted pickle must not run anything in the parent."""

    _ALLOWED = frozenset({("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"),
                          ("datetime", "timedelta"), ("datetime", "timezone")})

    def find_class(self, module: str, name: str) -> Any:
        """Only the date and time types; any other global is refused."""
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _decode(data: bytes) -> tuple[Any, ...]:
    """A message from the child, or ("failed", reason) if it is not one of ours."""
    try:
        message = _ChildDataUnpickler(io.BytesIO(data)).load()
    except Exception as error:  # anything a malformed pickle can raise
        return ("failed", _reason(error))
    if not isinstance(message, tuple) or not message or not isinstance(message[0], str):
        return ("failed", "?")
    return message


def _send(sender: Any, message: tuple[Any, ...]) -> None:
    sender.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _out_of_memory(file: str, limits: Limits) -> ReadError:
    return ReadError(tr("La lecture de « {file} » demande trop de mémoire (limite {limit} Mo) : découpez le fichier "
                        "ou supprimez-en les lignes et colonnes inutiles.",
                        file=file, limit=megabytes(limits.max_memory_bytes)))


def _child_died(process: Any, file: str, limits: Limits, stderr_path: str) -> ReadError:
    process.join(5)
    code = process.exitcode
    try:
        with open(stderr_path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - _STDERR_TAIL))
            tail = log.read().decode("utf-8", errors="replace")
    except OSError:
        tail = ""
    # Rust aborts with "memory allocation of N bytes failed"; Python dies of MemoryError; the kernel's
    # out-of-memory killer sends SIGKILL (we only kill the child after raising, never before asking here).
    if "memory allocation of" in tail or "MemoryError" in tail or code == -9:
        return _out_of_memory(file, limits)
    # a native crash under the memory limit often comes as SIGSEGV rather than a clean allocation failure
    # (seen on a fresh Debian): the two causes cannot be told apart, so the message names both
    return ReadError(tr("La lecture de « {file} » s'est arrêtée brutalement (code {code}) : le fichier est sans doute "
                        "endommagé, ou sa lecture demande plus de mémoire que permis (limite {limit} Mo) ; ouvrez-le "
                        "dans votre tableur et enregistrez-le à nouveau.", file=file,
                        code=code if code is not None else "?", limit=megabytes(limits.max_memory_bytes)))


def _child_main(sender: Any, path: str, sheet: str | None, limits: Limits, all_sheets: bool, language_code: str,
                stderr_path: str) -> None:
    """The child's entry point: reads the file and sends the result back in batches."""
    _redirect_stderr(stderr_path)
    set_language(language_code)
    import python_calamine  # noqa: F401 (loaded before the memory baseline is taken)

    _limit_memory(limits.max_memory_bytes)
    try:
        _send(sender, ("started",))
        workbook = _read(Path(path), sheet, limits, all_sheets,
                         lambda fraction, message: _send(sender, ("progress", fraction, message)))
        for read in workbook.sheets:
            _send(sender, ("sheet", read.name, read.formula_cells))
            rows, read.rows = read.rows, []
            while rows:  # each batch is dropped once sent, so the child never holds the rows twice
                batch = rows[:_BATCH_ROWS]
                del rows[:_BATCH_ROWS]
                _send(sender, ("rows", batch))
                del batch
        _send(sender, ("done", {"sha256": workbook.sha256, "kind": workbook.kind, "sheet_names": workbook.sheet_names,
                                "encoding": workbook.encoding, "delimiter": workbook.delimiter}))
    except ReadError as error:
        _send(sender, ("error", type(error).__name__, str(error)))
    except MemoryError:
        _send(sender, ("memory",))
    except BaseException as error:  # anything else becomes a message, never a traceback
        _send(sender, ("failed", _reason(error)))
    finally:
        sender.close()


def _redirect_stderr(stderr_path: str) -> None:
    try:
        log = os.open(stderr_path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return
    os.dup2(log, 2)
    os.close(log)


def _limit_memory(headroom: int) -> None:
    """RLIMIT_AS = the child's current address space + headroom (Linux; elsewhere the wall time still bounds
    the read). Taken after the imports, so the limit is about the file, not about the interpreter."""
    try:
        import resource
    except ImportError:  # Windows
        return
    try:
        with open("/proc/self/statm") as statm:
            baseline = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: RLIMIT_AS is not enforced reliably there anyway
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = baseline + headroom
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


# ---------------------------------------------------------------------------------------------------------
# XML defences


def check_xml_defences() -> None:
    """Verifies that defusedxml is importable and that the XML we parse goes through it: a document declaring
    entities (the start of a billion laughs) must be refused by our sheet pass and by our structural parser.
    Raises PortfolioError otherwise; called at the start of an import."""
    failure = PortfolioError(tr("La protection contre les fichiers XML malveillants (defusedxml) est absente ou "
                                "inopérante : l'import est impossible ; réinstallez l'application."))
    try:
        import defusedxml  # noqa: F401
        from defusedxml import EntitiesForbidden
        from defusedxml.ElementTree import fromstring
    except ImportError:
        raise failure from None
    evil = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><x>&b;</x>'
    if ooxml.defused_fromstring is not fromstring:
        raise failure
    try:
        fromstring(evil)
    except EntitiesForbidden:
        pass
    else:
        raise failure
    try:
        ooxml.scan_sheet_bytes([evil], "check", "check")
    except ooxml.UnsafeXml:
        return
    except ReadError:
        raise failure from None
    raise failure

