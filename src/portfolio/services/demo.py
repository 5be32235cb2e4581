"""The synthetic demo portfolio: deterministic, realistic, and sized by ``scale``.

At scale 1 it reproduces the programme's published figures (domain.md): 5 axes, 32 actions, the calls
with their operators (the two Grands Défis among them), 700 porteurs, exactly 350 laureate projects,
more than 550 M€ of aid split into grants and repayable advances, all 18 regions, consortia,
disbursements from 2021 to 2026 lagging behind commitments, milestones of which some are overdue, and
contacts. Every record it writes is marked synthetic and goes through the one door (its audit trail
says source "démo"). ``scale`` multiplies the volume (scale 500 gives 500,000 organisations).
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from sqlalchemy import func, select, text

from portfolio.db.store import Store
from portfolio.domain import programme as prog
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.identifiers import LA_POSTE_SIREN, with_luhn_digit
from portfolio.domain.money import format_int
from portfolio.domain.referential import DEPARTMENTS, DEPARTMENTS_BY_CODE, REGIONS

from . import demo_data as words
from .changes import Change, Create, FieldChange, apply_in_session
from .demo_desk import DeskDemo, drawn_uuid
from .reference import reference_uuid

DEMO_SOURCE = "démo"
AS_OF = date(2026, 10, 31)  # the demo's "today": fixed, so the same seed always gives the same file
LEADS_PER_SCALE = 700
PARTNER_ONLY_PER_SCALE = 300
EXTRA_APPLICATIONS_PER_SCALE = 180
LAUREATES_PER_SCALE = 350
TARGET_AID_CENTS = 580 * 100_000_000  # per scale unit: above the published 550 M€
CHUNK = 20_000

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


# --- French words for the demo's names and addresses ------------------------------------------------------------

# Letters Unicode does not decompose into a base letter plus marks (NFKD leaves "œ" and "ß" whole), spelt out the way
# French and its neighbours write them without the ligature or the special letter.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O",
                            "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
                            "ı": "i"})
_APOSTROPHES = "'’ʼ`´"
_VOWELS = "aeiouy"
# Names whose "h" is aspirated: no elision before them ("de Haguenau", "de Hem"); other names starting with an "h"
# have a mute one ("d'Hyères", "d'Hérouville"). French decides it word by word, so the list is explicit (with
# every word starting "haut": "de Hautmont", "de Haute-Goulaine").
_ASPIRATED_H = frozenset({"hem", "ham", "houilles", "hagondange", "haguenau", "hayange"})


def transliterate(text: str) -> str:
    """``text`` in plain ASCII letters, keeping every letter: accents dropped from their letter ("é" -> "e",
    "ç" -> "c"), ligatures and special letters spelt out ("œ" -> "oe", "æ" -> "ae", "ß" -> "ss"); everything
    else (spaces, apostrophes, hyphens, digits) left as it is.

    Raises ValueError for a letter with no ASCII spelling (a Greek or Cyrillic one): dropping it would give a
    different name."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    unspellable = [c for c in ascii_text if c.isalpha() and not c.isascii()]
    if unspellable:
        raise ValueError(f"no ASCII spelling for {''.join(unspellable)!r} in {text!r}")
    return ascii_text


@functools.lru_cache(maxsize=4096)  # the same few names recur on every contact: a large demo asks a million times
def email_word(name: str) -> str:
    """A first or last name as one word of an e-mail address's local part: lower-case ASCII letters, digits and
    hyphens ("Étienne" -> "etienne", "Le Gall" -> "le-gall", "N'Diaye" -> "ndiaye")."""
    word = transliterate(name).lower()
    word = "".join(c for c in word if c not in _APOSTROPHES)  # "N'Diaye" is written "ndiaye", as people write it
    return re.sub(r"[^a-z0-9]+", "-", word).strip("-")  # spaces and hyphens between words become one hyphen


def email_local_part(first_name: str, last_name: str) -> str:
    """The local part of a person's e-mail address, ``first.last`` transliterated: "Étienne", "André" ->
    "etienne.andre"."""
    return f"{email_word(first_name)}.{email_word(last_name)}"


def de(name: str, article: str = "") -> str:
    """``name`` after the French preposition "de", as French writes it: "de Rennes", "d'Angers", "d'Évreux",
    "du Mans" (Le Mans), "des Sables-d'Olonne" (Les Sables-d'Olonne), "de La Rochelle" (the article of a town's
    name is part of the name and keeps its capital when it is not contracted).

    ``article`` is the one French puts before a name that does not carry it, a department's ("le", "la", "les",
    "l'"): ``de("Nord", "le")`` -> "du Nord", ``de("Ain", "l'")`` -> "de l'Ain", ``de("Landes", "les")`` ->
    "des Landes"."""
    if article == "le":
        return f"du {name}"
    if article == "les":
        return f"des {name}"
    if article == "la":
        return f"de la {name}"
    if article == "l'":
        return f"de l'{name}"
    if article:
        raise ValueError(f"unknown article {article!r}")
    # a town's own article contracts with "de" when it is "Le" or "Les" ("du Mans"), never "La" or "L'"
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    return f"d'{name}" if _elides(name) else f"de {name}"


@functools.lru_cache(maxsize=4096)  # the same hundred towns recur on every organisation of a large demo
def _elides(name: str) -> bool:
    """Whether "de" loses its vowel before ``name``: before a vowel ("d'Orléans"), a mute h ("d'Hyères") and a y
    followed by a consonant ("d'Yvetot"), not before a y followed by a vowel ("de Yaoundé")."""
    plain = transliterate(name).lower()
    if not plain:
        return False
    if plain[0] == "y":
        return len(plain) > 1 and plain[1] not in _VOWELS
    if plain[0] == "h":
        first_word = re.split(r"[\s'’-]", plain, maxsplit=1)[0]
        return not (first_word in _ASPIRATED_H or first_word.startswith("haut"))
    return plain[0] in _VOWELS


class DemoError(PortfolioError):
    """The demo cannot be written here."""


class DemoCancelled(PortfolioError):
    """The user cancelled the demo's creation; nothing was written."""


@dataclass
class _Org:
    id: int
    uuid: str
    typology: str
    region_code: str | None
    department_code: str | None
    city: str
    name: str
    siren: str | None
    siret: str | None
    rna: str | None = None  # an association's number (some associations are known by it alone)
    foreign_id: str | None = None  # a partner outside France: its register's identifier instead of a SIRET

    @property
    def is_company(self) -> bool:
        return self.typology in ("PME", "ETI", "GE")


class DemoGenerator:
    """Builds the demo's records as lists of Create changes, in dependency order."""

    def __init__(self, seed: int, scale: int, ids: ReferenceIds) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.ids = ids  # reference ids by entity and code, read from the database
        self.sirens: set[str] = set()
        self.names: set[str] = set()
        self.next_id: dict[str, int] = {}
        # officers, notes, reminders, documents: drawn apart (demo_desk)
        self.desk = DeskDemo(seed, scale, AS_OF, email_word)

    # --- helpers ---------------------------------------------------------------------------------

    def uuid(self) -> str:
        return drawn_uuid(self.rng)

    def new_id(self, entity: str) -> int:
        value = self.next_id.get(entity, 1)
        self.next_id[entity] = value + 1
        return value

    def create(self, entity: str, values: dict[str, object]) -> Create:
        return Create(entity, self.uuid(), values, self.new_id(entity), synthetic=True)

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    # --- organisations -------------------------------------------------------------------------

    def siren(self, public: bool) -> str:
        while True:
            first = self.rng.choice("12") if public else self.rng.choice("3456789")
            siren = with_luhn_digit(first + f"{self.rng.randrange(10**7):07d}")
            if siren not in self.sirens and siren != LA_POSTE_SIREN:
                self.sirens.add(siren)
                return siren

    def org_name(self, typology: str, city: str, department_code: str, region_name: str) -> str:
        """A name for an organisation of this typology based in ``city``: every "de" before a town's or a
        department's name goes through ``de`` ("CHU d'Angers", "Centre de gestion du Nord")."""
        r = self.rng
        department_name = DEPARTMENTS_BY_CODE[department_code].name
        of_city = de(city)
        of_department = de(department_name, words.DEPARTMENT_ARTICLES.get(department_code, ""))
        if typology == "PME":
            base = f"{r.choice(words.NAME_HEADS)}{r.choice(words.NAME_TAILS).lower()}"
            name = f"{base} {r.choice(words.COMPANY_FORMS)}"
        elif typology in ("ETI", "GE"):
            name = f"{r.choice(words.NAME_HEADS)}{r.choice(words.NAME_TAILS).lower()} {r.choice(words.BIG_WORDS)}"
            name = f"Groupe {name}" if typology == "GE" and r.random() < 0.4 else name
        elif typology == "ES":
            name = r.choice([f"Centre hospitalier {of_city}", f"CHU {of_city}", f"Clinique {r.choice(words.SAINTS)}",
                             f"Hôpital privé {r.choice(words.SAINTS)}", f"EHPAD {r.choice(words.SAINTS)}",
                             f"Centre de santé {r.choice(words.SAINTS)}"])
        elif typology == "ESR":
            name = r.choice([f"Université {of_city}", f"Laboratoire {r.choice(words.RESEARCH_TOPICS)} {of_city}",
                             f"Institut de recherche en {r.choice(words.RESEARCH_TOPICS).lower()}",
                             f"École d'ingénieurs {of_city}"])
        elif typology == "EPUB":
            name = r.choice([f"Agence régionale de santé {region_name}", f"Centre de gestion {of_department}",
                             f"Établissement public de santé mentale {of_city}", f"Maison départementale {of_city}"])
        elif typology == "ASSO":
            name = r.choice([f"Association {r.choice(words.CAUSES)} {department_name}",
                             f"France {r.choice(words.CAUSES)}", f"Réseau {r.choice(words.CAUSES)} {region_name}"])
        elif typology == "FOND":
            name = f"Fondation {r.choice(words.CAUSES)} {r.choice(words.SAINTS)}"
        elif typology == "COLL":
            name = r.choice([f"Conseil départemental – {department_name}", f"Ville {of_city}",
                             f"Communauté d'agglomération {of_city}"])
        elif typology == "GIP":
            name = r.choice([f"GRADeS e-santé {region_name}", f"GIP e-santé {department_name}",
                             f"Groupement hospitalier de territoire {of_city}"])
        else:
            name = f"Coopérative {r.choice(words.NAME_HEADS)}{r.choice(words.NAME_TAILS).lower()} {city}"
        if name in self.names:  # the same name twice would look like a duplicate organisation
            name = f"{name} ({city})"
            suffix = 2
            while name in self.names:
                name = f"{name.rsplit(' (', 1)[0]} ({city} {suffix})"
                suffix += 1
        self.names.add(name)
        return name

    def organisations(self, count: int) -> list[_Org]:
        regions = [r.code for r in REGIONS]
        region_weights = [words.REGION_WEIGHTS[c] for c in regions]
        departments_by_region: dict[str, list[str]] = {}
        for d in DEPARTMENTS:
            departments_by_region.setdefault(d.region_code, []).append(d.code)
        region_names = {r.code: r.name for r in REGIONS}
        typologies = list(words.TYPOLOGY_WEIGHTS)
        typology_weights = list(words.TYPOLOGY_WEIGHTS.values())
        orgs = []
        for index in range(count):
            # the first organisations cover every region and typology, the rest follow the weights
            region = regions[index] if index < len(regions) else self.rng.choices(regions, region_weights)[0]
            typology = (typologies[index - len(regions)] if len(regions) <= index < len(regions) + len(typologies)
                        else self.rng.choices(typologies, typology_weights)[0])
            department = self.rng.choice(departments_by_region[region])
            city = words.CITIES[department]
            siren: str | None = self.siren(public=typology in ("ES", "ESR", "EPUB", "COLL", "GIP"))
            siret: str | None = with_luhn_digit(f"{siren}{self.rng.randint(1, 9999):04d}")
            rna = None
            if typology == "ASSO":  # an association has its RNA number; some are known by it alone
                rna = f"W{department[:2] if department[:2].isdigit() else '75'}{self.rng.randrange(10**7):07d}"
                if self.rng.random() < 0.3:
                    siren = siret = None
            orgs.append(_Org(self.new_id("organisation"), self.uuid(), typology, region, department, city,
                             self.org_name(typology, city, department, region_names[region]), siren, siret,
                             rna))
        return orgs

    def foreign_partners(self) -> list[_Org]:
        """A few partners outside France, with their register's identifier (org-id.guide) and no French one (the
        same few at every scale: their names are those of real-looking foreign bodies, not generated)."""
        partners = []
        for scheme, number, name, city in words.FOREIGN_PARTNERS:
            identifier = f"{scheme}-{number.format(self.rng.randrange(10**6, 10**7))}"
            partners.append(_Org(self.new_id("organisation"), self.uuid(), "AUTRE", None, None, city, name, None,
                                 None, foreign_id=identifier))
        return partners

    # --- the portfolio -------------------------------------------------------------------------

    def generate(self) -> Iterator[list[Change]]:
        """Yields the demo's changes in chunks, parents before children."""
        scale, rng, ids = self.scale, self.rng, self.ids
        leads = self.organisations(LEADS_PER_SCALE * scale)
        foreign = self.foreign_partners()  # among the partners: the organisations' count stays the published one
        partners_only = self.organisations(PARTNER_ONLY_PER_SCALE * scale - len(foreign)) + foreign
        everyone = leads + partners_only
        officers = self.desk.officers()
        yield officers
        yield from _chunks([
            Create("organisation", o.uuid, {
                "name": o.name, "siren": o.siren, "siret": o.siret, "rna": o.rna, "foreign_id": o.foreign_id,
                "typology_id": ids["typology"][o.typology],
                "region_id": ids["region"][o.region_code] if o.region_code else None,
                "department_id": ids["department"][o.department_code] if o.department_code else None,
                "city": o.city}, o.id, synthetic=True)
            for o in everyone])
        # the demo's calls say whether their aid is notified to the European Commission (SCDL's notificationUE):
        # France 2030's calls run under exempted aid schemes, not notified ones (a synthetic portfolio's value)
        yield [FieldChange("call", reference_uuid("call", call.code), "eu_notified", None, False)
               for call in prog.CALLS]
        yield from _chunks(list(self.contacts(everyone)))

        calls = list(prog.CALLS)
        laureates_per_call = _apportion(LAUREATES_PER_SCALE * scale, [c.budget_cents for c in calls])
        applications_total = len(leads) + EXTRA_APPLICATIONS_PER_SCALE * scale
        weights = [n / (0.28 + 0.2 * rng.random()) for n in laureates_per_call]  # success rate 28-48 %
        applications_per_call = [max(n, a) for n, a in
                                 zip(laureates_per_call, _apportion(applications_total, weights), strict=True)]
        lead_queue = list(leads)
        rng.shuffle(lead_queue)
        while len(lead_queue) < sum(applications_per_call):  # some porteurs apply more than once
            lead_queue.append(rng.choice(leads))

        applications: list[Change] = []
        members: list[Change] = []
        projects: list[Change] = []
        aids: list[Change] = []
        disbursements: list[Change] = []
        milestones: list[Change] = []
        status = ids["status"]
        aid_plan = self.aid_amounts(calls, laureates_per_call)
        position = 0
        for call, n_laureates, n_applications, amounts in zip(
                calls, laureates_per_call, applications_per_call, aid_plan, strict=True):
            winners = set(rng.sample(range(n_applications), n_laureates))
            taken: set[str] = set()  # a call's projects have distinct acronyms: the France 2030 list tells them so
            for index in range(n_applications):
                lead = lead_queue[position]
                position += 1
                consortium = [lead] + [o for o in rng.sample(everyone, rng.choice((0, 0, 1, 1, 2, 3, 4)))
                                       if o.id != lead.id]
                submitted = call.closes_on - self.days(0, 40)
                acronym = self.acronym()
                while acronym in taken:
                    acronym = self.acronym()
                taken.add(acronym)
                laureate = index in winners
                requested = amounts.pop() if laureate else rng.randint(call.min_aid_cents, call.max_aid_cents)
                app_status = "laureate" if laureate else self.losing_status(call)
                app = self.create("application", {
                    "call_id": ids["call"][call.code], "lead_organisation_id": lead.id, "title": self.title(),
                    "acronym": acronym, "reference": f"{call.code}-{index + 1:04d}", "submitted_on": submitted,
                    "requested_cents": requested + rng.randint(0, requested // 5) // 100 * 100,
                    "status_id": status[("application", app_status)]})
                applications.append(app)
                funded = [lead] + [o for o in consortium[1:] if rng.random() < 0.75]
                for member in consortium:
                    role = ("chef_de_file" if member is lead else
                            "partenaire" if member in funded else "partenaire_non_finance")
                    members.append(self.create("application_partner", {
                        "application_id": app.id, "organisation_id": member.id, "role": role}))
                if laureate:
                    self.project(call, app, funded, requested, projects, aids, disbursements, milestones)
        yield from _chunks(applications)
        yield from _chunks(members)
        yield from _chunks(projects)
        yield from _chunks(aids)
        yield from _chunks(disbursements)
        yield from _chunks(milestones)
        names = {int(change.id or 0): str(change.values["name"]) for change in officers if isinstance(change, Create)}
        yield from _chunks(self.desk.records(names))

    def contacts(self, orgs: list[_Org]) -> Iterator[Create]:
        """One to three contacts per organisation, each with an address at the organisation's own domain."""
        for org in orgs:
            # transliterated, not filtered: "Hôpital privé" is "hopitalprive", never "hpitalpriv"
            slug = "".join(c for c in transliterate(org.name).lower() if c.isascii() and c.isalnum())[:20]
            for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
                first, last = self.rng.choice(words.FIRST_NAMES), self.rng.choice(words.LAST_NAMES)
                yield self.create("contact", {
                    "organisation_id": org.id, "first_name": first, "last_name": last,
                    "email": f"{email_local_part(first, last)}@{slug or 'structure'}.example",
                    "role": self.rng.choice(words.ROLES),
                    "phone": f"0{self.rng.randint(1, 7)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} "
                             f"{self.rng.randint(10, 99)} {self.rng.randint(10, 99)}"})

    def acronym(self) -> str:
        letters = "ABCDEFGHIJKLMNOPRSTUV"
        return "".join(self.rng.choice(letters) for _ in range(self.rng.randint(4, 7))) + (
            f"-{self.rng.randint(2, 9)}" if self.rng.random() < 0.1 else "")

    def title(self) -> str:
        return f"{self.rng.choice(words.PROJECT_WORDS)} {self.rng.choice(words.PROJECT_TOPICS)}"

    def losing_status(self, call: prog.Call) -> str:
        if call.closes_on > AS_OF - timedelta(days=120):
            return self.rng.choice(("deposee", "recevable", "instruction"))
        return self.rng.choices(("non_retenue", "irrecevable", "abandonnee"), (80, 12, 8))[0]

    def aid_amounts(self, calls: list[prog.Call], laureates: list[int]) -> list[list[int]]:
        """Aid per laureate, per call: around the call's budget share, within its bounds, and in total at
        least the target (the published 550+ M€)."""
        plan = []
        for call, n in zip(calls, laureates, strict=True):
            mean = call.budget_cents // max(n, 1)
            plan.append([min(max(int(mean * self.rng.uniform(0.5, 1.5)), call.min_aid_cents), call.max_aid_cents)
                         for _ in range(n)])
        target = TARGET_AID_CENTS * self.scale
        for _ in range(20):  # lift the amounts with headroom until the total reaches the target
            shortfall = target - sum(map(sum, plan))
            if shortfall <= 0:
                break
            room = sum(c.max_aid_cents - a for c, amounts in zip(calls, plan, strict=True) for a in amounts)
            for call, amounts in zip(calls, plan, strict=True):
                for i, amount in enumerate(amounts):
                    lift = int(shortfall * (call.max_aid_cents - amount) / max(room, 1)) + 1
                    amounts[i] = min(amount + lift, call.max_aid_cents)
        return [[a // 1000 * 1000 for a in amounts] for amounts in plan]  # round to 10 €

    def project(self, call: prog.Call, app: Create, funded: list[_Org], aid_total: int, projects: list[Change],
                aids: list[Change], disbursements: list[Change], milestones: list[Change]) -> None:
        """A laureate project with its aid per beneficiary, their tranches and its milestones, its status
        consistent with them: a "Soldé" project has every tranche paid, by the demo's today."""
        rng, status = self.rng, self.ids["status"]
        decision = call.closes_on + self.days(15, 90)
        agreement: date | None = decision + self.days(10, 120)
        if agreement and agreement > AS_OF:
            agreement = None
        start = (agreement + self.days(0, 30)) if agreement else None
        end = (start + timedelta(days=30 * rng.randint(24, 48))) if start else None
        if agreement is None:
            project_status = "laureat"
        elif rng.random() < 0.03:
            project_status = "abandonne"
        elif end and end < AS_OF:
            project_status = "solde" if rng.random() < 0.8 else "en_cours"
        else:
            project_status = "en_cours" if start and start <= AS_OF else "conventionne"
        # the record is written once its tranches have settled its status; its uuid and id are drawn here, where
        # they always were, so that the same seed keeps giving the same records
        project_uuid, project_id = self.reserve("project")
        shares = [rng.uniform(1.0, 2.0)] + [rng.uniform(0.3, 1.0) for _ in funded[1:]]
        remaining = aid_total
        schedules: list[list[_Tranche]] = []
        for position, (org, share) in enumerate(zip(funded, shares, strict=True)):
            amount = remaining if position == len(funded) - 1 else int(aid_total * share / sum(shares)) // 100 * 100
            remaining -= amount
            grant = amount if not org.is_company else amount * call.grant_share // 100 // 100 * 100
            # "acteur émergent" is recorded from 2023 on (the official list's rule); earlier lists leave it empty
            emerging = (org.typology == "PME" and rng.random() < 0.35) if decision.year >= 2023 else None
            aids.append(self.create("aid", {"project_id": project_id, "organisation_id": org.id,
                                            "grant_cents": grant, "advance_cents": amount - grant,
                                            "emerging_actor": emerging}))
            for part, part_amount in (("subvention", grant), ("avance", amount - grant)):
                if part_amount and agreement and end:  # each part of an aid is paid in its own tranches
                    schedules.append(self.tranches(project_id, org.id, part_amount, part, agreement, end))
        project_status = _settle(project_status, schedules)
        officer = self.desk.officer_for(project_id, project_status, agreement, str(app.values["acronym"]))
        projects.append(Create("project", project_uuid, {
            "application_id": app.id, "decision_on": decision, "agreement_on": agreement, "start_on": start,
            "end_on": end, "status_id": status[("project", project_status)], "officer_id": officer}, project_id,
            synthetic=True))
        disbursements.extend(tranche.change() for schedule in schedules for tranche in schedule)
        self.milestones(project_id, start, end, project_status, milestones)

    def reserve(self, entity: str) -> tuple[str, int]:
        """The uuid and id of a record created later, drawn in the order ``create`` draws them."""
        record_uuid = self.uuid()
        return record_uuid, self.new_id(entity)

    def tranches(self, project_id: int, org_id: int, amount: int, part: str, agreement: date,
                 end: date) -> list[_Tranche]:
        """The three tranches of one part of an aid (advance at signature, intermediate, balance after the end),
        with when each would be paid; ``_settle`` decides which are."""
        labels = (("Avance à la signature", "Versement intermédiaire", "Solde") if part == "subvention" else
                  ("Avance remboursable – signature", "Avance remboursable – intermédiaire",
                   "Avance remboursable – solde"))
        parts = [(labels[0], 30, agreement + self.days(5, 45)),
                 (labels[1], 40, agreement + (end - agreement) / 2 + self.days(0, 120)),
                 (labels[2], 30, end + self.days(60, 240))]
        schedule = []
        paid_so_far = 0
        for index, (label, percent, planned) in enumerate(parts):
            tranche = amount - paid_so_far if index == len(parts) - 1 else amount * percent // 100
            paid_so_far += tranche
            # the advance is paid at signature; later tranches lag behind their plan, and some are held back
            # (a report awaited) while the project is open
            delay = self.days(0, 30) if index == 0 else self.days(30, 300)
            released = index == 0 or self.rng.random() < 0.7
            record_uuid, record_id = self.reserve("disbursement")
            schedule.append(_Tranche(record_uuid, record_id, {
                "project_id": project_id, "organisation_id": org_id, "label": label, "planned_on": planned,
                "amount_cents": tranche, "aid_part": part}, planned + delay, released))
        return schedule

    def milestones(self, project_id: int, start: date | None, end: date | None, project_status: str,
                   out: list[Change]) -> None:
        if start is None or end is None:
            return
        status = self.ids["status"]
        count = self.rng.randint(2, 5)
        titles = self.rng.sample(words.MILESTONES, count)
        for index, title in enumerate(titles):
            due = start + (end - start) * (index + 1) / (count + 1)
            done = due + self.days(-20, 90) if due <= AS_OF and self.rng.random() < 0.8 else None
            if done and done > AS_OF:
                done = None
            if project_status == "solde" and not done:
                # a closed project reached its milestones (its final report says so): one the draw left open was
                # reached on its due date, which is past (before the project's end); no draw, to keep the sequence
                done = due
            if project_status == "abandonne" and not done:
                code = "annule"
            elif done:
                code = "atteint"
            else:
                code = "en_retard" if due < AS_OF else "a_venir"
            out.append(self.create("milestone", {"project_id": project_id, "title": title, "due_on": due,
                                                 "done_on": done, "status_id": status[("milestone", code)]}))


@dataclass
class _Tranche:
    """A tranche drawn before its project's status is settled: whether it is paid depends on that status."""

    uuid: str
    id: int
    values: dict[str, object]  # the disbursement's fields but paid_on
    pays_on: date  # when it is paid, if it is
    released: bool  # not held back: paid when due while the project is open
    paid_on: date | None = None

    def change(self) -> Create:
        """The disbursement's creation."""
        return Create("disbursement", self.uuid, {**self.values, "paid_on": self.paid_on}, self.id, synthetic=True)


def _settle(project_status: str, schedules: list[list[_Tranche]]) -> str:
    """Decides which tranches of a project are paid and returns the project's status, consistent with them.

    A "Soldé" project has paid every tranche by the demo's today (AS_OF): one whose last tranche falls later is
    still "En cours", and an "En cours" project that has paid every tranche is "Soldé". In an open project a
    tranche is paid once due (never in the future) unless held back, and never while the one before it (the same
    aid part's: intermediate before balance) is unpaid; an abandoned project paid its advance at most."""
    if project_status == "solde" and any(t.pays_on > AS_OF for schedule in schedules for t in schedule):
        project_status = "en_cours"
    for schedule in schedules:
        paying = True
        for index, tranche in enumerate(schedule):
            if project_status != "solde":
                paying = (paying and tranche.released and tranche.pays_on <= AS_OF
                          and (project_status != "abandonne" or index == 0))
            tranche.paid_on = tranche.pays_on if paying else None
    if project_status == "en_cours" and schedules and all(t.paid_on for schedule in schedules for t in schedule):
        project_status = "solde"
    return project_status


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Splits ``total`` into integers proportional to ``weights`` (largest remainder), each at least 1."""
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        biggest = max(range(len(counts)), key=counts.__getitem__)
        counts[biggest] -= 1
    return counts


class ReferenceIds(TypedDict):
    """Ids of the reference records by code: a status's by (entity, code)."""

    typology: dict[str, int]
    region: dict[str, int]
    department: dict[str, int]
    call: dict[str, int]
    status: dict[tuple[str, str], int]


def _chunks(changes: list[Change]) -> Iterator[list[Change]]:
    for start in range(0, len(changes), CHUNK):
        yield changes[start:start + CHUNK]


def reference_ids(db: Store) -> ReferenceIds:
    """Ids of the reference records the demo refers to, by code."""
    with db.read() as session:
        def by_code(table: str) -> dict[str, int]:
            return {code: id_ for id_, code in session.execute(text(f"SELECT id, code FROM {table}"))}
        statuses = {(e, c): i for i, e, c in session.execute(text("SELECT id, entity, code FROM status"))}
        return {"typology": by_code("typology"), "region": by_code("region"), "department": by_code("department"),
                "call": by_code("call"), "status": statuses}


def write_demo(db: Store, *, seed: int = 2030, scale: int = 1, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> int:
    """Writes the demo portfolio into an empty portfolio database, in one transaction; returns the number of
    records written. Refuses a database that already holds organisations (never mixes demo and real data)."""
    if scale < 1:
        raise DemoError(tr("L'échelle de la démo doit être un entier positif (reçu : {scale}).", scale=scale))
    with db.read() as session:
        existing = session.execute(select(func.count()).select_from(text("organisation"))).scalar_one()
    if existing:
        raise DemoError(tr("La base « {path} » contient déjà {n} structures : la démo s'écrit dans une base vide, "
                           "pour ne jamais se mêler à de vraies données. Choisissez un nouveau fichier.",
                           path=db.path, n=format_int(existing)))
    generator = DemoGenerator(seed, scale, reference_ids(db))
    expected = scale * 10_000  # about ten thousand records per scale unit, for the progress bar
    written = 0
    with db.write() as session:
        for chunk in generator.generate():
            if cancelled and cancelled():
                raise DemoCancelled(tr("Création de la démo annulée : rien n'a été écrit."))
            apply_in_session(session, chunk, source=DEMO_SOURCE)
            written += len(chunk)
            if progress:
                progress(min(written / expected, 0.99), tr("Création du portefeuille de démonstration"))
    if progress:
        progress(1.0, tr("Portefeuille de démonstration créé"))
    return written
