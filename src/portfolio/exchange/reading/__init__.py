"""Reading the spreadsheets users import, which may be broken, huge or hostile.

``read_workbook`` reads in the calling process; ``read_untrusted`` does the same in a child process (the
"spawn" start method: nothing of the application is shared), so that a parser that hangs, crashes (a Rust
panic or abort in calamine) or balloons memory cannot take the application down. The child runs under an
address-space limit (RLIMIT_AS, where the platform has one) and the parent enforces the wall time, polls
for cancellation and turns every way the child can end into one French message.

Formats are told by their bytes (see formats): xlsx/xlsm/xls/ods through python-calamine (which
converts date-formatted cells, 1904 date system included), CSV through csv_sniff. Before calamine opens a
zip, its directory and XML prologs are checked (ooxml), and for xlsx/xlsm one defusedxml pass over
the sheet's XML finds formula cells and the real extent of the data.

The package: ``base`` (limits, sheets, workbooks, errors), ``formats`` (what a file is, from its bytes),
``ooxml`` (the zip side of workbooks), ``csv_sniff`` (CSV), ``in_process`` (``read_workbook``), ``child``
(``read_untrusted``: the bounded child process) and ``defences`` (``check_xml_defences``). Import from here.
"""

from __future__ import annotations

from .base import Limits, ReadCancelled, ReadError, Sheet, Workbook
from .child import PendingRead, read_untrusted
from .defences import check_xml_defences
from .in_process import read_workbook

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
