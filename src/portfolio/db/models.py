"""The portfolio's tables (SQLAlchemy 2 typed ORM).

Conventions, relied upon by the one door (services.changes) and the exchange layer:
- every record has an integer primary key ``id`` (internal), a stable ``uuid`` (the key shared with
  agencies' spreadsheets) and a ``row_version`` incremented by every change;
- money is integer cents in columns named ``*_cents``; dates are ``Date``;
- each editable column carries ``info={"label": ..., "kind": ...}``: the label shown to users and the
  kind of value, used for validation, display and mapping. Columns without a label are not editable;
- a searchable column says so in its info (``searchable=True``, or for a reference the referred record's
  column, ``searchable="name"``); the record's ``search_key`` holds the folded text of its searchable
  columns, and a ``*_key`` column the folded text of one column (``info={"folds": column}``), used to sort
  accent- and case-insensitively. The one door keeps both up to date; nobody edits them.
"""

from __future__ import annotations

import os
import time
from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UNPAID_TRANCHES = "ix_disbursement_unpaid_planned_on"  # a partial index: the tranches not paid yet
PROJECT_CHANGES = "ix_audit_project_at"  # a partial index: the trail's entries about projects, by date


def new_uuid() -> str:
    """A new record identifier as text: a time-ordered UUID (version 7, RFC 9562).

    Time-ordered rather than random (version 4): identifiers given one after the other sort one after the
    other, so SQLite appends them to the end of each uuid index instead of writing all over it. An import of
    100,000 rows creates 300,000 records and as many audit entries indexed by record: random identifiers made
    those index writes a fifth of the import's time. The last 74 bits stay random, so identifiers made on two
    laptops never collide. Ordered to the millisecond only (within one, at random); an identifier tells when
    its record was created, as the audit trail does anyway.
    """
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(os.urandom(10)) & _RANDOM_BITS | _VERSION_7
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# the 80 low bits: 4 bits of version, 12 random, 2 bits of variant, 62 random
_VERSION_7 = 0x7 << 76 | 0x2 << 62
_RANDOM_BITS = (1 << 80) - 1 & ~(0xF << 76) & ~(0x3 << 62)


def field(label: str, kind: str, **extra: object) -> dict[str, object]:
    """The ``info`` of an editable column: its French label and its kind of value."""
    return {"label": label, "kind": kind, **extra}


def search_key_column() -> Mapped[str]:
    """The folded text of a record's searchable columns (maintained by the one door, never edited)."""
    return mapped_column(Text, default="", server_default="", info={"search_key": True})


def folded_column(source: str) -> Mapped[str]:
    """The folded text of column ``source``, to sort on (maintained by the one door, never edited)."""
    return mapped_column(Text, default="", server_default="", info={"folds": source})


# money in cents: SQLite's INTEGER is 64-bit already (and the migrations made these columns INTEGER); a
# PostgreSQL server (team mode) needs bigint for a programme's budget in cents (above 2^31)
CENTS = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Base of every table."""


class Record(Base):
    """Columns shared by every record."""

    __abstract__ = True
    __entity__: str  # the entity's name in the door, the audit trail and the exchange files
    __label__: str  # French name of one record

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


# --- reference tables (editable) -------------------------------------------------------------


class Programme(Record):
    __tablename__ = "programme"
    __entity__ = "programme"
    __label__ = "Programme"
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    budget_cents: Mapped[int | None] = mapped_column(CENTS, info=field("Budget", "money"))


class Axis(Record):
    __tablename__ = "axis"
    __entity__ = "axis"
    __label__ = "Axe"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), info=field("Programme", "ref:programme"))
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=field("Ordre", "int"))
    valid_from: Mapped[date | None] = mapped_column(Date, info=field("Valide du", "date"))
    valid_to: Mapped[date | None] = mapped_column(Date, info=field("Valide jusqu'au", "date"))


class Action(Record):
    __tablename__ = "action"
    __entity__ = "action"
    __label__ = "Action"
    axis_id: Mapped[int] = mapped_column(ForeignKey("axis.id"), index=True, info=field("Axe", "ref:axis"))
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=field("Ordre", "int"))
    valid_from: Mapped[date | None] = mapped_column(Date, info=field("Valide du", "date"))
    valid_to: Mapped[date | None] = mapped_column(Date, info=field("Valide jusqu'au", "date"))
    # the France 2030 list's "Numéro objectif/levier" and "Nomenclature France 2030" (the objective's wording)
    f2030_objective: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                 info=field("Objectif ou levier France 2030", "text"))
    f2030_nomenclature: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                    info=field("Nomenclature France 2030", "text"))


class Operator(Record):
    __tablename__ = "operator"
    __entity__ = "operator"
    __label__ = "Opérateur"
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=field("Ordre", "int"))
    # the attributing body's SIRET: SCDL's idAttribuant, 360Giving's funder (FR-RCS-<SIREN>)
    siret: Mapped[str | None] = mapped_column(String(14), info=field("SIRET (attribuant)", "siret"))


class Call(Record):
    __tablename__ = "call"
    __entity__ = "call"
    __label__ = "Appel à projets"
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code", searchable=True))
    label: Mapped[str] = mapped_column(Text, info=field("Intitulé", "text", searchable=True))
    kind: Mapped[str] = mapped_column(String(32), default="AAP", info=field("Type (AAP, AMI, Grand Défi)", "text"))
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True, info=field("Action", "ref:action"))
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operator.id"), index=True, info=field("Opérateur", "ref:operator")
    )
    wave: Mapped[str] = mapped_column(String(32), default="", info=field("Vague / relève", "text"))
    stage: Mapped[str] = mapped_column(String(32), default="", info=field("Étape", "text"))
    opens_on: Mapped[date | None] = mapped_column(Date, info=field("Ouverture", "date"))
    closes_on: Mapped[date | None] = mapped_column(Date, info=field("Clôture", "date"))
    budget_cents: Mapped[int | None] = mapped_column(CENTS, info=field("Budget", "money"))
    # SCDL's dispositifAide: the call's identifier in data.gouv.fr's schema of aid schemes, when it has one
    aid_scheme_id: Mapped[str] = mapped_column(Text, default="", server_default="",
                                               info=field("Identifiant du dispositif d'aide (data.gouv.fr)", "text"))
    # SCDL's notificationUE: the call's aid is a de minimis aid notified to the European Commission (yes, no, or
    # not known: empty)
    eu_notified: Mapped[bool | None] = mapped_column(Boolean, info=field(
        "Aide notifiée à la Commission européenne", "bool"))
    search_key: Mapped[str] = search_key_column()


class Status(Record):
    """A status of an application, a project or a milestone; the lifecycle is in StatusTransition."""

    __tablename__ = "status"
    __entity__ = "status"
    __label__ = "Statut"
    __table_args__ = (UniqueConstraint("entity", "code"),)
    entity: Mapped[str] = mapped_column(String(32), info=field("Objet", "code"))
    code: Mapped[str] = mapped_column(String(32), info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=field("Ordre", "int"))
    is_final: Mapped[bool] = mapped_column(Boolean, default=False, info=field("Statut final", "bool"))


class StatusTransition(Record):
    __tablename__ = "status_transition"
    __entity__ = "status_transition"
    __label__ = "Transition de statut"
    __table_args__ = (UniqueConstraint("from_status_id", "to_status_id"),)
    from_status_id: Mapped[int] = mapped_column(ForeignKey("status.id"), info=field("De", "ref:status"))
    to_status_id: Mapped[int] = mapped_column(ForeignKey("status.id"), info=field("Vers", "ref:status"))


class Region(Record):
    __tablename__ = "region"
    __entity__ = "region"
    __label__ = "Région"
    code: Mapped[str] = mapped_column(String(3), unique=True, info=field("Code INSEE", "code"))
    iso_code: Mapped[str] = mapped_column(String(8), unique=True, info=field("Code ISO 3166-2", "code"))
    name: Mapped[str] = mapped_column(Text, info=field("Nom", "text"))
    abbreviations: Mapped[str] = mapped_column(
        Text, default="", info=field("Abréviations (séparées par « ; »)", "text")
    )
    overseas: Mapped[bool] = mapped_column(Boolean, default=False, info=field("Outre-mer", "bool"))


class Department(Record):
    __tablename__ = "department"
    __entity__ = "department"
    __label__ = "Département"
    code: Mapped[str] = mapped_column(String(3), unique=True, info=field("Code", "code"))
    name: Mapped[str] = mapped_column(Text, info=field("Nom", "text"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True, info=field("Région", "ref:region"))


class Typology(Record):
    __tablename__ = "typology"
    __entity__ = "typology"
    __label__ = "Typologie"
    code: Mapped[str] = mapped_column(String(32), unique=True, info=field("Code", "code"))
    label: Mapped[str] = mapped_column(Text, info=field("Libellé", "text"))
    is_company: Mapped[bool] = mapped_column(Boolean, default=False, info=field("Entreprise", "bool"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=field("Ordre", "int"))
    # the France 2030 list's "Typologie normée" wording ("Petites et moyennes entreprises"), beside ours
    list_label: Mapped[str] = mapped_column(Text, default="", server_default="",
                                            info=field("Libellé de la liste France 2030", "text"))


# --- the portfolio ------------------------------------------------------------------------------


class Organisation(Record):
    """A porteur: an applicant, beneficiary or partner legal entity."""

    __tablename__ = "organisation"
    __entity__ = "organisation"
    __label__ = "Structure"
    __table_args__ = (
        CheckConstraint("siren IS NULL OR length(siren) = 9", name="siren_9_digits"),
        CheckConstraint("siret IS NULL OR length(siret) = 14", name="siret_14_digits"),
        Index("ix_organisation_name", "name"),
        Index("ix_organisation_city_key", "city_key"),
        # the list sorted by name walks this index; a search scans it (narrower than the table) in that order
        Index("ix_organisation_name_search", "name_key", "search_key"),
    )
    name: Mapped[str] = mapped_column(Text, info=field("Raison sociale", "text", required=True, searchable=True))
    siren: Mapped[str | None] = mapped_column(String(9), index=True, info=field("SIREN", "siren", searchable=True))
    siret: Mapped[str | None] = mapped_column(String(14), index=True, info=field("SIRET", "siret", searchable=True))
    # an association's number in the Répertoire national des associations: W and 9 digits (SCDL's rnaBeneficiaire)
    rna: Mapped[str | None] = mapped_column(String(10), index=True, info=field("RNA (association)", "rna",
                                                                                searchable=True))
    # an organisation outside France: its org-id.guide identifier, scheme and number ("GB-CHC-1054154"), in place
    # of a SIRET
    foreign_id: Mapped[str | None] = mapped_column(Text, index=True, info=field(
        "Identifiant hors de France (org-id.guide)", "org_id", searchable=True))
    typology_id: Mapped[int | None] = mapped_column(
        ForeignKey("typology.id"), index=True, info=field("Typologie", "ref:typology")
    )
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id"), index=True, info=field("Région", "ref:region", searchable="name")
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id"), index=True, info=field("Département", "ref:department", searchable="name")
    )
    city: Mapped[str] = mapped_column(Text, default="", info=field("Ville", "text", searchable=True))
    name_key: Mapped[str] = folded_column("name")
    city_key: Mapped[str] = folded_column("city")
    search_key: Mapped[str] = search_key_column()


class Contact(Record):
    """A person at an organisation: personal data, kept in its own table (GDPR)."""

    __tablename__ = "contact"
    __entity__ = "contact"
    __label__ = "Contact"
    __table_args__ = (Index("ix_contact_last_name_key", "last_name_key"),)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Structure", "ref:organisation")
    )
    first_name: Mapped[str] = mapped_column(Text, default="", info=field("Prénom", "text", searchable=True))
    last_name: Mapped[str] = mapped_column(Text, info=field("Nom", "text", required=True, searchable=True))
    email: Mapped[str] = mapped_column(Text, default="", info=field("Courriel", "email", searchable=True))
    phone: Mapped[str] = mapped_column(Text, default="", info=field("Téléphone", "phone"))
    role: Mapped[str] = mapped_column(Text, default="", info=field("Fonction", "text", searchable=True))
    first_name_key: Mapped[str] = folded_column("first_name")
    last_name_key: Mapped[str] = folded_column("last_name")
    search_key: Mapped[str] = search_key_column()


class Application(Record):
    """A candidature: a submission to a call by a lead organisation and its partners."""

    __tablename__ = "application"
    __entity__ = "application"
    __label__ = "Candidature"
    __table_args__ = (Index("ix_application_acronym_key", "acronym_key"),)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True, info=field("Appel", "ref:call"))
    lead_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Porteur (chef de file)", "ref:organisation")
    )
    title: Mapped[str] = mapped_column(Text, info=field("Titre", "text", required=True, searchable=True))
    acronym: Mapped[str] = mapped_column(
        String(64), default="", index=True, info=field("Acronyme", "text", searchable=True)
    )
    reference: Mapped[str] = mapped_column(Text, default="", server_default="",
                                           info=field("Référence du dossier ou de la décision", "text"))
    submitted_on: Mapped[date | None] = mapped_column(Date, info=field("Date de dépôt", "date"))
    requested_cents: Mapped[int | None] = mapped_column(CENTS, info=field("Montant demandé", "money"))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("status.id"), index=True, info=field("Statut", "status:application")
    )
    title_key: Mapped[str] = folded_column("title")
    acronym_key: Mapped[str] = folded_column("acronym")
    search_key: Mapped[str] = search_key_column()


class ApplicationPartner(Record):
    """An organisation's role in an application's consortium."""

    __tablename__ = "application_partner"
    __entity__ = "application_partner"
    __label__ = "Membre du consortium"
    __table_args__ = (
        UniqueConstraint("application_id", "organisation_id"),
        CheckConstraint("role IN ('chef_de_file', 'partenaire', 'partenaire_non_finance')", name="partner_role"),
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), index=True, info=field("Candidature", "ref:application")
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Structure", "ref:organisation")
    )
    role: Mapped[str] = mapped_column(String(32), info=field("Rôle", "role"))


class Project(Record):
    """A laureate project, born from an application."""

    __tablename__ = "project"
    __entity__ = "project"
    __label__ = "Projet lauréat"
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), unique=True, info=field("Candidature", "ref:application")
    )
    decision_on: Mapped[date | None] = mapped_column(Date, info=field("Date de décision", "date"))
    agreement_on: Mapped[date | None] = mapped_column(Date, info=field("Date de convention", "date"))
    start_on: Mapped[date | None] = mapped_column(Date, info=field("Début", "date"))
    end_on: Mapped[date | None] = mapped_column(Date, info=field("Fin", "date"))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("status.id"), index=True, info=field("Statut", "status:project")
    )
    # the officer who follows the project (schema 12): "Mon suivi" shows theirs
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officer.id"), index=True, info=field("Chargé(e) de mission", "ref:officer")
    )


class Aid(Record):
    """The aid committed to one beneficiary of a project, split into grant and repayable advance."""

    __tablename__ = "aid"
    __entity__ = "aid"
    __label__ = "Aide"
    __table_args__ = (
        UniqueConstraint("project_id", "organisation_id"),
        CheckConstraint("grant_cents >= 0 AND advance_cents >= 0", name="aid_not_negative"),
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True, info=field("Projet", "ref:project"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Bénéficiaire", "ref:organisation")
    )
    grant_cents: Mapped[int] = mapped_column(CENTS, default=0, info=field("Subvention", "money"))
    advance_cents: Mapped[int] = mapped_column(CENTS, default=0, info=field("Avance remboursable", "money"))
    # the France 2030 list's "Acteur émergent": yes, no, or not known (empty)
    emerging_actor: Mapped[bool | None] = mapped_column(Boolean, info=field("Acteur émergent", "bool"))


class Disbursement(Record):
    """A tranche of a project's aid: planned, then paid."""

    __tablename__ = "disbursement"
    __entity__ = "disbursement"
    __label__ = "Versement"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="disbursement_not_negative"),
        # the tranches still to pay, by their planned date: the officer's follow-up counts and lists them (migration
        # 0011; services.follow_up names it, for SQLite would walk the paid_on index instead)
        Index(UNPAID_TRANCHES, "planned_on", sqlite_where=text("paid_on IS NULL"),
              postgresql_where=text("paid_on IS NULL")),
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True, info=field("Projet", "ref:project"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Bénéficiaire", "ref:organisation")
    )
    label: Mapped[str] = mapped_column(Text, default="", info=field("Tranche", "text"))
    planned_on: Mapped[date | None] = mapped_column(Date, info=field("Date prévue", "date"))
    paid_on: Mapped[date | None] = mapped_column(Date, index=True, info=field("Date de paiement", "date"))
    amount_cents: Mapped[int] = mapped_column(CENTS, info=field("Montant", "money"))
    # what the tranche pays: the grant ("subvention") or the repayable advance ("avance"); empty when not known
    # (an aid of one kind only needs none: its tranches can only pay that kind)
    aid_part: Mapped[str | None] = mapped_column(String(16), info=field("Part de l'aide versée", "aid_part"))


class Milestone(Record):
    __tablename__ = "milestone"
    __entity__ = "milestone"
    __label__ = "Jalon"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True, info=field("Projet", "ref:project"))
    title: Mapped[str] = mapped_column(Text, info=field("Intitulé", "text", required=True, searchable=True))
    due_on: Mapped[date | None] = mapped_column(Date, index=True, info=field("Échéance", "date"))
    done_on: Mapped[date | None] = mapped_column(Date, info=field("Réalisé le", "date"))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("status.id"), index=True, info=field("Statut", "status:milestone")
    )
    title_key: Mapped[str] = folded_column("title")
    search_key: Mapped[str] = search_key_column()


# --- the officer's desk (schema 12, issue #21) ------------------------------------------------------------------

# a note or a document is about exactly one project, application or organisation
SUBJECTS = ("project", "application", "organisation")
ONE_SUBJECT = ("(CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN application_id IS NULL THEN 0 ELSE 1 END)"
               " + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1")


class Officer(Record):
    """A programme officer of the team: the one in charge of a project, the owner of a reminder."""

    __tablename__ = "officer"
    __entity__ = "officer"
    __label__ = "Chargé(e) de mission"
    __table_args__ = (UniqueConstraint("name"),)
    name: Mapped[str] = mapped_column(Text, info=field("Nom", "text", required=True, searchable=True))
    email: Mapped[str] = mapped_column(Text, default="", info=field("Courriel", "email", searchable=True))
    name_key: Mapped[str] = folded_column("name")
    search_key: Mapped[str] = search_key_column()


class Note(Record):
    """The follow-up journal: a dated note (a call, a meeting, a committee's decision) on one project, application
    or organisation."""

    __tablename__ = "note"
    __entity__ = "note"
    __label__ = "Note de suivi"
    # a project's notes by date, and the notes of a period with their project, each read from an index alone
    # ("Mon suivi"'s quiet projects)
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="note_one_subject"),
                      Index("ix_note_project_written", "project_id", "written_on"),
                      Index("ix_note_written_on", "written_on", "project_id"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id"), info=field("Projet", "ref:project"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id"), index=True, info=field("Candidature", "ref:application"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Structure", "ref:organisation"))
    written_on: Mapped[date] = mapped_column(Date, info=field("Date", "date", required=True))
    author: Mapped[str] = mapped_column(Text, default="", info=field("Auteur", "text"))
    body: Mapped[str] = mapped_column(Text, info=field("Note", "text", required=True, searchable=True))
    search_key: Mapped[str] = search_key_column()


class Reminder(Record):
    """"À relancer le…": a date, what to do, who does it; done (or postponed) in one click."""

    __tablename__ = "reminder"
    __entity__ = "reminder"
    __label__ = "Relance"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True, info=field("Projet", "ref:project"))
    due_on: Mapped[date] = mapped_column(Date, index=True, info=field("À relancer le", "date", required=True))
    text: Mapped[str] = mapped_column(Text, info=field("Objet", "text", required=True, searchable=True))
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officer.id"), index=True, info=field("Responsable", "ref:officer"))
    done_on: Mapped[date | None] = mapped_column(Date, info=field("Faite le", "date"))
    search_key: Mapped[str] = search_key_column()


class Document(Record):
    """A file attached to a project, application or organisation (a signed agreement, a report, an amendment): its
    description is a record (in the trail: name, type, size, SHA-256, date, author); its bytes are kept beside it in
    ``document_content``, written by the same door (services.documents)."""

    __tablename__ = "document"
    __entity__ = "document"
    __label__ = "Document"
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="document_one_subject"),
                      CheckConstraint("size >= 0", name="document_size"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id"), index=True, info=field("Projet", "ref:project"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id"), index=True, info=field("Candidature", "ref:application"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=field("Structure", "ref:organisation"))
    # the person it concerns, if any (an identity document, a CV): erased with them (GDPR)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id"), index=True, info=field("Personne concernée", "ref:contact"))
    name: Mapped[str] = mapped_column(Text, info=field("Nom du fichier", "text", required=True, searchable=True))
    category: Mapped[str] = mapped_column(Text, default="", info=field("Nature", "text", searchable=True))
    media_type: Mapped[str] = mapped_column(Text, info=field("Format", "text", required=True))
    size: Mapped[int] = mapped_column(Integer, info=field("Taille (octets)", "int"))
    sha256: Mapped[str] = mapped_column(String(64), info=field("SHA-256", "text", required=True))
    added_on: Mapped[date] = mapped_column(Date, info=field("Ajouté le", "date", required=True))
    author: Mapped[str] = mapped_column(Text, default="", info=field("Ajouté par", "text"))
    search_key: Mapped[str] = search_key_column()


class DocumentContent(Base):
    """A document's bytes, one row per document, kept beside its record (a side table of the door: an undo puts them
    back with the record; the trail holds their SHA-256, `portfolio check` and snapshots' verification compare)."""

    __tablename__ = "document_content"
    document_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("document.uuid"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class IdHighWater(Base):
    """The highest id ever given to a record of each entity, kept by the door: a new record never takes the
    id of a deleted one, so undoing that deletion can always restore the record with its own id."""

    __tablename__ = "id_high_water"
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)


# --- exports sent to regional agencies --------------------------------------------------------------


class ExportBatch(Base):
    """A working workbook sent to someone (a regional agency): when, by whom, to whom, what was selected. Its
    ``uuid`` is written in the workbook, so that the workbook sent back is merged against what was sent
    (issue #5's sync). Not a record of the portfolio: written by exchange.working_workbook, not the door."""

    __tablename__ = "export_batch"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_utc: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(Text, default="")
    selection: Mapped[str] = mapped_column(Text)  # JSON: record types, region, personal data or not
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # what binds the export's number to what was sent (issue #18): written in the workbook, checked at its return
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ExportRow(Base):
    """The exact values one record had in an export (JSON of the columns sent, as stored)."""

    __tablename__ = "export_row"
    export_uuid: Mapped[str] = mapped_column(ForeignKey("export_batch.uuid", ondelete="CASCADE"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    sent_values: Mapped[str] = mapped_column(Text)


class SyncConflict(Base):
    """A field an agency and the officer changed differently, queued until the officer settles it (keep the
    value here, take the agency's, or type another). Values are JSON in the merge's compared form (references by
    name, money in cents, dates ISO). Written by exchange.conflicts; the settling goes through the door."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_field", "export_uuid", "entity", "record_uuid", "field"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    export_uuid: Mapped[str] = mapped_column(ForeignKey("export_batch.uuid", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(Text)  # the workbook the conflict was found in
    entity: Mapped[str] = mapped_column(String(32))
    record_uuid: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    base: Mapped[str] = mapped_column(Text)  # JSON: the value sent
    mine: Mapped[str] = mapped_column(Text)  # JSON: the value here when the conflict was found
    theirs: Mapped[str] = mapped_column(Text)  # JSON: the agency's value
    found_utc: Mapped[str] = mapped_column(String(32))
    settled_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: still to settle
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # mine | theirs | value
    settled_by: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- replicas: laptops that work offline and sync with the shared database (schema 13, issue #22) -----------------


class PortfolioIdentity(Base):
    """This database's identity (one row): what its replicas know it by and what the entries it sends carry. A copy
    made by `portfolio replica create` gets one of its own; a file copied by hand keeps its original's."""

    __tablename__ = "portfolio_identity"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_utc: Mapped[str] = mapped_column(String(32))


class ReplicaPeer(Base):
    """A database this one syncs with (services.replicas): on a replica, its origin (``role`` "origine"); on the
    origin, each replica made from it ("replique"). The marks say how far each side's trail has been taken: on a
    replica, ``peer_seq`` is the origin's entry up to which its changes were taken here and ``sent_seq`` this trail's
    entry up to which the origin acknowledged them; on the origin, ``peer_seq`` and ``peer_hash`` are the replica's
    last entry applied here (a change file's entries up to it are not applied again; the next one must chain on it).
    Local bookkeeping, like an export's: written in the sync's own transaction, not through the door."""

    __tablename__ = "replica_peer"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")  # the origin's address (a replica's row), no password
    scope: Mapped[str] = mapped_column(Text, default="{}")  # JSON: {"officer": …, "region": …}, {} for everything
    peer_seq: Mapped[int] = mapped_column(Integer, default=0)
    peer_hash: Mapped[str] = mapped_column(String(64), default="")
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    want: Mapped[str] = mapped_column(Text, default="[]")  # JSON: records a replica held back, asked for again
    created_utc: Mapped[str] = mapped_column(String(32))
    synced_utc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signer: Mapped[str] = mapped_column(Text, default="")  # the key that signed the last change file taken


class ReplicaEntry(Base):
    """An entry of a replica's trail as it arrived (its columns as JSON, its hash): the origin keeps every entry it
    applied, so that `portfolio check` verifies each replica's chain too and any value can be followed back to the
    laptop and the person who typed it. Append-only."""

    __tablename__ = "replica_entry"
    replica_uuid: Mapped[str] = mapped_column(ForeignKey("replica_peer.uuid"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    entry: Mapped[str] = mapped_column(Text)


# --- the audit trail ------------------------------------------------------------------------------


class AuditEntry(Base):
    """One change to one field (or the creation or deletion of one record), hash-chained.

    Append-only: triggers created by the migration refuse UPDATE and DELETE. ``hash`` is the SHA-256 of
    the previous entry's hash and this entry's canonical content (services.audit).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_record", "entity", "record_uuid"),
        # the changes of projects by date (schema 12): "Mon suivi" finds the projects changed lately among a trail of
        # millions of entries (services.follow_up's quiet projects), from the index alone
        Index(PROJECT_CHANGES, "at_utc", "source", "record_uuid", sqlite_where=text("entity = 'project'"),
              postgresql_where=text("entity = 'project'")),
        CheckConstraint("operation IN ('create', 'update', 'delete')", name="audit_operation"),
        {"sqlite_autoincrement": True},
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at_utc: Mapped[str] = mapped_column(String(32))  # ISO 8601 with microseconds, UTC
    actor: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # "screen", "import:<file>", "sync:<agency>:<file>:<export id>"...
    batch: Mapped[str] = mapped_column(String(36), index=True)  # one apply_changes call
    operation: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(32))
    record_uuid: Mapped[str] = mapped_column(String(36))
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)  # JSON
    new_value: Mapped[str | None] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str | None] = mapped_column(String(32))  # hashed with the values; dropped when they are erased
    payload_hash: Mapped[str | None] = mapped_column(String(64))  # kept only for an erased entry (services.audit)


class ImportBatch(Base):
    """An import written to the portfolio (issue #20): the file, its SHA-256, the sheet, the mapping and the
    counts, written in the import's own transaction. ``batch`` is the door's batch of its audit entries, which name
    only their row ("import, ligne 12") instead of repeating the file on each of them; import history, undo and
    "from where" read it here. Append-only, like the trail it belongs to."""

    __tablename__ = "import_batch"
    batch: Mapped[str] = mapped_column(String(36), primary_key=True)
    at_utc: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    sheet: Mapped[str] = mapped_column(Text)  # the sheet read (a working workbook's: its first)
    sheets: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON, a working workbook's: record type -> sheet
    profile: Mapped[str | None] = mapped_column(Text, nullable=True)
    mapping: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: each column's field
    rows_read: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: recorded before schema 10
    created: Mapped[int] = mapped_column(Integer)  # records
    updated: Mapped[int] = mapped_column(Integer)  # records
    rejected: Mapped[int | None] = mapped_column(Integer, nullable=True)  # rows


class AuditCheckpoint(Base):
    """A signed head of the audit trail (issue #18): the trail's entry ``seq`` had the hash ``hash`` when
    ``signer`` (an Ed25519 public key, base64) signed it: at a seal (``kind`` "sceau", the officer's key) or on a
    team's server (``kind`` "serveur", its administrator's key). Append-only, like the trail (services.checkpoints).
    """

    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index("ix_audit_checkpoint_seq", "seq"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signed_utc: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    signer: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)


ENTITIES: dict[str, type[Record]] = {
    cls.__entity__: cls
    for cls in (
        Programme, Axis, Action, Operator, Call, Status, StatusTransition, Region, Department, Typology,
        Organisation, Contact, Application, ApplicationPartner, Project, Aid, Disbursement, Milestone,
        Officer, Note, Reminder, Document,
    )
}
