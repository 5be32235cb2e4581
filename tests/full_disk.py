"""A real full disk for the tests (issue #18): a small tmpfs mounted in a mount namespace of its own (``unshare``:
as root, or as any user through a user namespace), so nothing outside the test sees it and nothing stays mounted.

``on_full_disk(...)`` copies the given files onto it, fills what is left, runs a command there and returns what
happened and what the disk holds afterwards (the tmpfs vanishes with the namespace). Run as a script, this module
is the part that runs inside the namespace."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    files: dict[str, str]  # every file on the small disk afterwards (relative name -> SHA-256)
    before: dict[str, str]  # the same, before the command


def on_full_disk(tmp_path: Path, command: list[str], files: dict[str, Path], *, size_kib: int = 20480,
                 left_kib: int = 0, env: dict[str, str] | None = None) -> Outcome:
    """Runs ``command`` (its arguments may name ``{disk}``: the small disk's folder) with ``files`` (name on the
    disk -> source) copied onto a ``size_kib`` disk filled up to ``left_kib`` free."""
    # In a chroot (CI's fresh machine) "/" is no mount point of the namespace: its propagation cannot be made
    # private, so the small disk goes under /dev/shm (a mount point seen there), whose copy in the new namespace
    # is made private first; a mount there can then never reach the machine's own namespace.
    root_seen = _root_is_a_mount_point()
    disk = tmp_path / "petit-disque" if root_seen else Path(tempfile.mkdtemp(prefix="petit-disque-", dir="/dev/shm"))
    disk.mkdir(exist_ok=True)
    spec = {"disk": str(disk), "size_kib": size_kib, "left_kib": left_kib, "private": "/" if root_seen else "/dev/shm",
            "files": {name: str(source) for name, source in files.items()},
            "command": [part.replace("{disk}", str(disk)) for part in command]}
    namespace = ["unshare", "--mount", "--propagation", "unchanged"]
    if os.geteuid() != 0:
        namespace[1:1] = ["--user", "--map-root-user"]
    try:
        done = subprocess.run([*namespace, sys.executable, __file__, json.dumps(spec)], capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=300, check=False)
    finally:
        if not root_seen:
            with contextlib.suppress(OSError):
                disk.rmdir()  # empty here: the small disk was mounted in the other namespace only
    if done.returncode != 0 or not done.stdout.strip():
        raise AssertionError(f"the small disk could not be set up: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Outcome(result["code"], result["out"], result["err"], result["files"], result["before"])


def _root_is_a_mount_point() -> bool:
    """Whether this process's "/" is a mount point of its mount namespace (not so inside a chroot)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        return any(line.split()[4] == "/" for line in mounts if len(line.split()) > 4)


def _files(disk: Path) -> dict[str, str]:
    return {str(p.relative_to(disk)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(disk.rglob("*")) if p.is_file() and p.name != "remplissage"}


def _inside(spec: dict[str, Any]) -> None:
    disk = Path(spec["disk"])
    subprocess.run(["mount", "--make-rprivate", spec["private"]], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={spec['size_kib']}k,mode=0700", "tmpfs", str(disk)],
                   check=True)
    for name, source in spec["files"].items():
        target = disk / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if Path(source).is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - spec["left_kib"] * 1024
    with open(disk / "remplissage", "wb") as filler:
        try:
            while free > 0:
                free -= filler.write(b"\0" * min(free, 1 << 20))
            filler.flush()
        except OSError:
            pass  # full: as wanted
    before = _files(disk)
    done = subprocess.run(spec["command"], capture_output=True, text=True, cwd=disk, check=False, timeout=240)
    print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "files": _files(disk),
                      "before": before}))


if __name__ == "__main__":
    _inside(json.loads(sys.argv[1]))
