"""`portfolio check`: the file's and the audit chain's integrity, and `--accept` for a file changed outside the
application but sound."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.db.locations import is_url
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int


def cmd_check(args: argparse.Namespace) -> int:
    from portfolio.db.seal import accept_as_is, backups_dir
    from portfolio.services.integrity import check_file, check_server, unsigned_entries

    path = _db_path(args)
    if is_url(path) and args.accept:
        raise UsageError(tr("--accept concerne un fichier : une base sur un serveur n'a pas de sceau"))
    report = check_server(path) if is_url(path) else check_file(path)
    if args.accept:
        if not report.sound:  # a trail that no longer explains the data, a schema changed: never accepted
            for problem in report.problems(seal=False):
                print(problem, file=sys.stderr)
            print(tr("Rien n'a été accepté : le fichier n'est pas sain. Restaurez une sauvegarde (« portfolio "
                     "restore »)."), file=sys.stderr)
            return 1
        for line in _accepted(unsigned_entries(path, report)):
            print(line)
        if not accept_as_is(path):  # the file as it is becomes the one the application left
            raise UsageError(tr("le sceau de « {file} » n'a pas pu être écrit : vérifiez que le dossier « {folder} » "
                                "accepte l'écriture et que la base n'est ouverte nulle part ailleurs.",
                                file=str(path), folder=str(backups_dir(path))))
        print(tr("Le fichier est accepté tel qu'il est : il s'ouvrira de nouveau normalement."))
        return 0
    if args.json:
        _print_json(report.as_dict())
    elif report.ok:
        print(tr("Base saine : schéma conforme, chaîne d'audit vérifiée ({n} entrées), chaque fiche conforme au "
                 "journal ({records} fiches) ; le serveur garde la structure et les références.",
                 n=format_int(report.chain.entries), records=format_int(report.replay.records)) if is_url(path) else
              tr("Base saine : intégrité SQLite correcte, schéma conforme, chaîne d'audit vérifiée ({n} entrées), "
                 "chaque fiche conforme au journal ({records} fiches).", n=format_int(report.chain.entries),
                 records=format_int(report.replay.records)))
        print(_signed_line(report))
        for note in report.notes:
            print(note)
    else:
        for problem in report.problems():
            print(problem, file=sys.stderr)
    return 0 if report.ok else 1


def _signed_line(report: Any) -> str:
    heads = report.heads
    if not heads.last_seq:
        unknown = tr(" (signée seulement par des clés inconnues : {keys})",
                     keys=", ".join(k[:16] + "…" for k in heads.unknown_signers)) if heads.unknown_signers else ""
        return tr("Tête du journal : jamais signée par une clé de confiance{unknown}.", unknown=unknown)
    since = report.chain.head_seq - heads.last_seq
    return tr("Tête du journal signée : entrée n° {seq}, le {when}, par {who}{since}.", seq=format_int(heads.last_seq),
              when=f"{heads.last_utc[8:10]}/{heads.last_utc[5:7]}/{heads.last_utc[:4]}", who=heads.last_signer,
              since=tr(" — {n} entrée(s) écrite(s) depuis", n=format_int(since)) if since > 0 else "")


def _accepted(entries: list[dict[str, Any]]) -> list[str]:
    """What `check --accept` keeps, said before it keeps it: the trail's entries written since its last signed
    head (by the application, or by whoever wrote the file), grouped by batch."""
    if not entries:
        return [tr("Aucune entrée du journal depuis sa dernière tête signée : les fiches sont celles que "
                   "l'application a laissées, seul le fichier a changé (réorganisé, copié…).")]
    lines = [tr("Entrées du journal écrites depuis sa dernière tête signée, gardées avec le fichier ({n}) :",
                n=format_int(len(entries)))]
    batches: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        batches.setdefault(entry["batch"], []).append(entry)
    for batch in list(batches.values())[:20]:
        first = batch[0]
        lines.append(tr("  n° {first} à {last}, le {when}, par {actor} ({source}) : {n} changement(s)",
                        first=batch[0]["seq"], last=batch[-1]["seq"], when=first["at_utc"][:19].replace("T", " "),
                        actor=first["actor"], source=first["source"], n=len(batch)))
        for entry in batch[:5]:
            lines.append(f"    {entry['operation']} {entry['entity']} {entry['record_uuid']}"
                         + (f" {entry['field']} : {entry['old_value']} → {entry['new_value']}" if entry["field"]
                            else ""))
    if len(batches) > 20:
        lines.append(tr("  … et {n} autres lots", n=len(batches) - 20))
    return lines
