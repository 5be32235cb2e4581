"""Reading in a child process (``read_untrusted``, ``PendingRead``): the "spawn" start method, so that nothing of
the application is shared; an address-space limit in the child, the wall time, cancellation and every way the
child can end turned into one French message by the parent, which accepts only plain values back."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import language, set_language, tr

from . import ooxml
from .base import DEFAULT_LIMITS, Limits, Progress, ReadCancelled, ReadError, Sheet, Workbook, megabytes
from .in_process import _no_progress, _read, _reason

_BATCH_ROWS = 20_000  # rows per message from the child: memory stays flat and cancellation stays responsive
_POLL_SECONDS = 0.1
_STARTUP_SECONDS = 30.0  # a fresh interpreter importing calamine; the read's own clock starts after it
_STDERR_TAIL = 8192
_ERRORS: dict[str, type[ReadError]] = {"ReadError": ReadError, "UnsafeXml": ooxml.UnsafeXml}


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
