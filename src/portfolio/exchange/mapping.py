"""Which column of a file holds which field: synonyms with a confidence, built-in profiles for the formats
officers receive, profiles saved per counterpart, and mappings given as JSON (``--map``).

A mapping is a dict ``column index -> field key`` plus defaults (the call the file's projects belong to
when the file does not say). Field keys name what an import can fill: ``org.*`` the beneficiary
organisation, ``project.*`` the laureate project (and its application), ``aid.*`` the aid committed to
the beneficiary, ``payment.*`` a payment (disbursement) to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.referential import fold

from .table import header_key

# key -> French label (shown in the wizard and in messages)
FIELDS: dict[str, str] = {
    "org.name": N_("Bénéficiaire : raison sociale"),
    "org.company_id": N_("Bénéficiaire : SIREN ou SIRET"),
    "org.siret": N_("Bénéficiaire : SIRET"),
    "org.siren": N_("Bénéficiaire : SIREN"),
    "org.rna": N_("Bénéficiaire : numéro RNA (association)"),
    "org.identifier": N_("Bénéficiaire : identifiant org-id.guide (FR-RCS-…, GB-CHC-…)"),
    "org.typology": N_("Bénéficiaire : typologie"),
    "org.region": N_("Bénéficiaire : région"),
    "org.department": N_("Bénéficiaire : département"),
    "org.city": N_("Bénéficiaire : ville"),
    "project.acronym": N_("Projet : acronyme (nom court)"),
    "project.title": N_("Projet : titre ou objet"),
    "project.reference": N_("Projet : référence de la décision"),
    "project.call": N_("Projet : appel à projets ou procédure"),
    "project.operator": N_("Projet : opérateur"),
    "project.region": N_("Projet : région (complète celle du bénéficiaire si elle manque)"),
    "project.decision_on": N_("Projet : date de décision"),
    "project.agreement_on": N_("Projet : date de convention"),
    "project.period": N_("Projet : période (début et fin)"),
    "project.start_on": N_("Projet : date de début"),
    "project.end_on": N_("Projet : date de fin"),
    "project.identifier": N_("Projet : identifiant commun à ses aides (activité liée)"),
    "project.label": N_("Projet : acronyme et titre (« ACRONYME — Titre »)"),
    "aid.grant": N_("Aide : subvention"),
    "aid.advance": N_("Aide : avance remboursable"),
    "aid.total": N_("Aide : montant total"),
    "aid.grant_total": N_("Aide : montant total de la subvention, avant répartition entre bénéficiaires"),
    "aid.share": N_("Aide : part du bénéficiaire (0 à 1)"),
    "aid.part": N_("Aide : nature (subvention ou avance remboursable)"),
    "aid.identifier": N_("Aide : identifiant de la subvention (360Giving)"),
    "aid.currency": N_("Aide : devise des montants"),
    "aid.disbursed": N_("Aide : montant versé"),
    "aid.emerging": N_("Aide : acteur émergent (oui ou non)"),
    "payment.amount": N_("Versement : montant payé"),
    "payment.paid_on": N_("Versement : date de paiement"),
    "payment.reference": N_("Versement : référence (n° de demande de paiement)"),
    "payment.grant": N_("Versement : identifiant de la subvention qu'il paie (360Giving)"),
    "payment.identifier": N_("Versement : identifiant (360Giving)"),
    "payment.currency": N_("Versement : devise"),
}

# folded synonyms of each field, French and English (the header itself, folded, is compared with these)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "org.name": ("beneficiaire", "nom beneficiaire", "nombeneficiaire", "raison sociale", "nom de la structure",
                 "structure", "nom association", "organisme", "porteur", "nom du porteur", "recipient org name",
                 "recipient name", "organisation name", "organization name", "beneficiary", "company name"),
    "org.company_id": ("siren siret", "siret siren", "idbeneficiaire", "id beneficiaire", "identifiant beneficiaire",
                       "recipient org identifier", "recipient org company number", "company number"),
    "org.siret": ("siret", "n siret", "numero siret", "siret beneficiaire", "code taxe 1"),
    "org.siren": ("siren", "n siren", "numero siren"),
    "org.rna": ("rna", "numero rna", "n rna", "rnabeneficiaire", "rna beneficiaire"),
    "org.typology": ("typologie", "typologie normee", "type de structure", "categorie juridique", "type beneficiaire",
                     "recipient org type", "organisation type"),
    "org.region": ("region", "regions", "region du siege", "recipient org region", "region name"),
    "org.department": ("departement", "localisation geographique du siege social", "departement du siege",
                       "code departement", "department"),
    "org.city": ("ville", "commune", "city", "recipient org city", "localite"),
    "project.acronym": ("nom du projet", "acronyme", "acronym", "projet", "nom projet"),
    "project.title": ("titre du projet", "titre", "objet", "intitule", "intitule du projet", "title",
                      "description", "project title"),
    "project.reference": ("referencedecision", "reference decision", "reference de la decision", "n dcm",
                          "identifier", "grant identifier", "numero de convention", "n convention"),
    "project.call": ("procedure", "appel a projets", "appel", "dispositifaide", "dispositif aide", "dispositif",
                     "grant programme title", "programme", "call"),
    "project.operator": ("operateur", "nomattribuant", "nom attribuant", "nom de l attribuant", "attribuant",
                         "funding org name", "operator", "funder"),
    "project.decision_on": ("date de la dpm", "date de decision", "date decision", "dcm date", "award date",
                            "date d attribution", "decision date"),
    "project.agreement_on": ("dateconvention", "date convention", "date de convention", "date de la convention",
                             "agreement date"),
    "project.period": ("datesperiodeversement", "dates periode versement", "periode", "periode de versement"),
    "project.start_on": ("date de debut", "debut", "planned dates start date", "start date"),
    "project.end_on": ("date de fin", "fin", "planned dates end date", "end date"),
    "aid.grant": ("montant de subvention en", "montant de subvention", "subvention", "montant subvention",
                  "accorde", "montant accorde", "grant amount"),
    "aid.advance": ("montant d avance remboursable en", "montant d avance remboursable", "avance remboursable",
                    "avance", "repayable advance"),
    "aid.total": ("montant de l aide en", "montant de l aide", "montant", "montant total", "amount awarded",
                  "amount", "total"),
    "aid.share": ("pourcentagesubvention", "pourcentage subvention", "part du beneficiaire"),
    "aid.currency": ("devise", "currency", "monnaie"),
    "aid.emerging": ("acteur emergent",),
    "payment.amount": ("montant paye", "eur", "montant du paiement", "amount paid"),
    "payment.paid_on": ("date de derniere operation sur la dp", "date de paiement", "date paiement",
                        "transaction date"),
    "payment.reference": ("n dp", "numero de dp", "reference du paiement", "transaction identifier"),
}


class MappingError(PortfolioError):
    """A mapping file or profile that cannot be used; the message says why."""


@dataclass
class ColumnMapping:
    """Column index -> field key, with the confidence of each guess, and the mapping's defaults."""

    columns: dict[int, str] = field(default_factory=dict)
    confidence: dict[int, float] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # e.g. {"call": "PEPR-SN"}
    profile: str | None = None

    def column_of(self, key: str) -> int | None:
        """The column mapped to a field, if any."""
        for column, mapped in self.columns.items():
            if mapped == key:
                return column
        return None

    def as_json(self, headers: Sequence[str]) -> dict[str, Any]:
        """The mapping as a ``--map`` file holds it (headers by name)."""
        return {"columns": {headers[c]: k for c, k in sorted(self.columns.items())}, "defaults": self.defaults}



@dataclass(frozen=True)
class Profile:
    """A known layout: the headers (folded) that identify it and the field of each."""

    name: str
    label: str
    columns: Mapping[str, str]  # folded header -> field key
    signature: tuple[str, ...]  # folded headers that must all be present
    defaults: Mapping[str, Any] = field(default_factory=dict)


# SCDL: "montant" is the grant's total before it is split between its beneficiaries, "pourcentageSubvention" each
# one's share; "datesPeriodeVersement" is a payment period (never the project's dates: not read)
_SCDL_1 = {"nomattribuant": "project.operator", "idattribuant": "", "dateconvention": "project.agreement_on",
           "referencedecision": "project.reference", "nombeneficiaire": "org.name",
           "idbeneficiaire": "org.company_id", "rnabeneficiaire": "org.rna", "objet": "project.title",
           "montant": "aid.grant_total", "nature": "", "conditionsversement": "", "datesperiodeversement": "",
           "idrae": "", "notificationue": "", "pourcentagesubvention": "aid.share",
           "nom de l attribuant": "project.operator"}

BUILT_IN: dict[str, Profile] = {p.name: p for p in (
    Profile("france2030", N_("Liste des bénéficiaires France 2030"), {
        "date de la dpm": "project.decision_on", "operateur": "project.operator", "procedure": "project.call",
        "nom du projet": "project.acronym", "beneficiaire": "org.name",
        "siren siret en bleu clair en cours de recherche ou en cours d integration dans le si": "org.company_id",
        "siren siret": "org.company_id", "typologie normee": "org.typology", "regions": "project.region",
        "localisation geographique du siege social": "org.department",
        "montant de subvention en": "aid.grant", "montant d avance remboursable en": "aid.advance",
        "montant de l aide en": "aid.total", "acteur emergent": "aid.emerging",
        "acteur emergent a partir de 2023 historique en cours de traitement": "aid.emerging"},
        ("date de la dpm", "procedure", "nom du projet", "beneficiaire")),
    Profile("scdl-2", N_("SCDL subventions 2.x"), {**_SCDL_1, "dispositifaide": "project.call"},
            ("nombeneficiaire", "idbeneficiaire", "montant", "dispositifaide")),
    Profile("scdl-1", N_("SCDL subventions 1.x"), _SCDL_1, ("nombeneficiaire", "idbeneficiaire", "montant")),
    # 360Giving: a grant's "Identifier" finds the portfolio's aid it was written from; "Amount Disbursed" is what was
    # paid; "Company Number" is the UK register's (not read); any currency but the euro needs a rate
    Profile("360giving", N_("360Giving (subventions)"), {
        "identifier": "aid.identifier", "title": "project.label", "description": "project.title",
        "currency": "aid.currency", "amount awarded": "aid.total", "amount disbursed": "aid.disbursed",
        "award date": "project.decision_on", "recipient org identifier": "org.identifier",
        "recipient org company number": "", "recipient org name": "org.name", "recipient org city": "org.city",
        "funding org name": "project.operator", "grant programme code": "project.call",
        "grant programme title": "project.call", "planned dates start date": "project.start_on",
        "planned dates end date": "project.end_on", "funding type code": "aid.part",
        "related activity": "project.identifier"},
        ("identifier", "amount awarded", "recipient org name")),
    # 360Giving's transactions: each paid tranche, under the identifier of the grant it pays
    Profile("360giving-transactions", N_("360Giving (versements)"), {
        "identifier": "payment.grant", "disbursementtransaction 0 id": "payment.identifier",
        "disbursementtransaction 0 transactiondate": "payment.paid_on",
        "disbursementtransaction 0 value": "payment.amount", "disbursementtransaction 0 currency": "payment.currency"},
        ("identifier", "disbursementtransaction 0 value")),
    Profile("chorus-paiements", N_("Chorus : paiements (INF-BUD-53)"), {
        "n dp": "payment.reference", "date de derniere operation sur la dp": "payment.paid_on",
        "code taxe 1": "org.siret", "eur": "payment.amount"},
        ("n dp", "date de derniere operation sur la dp", "code taxe 1")),
)}


def known_headers() -> set[str]:
    """Every folded header the synonyms and profiles recognise (helps find the header row)."""
    known = {s for synonyms in SYNONYMS.values() for s in synonyms}
    for profile in BUILT_IN.values():
        known.update(profile.columns)
    return known


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text))


def suggest(headers: Sequence[str]) -> ColumnMapping:
    """A mapping guessed from synonyms: exact synonym 0.9, a synonym's words all in the header 0.6 (the longest
    synonym wins). Each field goes to its most confident column; ties to the leftmost."""
    candidates: list[tuple[float, int, int, str]] = []  # (confidence, synonym length, -column, field)
    for column, header in enumerate(headers):
        key = header_key(header)
        words = _words(key)
        for field_key, synonyms in SYNONYMS.items():
            for synonym in synonyms:
                if key == synonym:
                    candidates.append((0.9, len(synonym), -column, field_key))
                elif _words(synonym) <= words and len(synonym) >= 4:
                    candidates.append((0.6, len(synonym), -column, field_key))
    mapping = ColumnMapping()
    for confidence, _, negative_column, field_key in sorted(candidates, reverse=True):
        column = -negative_column
        if column in mapping.columns or mapping.column_of(field_key) is not None:
            continue
        mapping.columns[column] = field_key
        mapping.confidence[column] = confidence
    return mapping


def detect_profile(headers: Sequence[str]) -> Profile | None:
    """The built-in profile whose identifying headers are all in the file (the most specific first)."""
    keys = {header_key(h) for h in headers}
    for profile in BUILT_IN.values():
        if all(s in keys for s in profile.signature):
            return profile
    return None


def from_profile(profile: Profile, headers: Sequence[str]) -> ColumnMapping:
    """The mapping a profile gives for these headers (confidence 1); the other columns are left unmapped (a
    profile says what its format's columns mean; a guess on the rest is for the user to make)."""
    mapping = ColumnMapping(profile=profile.name, defaults=dict(profile.defaults))
    used: set[str] = set()
    for column, header in enumerate(headers):
        key = header_key(header)
        if key in profile.columns:
            field_key = profile.columns[key]
            if field_key and field_key not in used:
                mapping.columns[column] = field_key
                mapping.confidence[column] = 1.0
                used.add(field_key)
    return mapping


def from_json(data: Mapping[str, Any], headers: Sequence[str], base: ColumnMapping | None = None,
              source: str = "") -> ColumnMapping:
    """A mapping given as JSON: ``{"columns": {"header in the file": "field key" or null}, "defaults": {...}}``.
    Listed columns override ``base`` (null unmaps a column); unlisted ones keep ``base``'s guess."""
    mapping = ColumnMapping(dict(base.columns), dict(base.confidence), dict(base.defaults), base.profile) if base \
        else ColumnMapping()
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise MappingError(tr("{source} : « columns » doit associer des noms de colonnes à des champs.",
                              source=source))
    by_key = {header_key(h): i for i, h in enumerate(headers)}
    for header, field_key in columns.items():
        if field_key is not None and not isinstance(field_key, str):
            raise MappingError(tr("{source} : la colonne « {header} » doit être associée à un nom de champ (ou null).",
                                  source=source, header=header))
        index = by_key.get(header_key(header))
        if index is None:
            raise MappingError(tr("{source} : la colonne « {header} » n'est pas dans le fichier (colonnes : "
                                  "{headers}).", source=source, header=header, headers=", ".join(headers)))
        if field_key in (None, ""):
            mapping.columns.pop(index, None)
            mapping.confidence.pop(index, None)
            continue
        if field_key not in FIELDS:
            raise MappingError(tr("{source} : champ inconnu « {field} » (champs possibles : {fields}).",
                                  source=source, field=field_key, fields=", ".join(FIELDS)))
        for other in [c for c, k in mapping.columns.items() if k == field_key]:
            del mapping.columns[other]
        mapping.columns[index] = field_key
        mapping.confidence[index] = 1.0
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise MappingError(tr("{source} : « defaults » doit être un objet.", source=source))
    if not isinstance(defaults.get("call", ""), str):
        raise MappingError(tr("{source} : « call » doit être le code d'un appel.", source=source))
    calls = defaults.get("calls", {})
    if not isinstance(calls, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in calls.items()):
        raise MappingError(tr("{source} : « calls » doit associer des noms d'appels du fichier à des codes d'appels.",
                              source=source))
    mapping.defaults.update(defaults)
    return mapping


def load_json(path: Path) -> dict[str, Any]:
    """A ``--map`` file, or MappingError with the reason."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(tr("Impossible de lire « {path} » : {error}.", path=path, error=exc.strerror or exc)) \
            from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise MappingError(tr("« {path} » n'est pas un fichier JSON valide : {error}.", path=path, error=exc)) \
            from exc
    if not isinstance(data, dict):
        raise MappingError(tr("« {path} » doit contenir un objet JSON.", path=path))
    return data


# --- profiles saved per counterpart -------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "profil"


def save_profile(folder: Path, name: str, mapping: ColumnMapping, headers: Sequence[str]) -> Path:
    """Saves a corrected mapping as the profile of a counterpart (offered again for files with these headers)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_slug(name)}.json"
    data = {"name": name, "signature": sorted({header_key(h) for h in headers if header_key(h)}),
            **mapping.as_json(headers)}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)
    return path


def saved_profiles(folder: Path) -> list[dict[str, Any]]:
    """The saved profiles (unreadable files are skipped: a profile is a convenience, never a blocker)."""
    profiles = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("signature"), list):
            profiles.append(data)
    return profiles


def find_saved_profile(folder: Path, headers: Sequence[str], name: str | None = None) -> dict[str, Any] | None:
    """The saved profile named ``name``, or the one saved for files with exactly these headers."""
    keys = sorted({header_key(h) for h in headers if header_key(h)})
    for data in saved_profiles(folder):
        if name is not None:
            if fold(str(data.get("name", ""))) == fold(name) or _slug(str(data.get("name", ""))) == _slug(name):
                return data
        elif data["signature"] == keys:
            return data
    return None


def choose_mapping(headers: Sequence[str], *, profile: str | None = None, map_data: Mapping[str, Any] | None = None,
                   profiles_folder: Path | None = None, map_source: str = "") -> ColumnMapping:
    """The mapping of a file: the named profile (built-in or saved), else a saved profile for these headers,
    else a detected built-in profile, else synonyms; then the ``--map`` data on top."""
    mapping: ColumnMapping | None = None
    if profile is not None:
        if profile in BUILT_IN:
            mapping = from_profile(BUILT_IN[profile], headers)
        else:
            saved = find_saved_profile(profiles_folder, headers, profile) if profiles_folder else None
            if saved is None:
                raise MappingError(tr("Profil inconnu : « {name} » (profils intégrés : {names}).", name=profile,
                                      names=", ".join(BUILT_IN)))
            mapping = from_json(saved, headers, suggest(headers), source=str(saved.get("name")))
            mapping.profile = str(saved.get("name"))
    elif profiles_folder is not None and (saved := find_saved_profile(profiles_folder, headers)) is not None:
        mapping = from_json(saved, headers, suggest(headers), source=str(saved.get("name")))
        mapping.profile = str(saved.get("name"))
    else:
        detected = detect_profile(headers)
        mapping = from_profile(detected, headers) if detected else suggest(headers)
    if map_data is not None:
        mapping = from_json(map_data, headers, mapping, source=map_source)
    return mapping
