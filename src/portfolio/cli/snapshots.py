"""Auditors' snapshots and the keys that sign them: `portfolio keys`, `snapshot`, `verify` and `diff`."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.db.locations import is_url
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent
from portfolio.services import app_paths
from portfolio.services.portfolio import open_portfolio


def cmd_keys(args: argparse.Namespace) -> int:
    from portfolio.services.checkpoints import trust_key, trusted_keys
    from portfolio.services.signing_keys import init_keys, key_paths

    folder = app_paths.keys_folder()
    if args.action == "trust":
        if not args.key or not args.name:
            raise UsageError(tr("« portfolio keys trust » demande la clé (FICHIER.pub ou son texte) et --name NOM"))
        given = Path(args.key).expanduser()
        text = given.read_text(encoding="ascii", errors="replace") if given.is_file() else args.key
        print(tr("Clé de confiance ajoutée : {key} ({name}).", key=trust_key(text, args.name), name=args.name))
        return 0
    if args.action == "list":
        for key, name in trusted_keys().items():
            print(f"{key}  {name}")
        return 0
    public_path = key_paths(folder)[1]
    if args.action == "init" and not public_path.is_file():
        public = init_keys(folder)
        print(tr("Clé privée : {file} (gardez-la pour vous).", file=key_paths(folder)[0]))
    else:  # (a key made at the first seal counts: init shows it rather than replace it)
        if not public_path.is_file():
            raise UsageError(tr("aucune clé dans « {folder} » : créez-la avec « portfolio keys init »",
                                folder=str(folder)))
        public = public_path.read_text(encoding="ascii").strip()
        if args.action == "init":
            print(tr("Une paire de clés existe déjà dans « {folder} » : elle est gardée (ce qu'elle a signé reste "
                     "vérifiable).", folder=str(folder)))
    print(tr("Clé publique (à donner aux auditeurs) : {key}", key=public))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from portfolio.services.checkpoints import officer_key
    from portfolio.services.signing_keys import key_paths
    from portfolio.services.snapshot import write_snapshot

    source = _db_path(args)
    with open_portfolio(source, readonly=True, must_exist=True):
        pass  # the file is checked (a portfolio, this version, not damaged) before it is copied, never written
    if args.sign:
        officer_key()  # made at the first signature when `keys init` was never run (as at the first seal)
    with tempfile.TemporaryDirectory(prefix="portfolio-instantane-") as folder:
        if is_url(source):  # team mode: the server's rows in a portfolio file first, then its snapshot as usual
            from portfolio.services.snapshot import copy_from_server

            source = copy_from_server(source, Path(folder) / "serveur.sqlite")
        manifest = write_snapshot(source, args.output.expanduser(),
                                  private_key=key_paths(app_paths.keys_folder())[0] if args.sign else None)
    if args.json:
        _print_json(manifest)
        return 0
    signed = tr(", signé") if "signature" in manifest else ""
    print(tr("Instantané écrit dans {file}{signed} : empreinte {digest}, journal d'audit jusqu'à l'entrée {seq}.",
             file=args.output, signed=signed, digest=manifest["digest"][:16] + "…",
             seq=manifest["audit_head"]["seq"]))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from portfolio.services.snapshot import signature_words, verify_snapshot

    expected = None
    if args.public_key is not None:
        key = Path(args.public_key).expanduser()
        try:
            expected = key.read_text(encoding="ascii").strip() if key.is_file() else str(args.public_key)
        except UnicodeDecodeError:
            raise UsageError(tr("« {file} » n'est pas une clé publique (le fichier .pub de « portfolio keys "
                                "init »)", file=str(key))) from None
    result = verify_snapshot(args.snapshot.expanduser(), expected)
    if args.json:
        _print_json(result.as_json())
    elif result.intact:
        print(tr("Instantané {what} — écrit le {at} par {author}.", what=signature_words(result),
                 at=str(result.manifest.get("created_utc", "?")), author=result.manifest.get("author", "?")))
    else:
        for problem in result.problems:
            print(problem, file=sys.stderr)
    return 0 if result.intact else 1


def _euros_text(value: Any) -> str:
    from decimal import Decimal

    return format_eur(int(Decimal(str(value)) * 100)) if value is not None else "—"


_SHOW_FIGURE: dict[str, Callable[[Any], str]] = {  # a key figure's format, by its kind (services.snapshot_diff)
    "int": lambda v: format_int(v), "money": _euros_text, "share": lambda v: format_percent(float(v)),
}


def cmd_diff(args: argparse.Namespace) -> int:
    from portfolio.services.fields import field_spec
    from portfolio.services.snapshot_diff import EXAMPLES, FIGURES, describe_change, diff_snapshots

    def field_label(entity: str, name: str) -> str:
        return field_spec(entity, name).label

    result = diff_snapshots(args.old.expanduser(), args.new.expanduser())
    if args.json:
        _print_json(result.as_json())
        return 0
    print(tr("Chiffres clés : {old} → {new}", old=args.old.name, new=args.new.name))
    for name, (old, new) in result.figures.items():
        label, kind = FIGURES.get(name, (name, ""))
        shown = _SHOW_FIGURE.get(kind, str)
        mark = "" if old == new else "  *"
        print(f"  {tr(label).ljust(30)} {shown(old).rjust(20)}  {shown(new).rjust(20)}{mark}")
    changed = [(entity, diff) for entity, diff in result.entities.items() if not diff.empty]
    print()
    if not changed:
        print(tr("Aucune fiche ajoutée, modifiée ni supprimée."))
    for entity, diff in changed:
        print(describe_change(entity, diff))
        for name in diff.added[:EXAMPLES]:
            print(f"  + {name}")
        for name in diff.removed[:EXAMPLES]:
            print(f"  - {name}")
        for name, changes in diff.changed[:EXAMPLES]:
            details = "; ".join(f"{field_label(entity, f)} : {old!s} → {new!s}" for f, old, new in changes[:4])
            print(f"  ~ {name} ({details})")
    return 0
