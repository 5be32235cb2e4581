"""The officer's Ed25519 key pair: its files, its making, and reading keys back (issue #18).

Snapshots (services.snapshot) and seals and signed heads (services.checkpoints) are signed with it and verified
against it; both ask this module, which asks neither of them. The keys' folder is ``app_paths.keys_folder()``;
cryptography is imported where a key is used, not at start-up.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(PortfolioError):
    """A key pair that cannot be made (one is there already) or a key that cannot be read."""


def key_paths(folder: Path) -> tuple[Path, Path]:
    """(private key, public key) files of the officer's key pair in ``folder``."""
    return folder / "signature-ed25519.pem", folder / "signature-ed25519.pub"


def init_keys(folder: Path) -> str:
    """Creates the officer's Ed25519 key pair in ``folder`` (the private key readable by its owner only) and
    returns the public key (base64). Refuses to replace an existing pair: snapshots signed with it could no
    longer be told from forgeries."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = key_paths(folder)
    if private_path.exists():
        raise SigningKeyError(tr("Une paire de clés existe déjà dans « {folder} » : elle n'est pas remplacée (les "
                                 "instantanés qu'elle a signés ne seraient plus vérifiables).", folder=str(folder)))
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public = public_key_text(key.public_key())
    public_path.write_text(public + "\n", encoding="ascii")
    return public


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """A public key as base64 text (as `keys init` prints it and the .pub file holds)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its base64 text (as `keys init` prints it and the .pub file holds)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except Exception:
        raise SigningKeyError(tr("La clé publique « {key} » n'est pas une clé Ed25519 (44 caractères en base64).",
                                 key=text.strip()[:60])) from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM file (`keys init`'s); SigningKeyError when it is missing or is not one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(tr("Aucune clé de signature dans « {file} » : créez-la avec « portfolio keys init ».",
                                 file=str(path))) from None
    except ValueError:
        raise SigningKeyError(tr("« {file} » n'est pas une clé privée lisible.", file=str(path))) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(tr("« {file} » n'est pas une clé Ed25519.", file=str(path)))
    return key
