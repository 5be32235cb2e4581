"""A throw-away PostgreSQL server on loopback for the tests of team mode (issue #9): a cluster made by initdb
in a temporary folder, started on a free port, stopped and removed after the tests. As root (CI), the server
runs as the ``postgres`` system user, which refuses to run as root.

`make test` installs PostgreSQL from the system's packages when it is missing (scripts/setup-system.sh) and sets
PORTFOLIO_REQUIRE_POSTGRES, which turns a missing server into a failure rather than a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class Server:
    """One cluster; ``database()`` gives the URL of a new empty database on it."""

    def __init__(self) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/setup-system.sh tests installs it)")
        self.folder = Path(tempfile.mkdtemp(prefix="portfolio-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres")
            self.folder.chmod(0o700)
        self._run([str(binaries / "initdb"), "-D", str(self.data), "-U", "portfolio", "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8"])
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run([str(binaries / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                   "-w", "start"])
        self.binaries = binaries

    def _run(self, command: list[str]) -> None:
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://portfolio@127.0.0.1:{self.port}/{name}"

    def database(self) -> str:
        """A new empty database's URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run([str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
