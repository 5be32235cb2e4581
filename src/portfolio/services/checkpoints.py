"""Signed seals and signed heads of the audit trail (issue #18): what someone who can write the database file
cannot forge.

The chain of hashes proves that the trail was not changed, to anyone who cannot compute SHA-256 again; whoever can
write the file can rewrite the chain and the seal. Three things they cannot do without the officer's private key
(Ed25519, `portfolio keys init`, created at the first seal when missing; readable by its owner only):

- **the seal is signed**: at each closing the seal (the file's SHA-256) carries the officer's signature; a seal
  written again by another program has none, or one that does not verify, or one by a key this user does not trust
  (`portfolio keys trust`), and the file is refused as changed outside the application;
- **the trail's head is signed**: at each closing the last entry's number and hash are signed and kept in the file
  (table ``audit_checkpoint``, append-only) and, in the officer's own profile, the last head signed for that file
  (``tetes-signees.json`` in the keys folder); a chain rewritten before a signed head no longer matches it, a tail
  cut after it is missing, signed heads deleted from the file are still in the profile;
- on a team's server, heads signed by its administrator's key (``portfolio server sign``), which officers do not
  hold: officers can append entries, never rewrite what an administrator signed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portfolio.db import seal as seal_module
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from . import app_paths
from .signing_keys import init_keys, key_paths, load_private_key, load_public_key, public_key_text

if TYPE_CHECKING:  # (cryptography is imported where a key is used: not at start-up)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from portfolio.db.store import Store

HEAD_FORMAT = "portfolio-tete-signee/1"
SEAL_FORMAT = "portfolio-sceau/1"
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- keys ----------------------------------------------------------------------------------------------------


def officer_key(create: bool = True) -> Ed25519PrivateKey | None:
    """The officer's private key, created (readable by its owner only) when there is none and ``create``; None
    when it cannot be read or made (a profile that cannot be written): nothing is signed then."""
    folder = app_paths.keys_folder()
    private = key_paths(folder)[0]
    try:
        if not private.is_file():
            if not create:
                return None
            init_keys(folder)
        return load_private_key(private)
    except (OSError, PortfolioError):
        return None


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The base64 text of a private or public Ed25519 key's public half."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return public_key_text(key.public_key() if isinstance(key, Ed25519PrivateKey) else key)


def trusted_keys() -> dict[str, str]:
    """The public keys this user trusts (base64 -> a name): their own, and those added by `portfolio keys trust`."""
    trusted: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        for entry in json.loads(app_paths.trusted_keys_file().read_text(encoding="utf-8")).get("cles", []):
            trusted[str(entry["cle"])] = str(entry["nom"])
    own = officer_key(create=False)
    if own is not None:
        trusted[public_text(own)] = tr("votre clé")
    return trusted


def trust_key(text: str, name: str) -> str:
    """Adds a public key (base64, or the .pub file of `keys init`) to the keys this user trusts, under ``name``;
    returns the key. Refuses text that is not an Ed25519 public key."""
    key = public_text(load_public_key(text))
    path = app_paths.trusted_keys_file()
    entries = []
    with contextlib.suppress(OSError, ValueError, AttributeError):
        entries = [e for e in json.loads(path.read_text(encoding="utf-8")).get("cles", []) if e.get("cle") != key]
    entries.append({"nom": name, "cle": key, "ajoutee_le": _now()})
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, {"cles": entries})
    return key


def signer_name(key: str, trusted: dict[str, str] | None = None) -> str | None:
    """Whose key this is, for messages: the name it was trusted under, or None for an unknown key."""
    return (trusted if trusted is not None else trusted_keys()).get(key)


def _sign(private: Ed25519PrivateKey, content: dict[str, Any]) -> str:
    return base64.b64encode(private.sign(_ENCODER.encode(content).encode("utf-8"))).decode("ascii")


def _verifies(key_text: str, signature: str, content: dict[str, Any]) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        load_public_key(key_text).verify(base64.b64decode(signature, validate=True),
                                         _ENCODER.encode(content).encode("utf-8"))
    except (InvalidSignature, PortfolioError, ValueError, TypeError):
        return False
    return True


def _day(utc: str) -> str:
    """An ISO time as the French day it fell on: 06/12/2026."""
    return f"{utc[8:10]}/{utc[5:7]}/{utc[:4]}" if len(utc) >= 10 else utc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_private(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False, indent=1))
    os.replace(temporary, path)


# --- the register: the last head this user signed for each file ------------------------------------------------


def _register() -> dict[str, Any]:
    try:
        content = json.loads(app_paths.signed_heads_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def registered(path: Path) -> dict[str, Any] | None:
    """What this user's profile remembers of the file at ``path``: the last head signed at its seal."""
    entry = _register().get(str(path.resolve()))
    return entry if isinstance(entry, dict) else None


def _remember(path: Path, entry: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        register = _register()
        register[str(path.resolve())] = entry
        register_file = app_paths.signed_heads_file()
        register_file.parent.mkdir(parents=True, exist_ok=True)
        _write_private(register_file, register)


def forget_file(path: Path) -> None:
    """Drops what the profile remembers of ``path`` (a backup restored there: its trail is an earlier one)."""
    with contextlib.suppress(OSError):
        register = _register()
        if register.pop(str(path.resolve()), None) is not None:
            _write_private(app_paths.signed_heads_file(), register)


# --- signed seals ------------------------------------------------------------------------------------------------


def sign_seal(path: Path, content: dict[str, object]) -> dict[str, object]:
    """The seal's content with the officer's signature (db.seal calls it at each closing)."""
    private = officer_key()
    if private is None:
        return content
    signed = {"format": SEAL_FORMAT, "sha256": content["sha256"], "size": content["size"]}
    entry = registered(path) or {}
    _remember(path, {**entry, "sceau_signe": True})
    return {**content, "signer": public_text(private), "signature": _sign(private, signed)}


def seal_signature_problem(path: Path, seal: dict[str, object]) -> str | None:
    """What is wrong with a seal's signature (db.seal calls it at each opening once the digest matched): a
    signature that does not verify; or, for a file this user sealed at this path, a seal now unsigned or signed by
    a key they do not trust (another program wrote it). A seal merely unsigned or by an unknown key on a file that
    comes from elsewhere is not wrong: the opening checks such a file in full (``vouched_for``)."""
    signature, signer = seal.get("signature"), seal.get("signer")
    if signature:
        signed = {"format": SEAL_FORMAT, "sha256": seal.get("sha256"), "size": seal.get("size")}
        if not _verifies(str(signer), str(signature), signed):
            return tr("la signature de son sceau ne correspond pas : le sceau a été refait par un autre programme")
        if signer_name(str(signer)) is not None:
            return None
    entry = registered(path)
    if not (entry and entry.get("sceau_signe")):
        return None  # a seal from before seals were signed, or a colleague's file: checked in full at opening
    if not signature:
        return tr("son sceau a été remplacé par un sceau sans signature (l'application signe chaque sceau qu'elle "
                  "écrit) : le fichier a été changé, puis son empreinte recalculée, par un autre programme")
    return tr("son sceau est signé par une clé que vous n'avez pas déclarée de confiance ({key}), alors que vous "
              "l'aviez scellée vous-même : le fichier a été changé, puis scellé de nouveau, par un autre programme",
              key=str(signer)[:16] + "…")


def vouched_for(path: Path) -> bool:
    """True when the file's seal is signed by a key this user trusts (the seal's digest is checked by the opening):
    any other file (no seal, an unsigned seal, a seal by an unknown key) is checked in full before it is used."""
    seal = seal_module.stored_seal(path)
    if not seal or seal is seal_module.UNREADABLE or not seal.get("signature"):
        return False
    signed = {"format": SEAL_FORMAT, "sha256": seal.get("sha256"), "size": seal.get("size")}
    return (signer_name(str(seal.get("signer"))) is not None
            and _verifies(str(seal.get("signer")), str(seal.get("signature")), signed))


seal_module.use_signatures(sign_seal, seal_signature_problem)


# --- signed heads of the trail -------------------------------------------------------------------------------------


def identity(connection: Any) -> str:
    """What tells this trail from any other: the hash of its first entry ("" for an empty trail)."""
    row = connection.execute("SELECT hash FROM audit_entry WHERE seq = 1").fetchone()
    return str(row[0]) if row else ""


def _head_content(kind: str, trail: str, seq: int, head: str, signed_utc: str) -> dict[str, Any]:
    return {"format": HEAD_FORMAT, "kind": kind, "trail": trail, "seq": seq, "hash": head, "signed_utc": signed_utc}


def sign_head(db: Store, kind: str = "sceau", private: Ed25519PrivateKey | None = None) -> dict[str, Any] | None:
    """Signs the trail's head (its last entry's number and hash) and keeps the signature in the database (and, for
    a file, in the officer's profile); nothing when the head is already signed by this key, or the trail empty.
    ``private``: the key (a server's administrator's); the officer's by default."""
    private = private if private is not None else officer_key()
    if private is None or db.readonly:
        return None
    signer = public_text(private)
    with db.write() as session:
        connection = raw_connection(session)
        last = connection.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            return None
        seq, head = int(last[0]), str(last[1])
        signed = connection.execute("SELECT 1 FROM audit_checkpoint WHERE seq = ? AND hash = ? AND signer = ?",
                                    (seq, head, signer)).fetchone()
        trail = identity(connection)
        now = _now()
        if signed is None:
            signature = _sign(private, _head_content(kind, trail, seq, head, now))
            connection.execute("INSERT INTO audit_checkpoint (seq, hash, signed_utc, kind, signer, signature) "
                               "VALUES (?, ?, ?, ?, ?, ?)", (seq, head, now, kind, signer, signature))
    if db.is_file:
        path = Path(db.path)
        _remember(path, {**(registered(path) or {}), "trail": trail, "seq": seq, "hash": head,
                         "signed_utc": now, "signer": signer})
    return {"seq": seq, "hash": head}


@dataclass
class HeadsReport:
    """What the signed heads say of the trail."""

    problems: list[str] = field(default_factory=list)
    signed: int = 0  # signed heads that verify
    last_seq: int = 0  # the newest head signed by a trusted key
    last_utc: str = ""
    last_signer: str = ""
    unknown_signers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"signed": self.signed, "last_seq": self.last_seq, "last_signed_utc": self.last_utc,
                "last_signer": self.last_signer, "unknown_signers": self.unknown_signers, "problems": self.problems}


def verify_heads(session: Any, path: Path | None = None) -> HeadsReport:
    """Checks every signed head against the trail: each signature verifies, by a known key, over an entry that
    is still there with that hash; and, for a file, the last head this user signed for it is still in it."""
    report = HeadsReport()
    connection = raw_connection(session)
    trusted = trusted_keys()
    trail = identity(connection)
    hashes: dict[int, str] = {}
    rows = connection.execute("SELECT seq, hash, signed_utc, kind, signer, signature FROM audit_checkpoint "
                              "ORDER BY seq").fetchall()
    mine = _mine(path, trail)
    wanted = sorted({int(row[0]) for row in rows} | ({int(mine["seq"])} if mine else set()))
    for seq in wanted:
        found = connection.execute("SELECT hash FROM audit_entry WHERE seq = ?", (seq,)).fetchone()
        if found:
            hashes[seq] = str(found[0])
    for seq, head, signed_utc, kind, signer, signature in rows:
        seq = int(seq)
        if not _verifies(signer, signature, _head_content(kind, trail, seq, head, signed_utc)):
            report.problems.append(tr("Journal d'audit : la tête signée n° {seq} (du {when}) ne vérifie pas : elle a "
                                      "été écrite ou modifiée sans la clé qui la signe.", seq=seq,
                                      when=_day(signed_utc)))
            continue
        name = signer_name(signer, trusted)
        if seq not in hashes:
            report.problems.append(tr("Journal d'audit : l'entrée n° {seq}, signée le {when} par {who}, a été "
                                      "supprimée.", seq=seq, when=_day(signed_utc), who=name or signer[:16] + "…"))
            continue
        if hashes[seq] != head:
            report.problems.append(tr("Journal d'audit : le journal a été réécrit : l'entrée n° {seq} n'est plus celle "
                                      "que {who} a signée le {when}.", seq=seq, when=_day(signed_utc),
                                      who=name or signer[:16] + "…"))
            continue
        report.signed += 1
        if name is None:
            if signer not in report.unknown_signers:
                report.unknown_signers.append(signer)
            continue
        if seq >= report.last_seq:
            report.last_seq, report.last_utc, report.last_signer = seq, signed_utc, name
    if mine:
        entry = mine
        seq = int(entry["seq"])
        if hashes.get(seq) != entry.get("hash"):
            report.problems.append(tr("Journal d'audit : à sa dernière fermeture par vous ({when}), son entrée n° "
                                      "{seq} avait une autre empreinte, ou n'est plus là : le journal a été réécrit "
                                      "ou tronqué depuis.", seq=seq, when=_day(str(entry.get("signed_utc", "")))))
        elif not any(int(row[0]) == seq and row[1] == entry.get("hash") for row in rows):
            report.problems.append(tr("Journal d'audit : la tête signée n° {seq} (votre dernière fermeture) a été "
                                      "retirée du fichier.", seq=seq))
    return report


def _mine(path: Path | None, trail: str) -> dict[str, Any] | None:
    """What this user's profile remembers (``registered``) of a signed head of this very trail at this path, or
    None."""
    if path is None:
        return None
    entry = registered(path)
    return entry if entry and entry.get("trail") == trail and isinstance(entry.get("seq"), int) else None
