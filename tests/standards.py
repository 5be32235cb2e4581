"""The standards' own validators, as their users run them (tests/data/standards/README.md), for the tests of every
export: Validata's library on an SCDL CSV, flatten-tool then the JSON schema on a 360Giving workbook, and the
360Giving Data Quality Tool's checks that the portfolio's data decides (its library is not on PyPI: the checks are
restated here from its documentation and code, each under the Data Quality Tool's own name)."""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any

from tests.data_files import DATA

STANDARDS = DATA / "standards"
SCDL_SCHEMA = STANDARDS / "scdl-subventions-2.1.1.schema.json"
GRANT_SCHEMA = STANDARDS / "360-giving-schema.json"
PACKAGE_SCHEMA = STANDARDS / "360-giving-package-schema.json"
# the package schema names the grant schema by its 1.4.2 address: both resolve to the copy here
GRANT_SCHEMA_ADDRESSES = ("https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/"
                          "360-giving-schema.json",)


def scdl_errors(csv: Path) -> list[str]:
    """Validata's report on an SCDL subventions CSV: frictionless against the Table Schema, and the schema's custom
    checks (SIRET keys, "idBeneficiaire or rnaBeneficiaire"). One line per error: code, row, field, message."""
    import validata_core

    schema = json.loads(SCDL_SCHEMA.read_text(encoding="utf-8"))
    with contextlib.chdir(csv.parent), warnings.catch_warnings():  # frictionless reads relative paths only
        warnings.simplefilter("ignore")
        report = validata_core.validate(csv.name, schema).to_dict()
    errors = [error for task in report["tasks"] for error in task["errors"]] + report.get("errors", [])
    return [f"{e.get('code')} ligne {e.get('rowPosition')} {e.get('fieldName')}: {e.get('message')}" for e in errors]


def unflatten_360giving(workbook: Path) -> dict[str, Any]:
    """The JSON the 360Giving Data Quality Tool makes of a workbook: flatten-tool, the standard's column titles."""
    from flattentool import unflatten

    out = workbook.with_suffix(".json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unflatten(str(workbook), output_name=str(out), input_format="xlsx", root_list_path="grants",
                  schema=str(GRANT_SCHEMA), convert_titles=True)
    return json.loads(out.read_text(encoding="utf-8"))


def _unique_ids(validator: Any, unique: bool, instance: Any, schema: dict[str, Any]) -> Any:
    """uniqueItems as the Data Quality Tool's library (lib-cove's ``unique_ids``) checks it: grants are the same
    when their ids are, any other array as JSON Schema says. JSON Schema's own check compares every pair of grants,
    hours on a 100,000-grant file; the tool replaced it for that reason."""
    from jsonschema import ValidationError
    from jsonschema._keywords import uniqueItems

    if not (unique and validator.is_type(instance, "array")):
        return
    ids = [item.get("id") if isinstance(item, dict) else None for item in instance]
    if not all(isinstance(value, str) for value in ids):
        yield from uniqueItems(validator, unique, instance, schema)
        return
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            yield ValidationError(f"Non-unique id values: {value}")
        seen.add(value)


def giving360_errors(package: dict[str, Any]) -> list[str]:
    """The 360Giving package schema's errors (draft 2020-12, dates and date-times checked as formats, grants unique
    by their ids as the Data Quality Tool checks them)."""
    from jsonschema import Draft202012Validator, validators
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    grant = json.loads(GRANT_SCHEMA.read_text(encoding="utf-8"))
    resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources([(grant["$id"], resource)]
                                         + [(address, resource) for address in GRANT_SCHEMA_ADDRESSES])
    checker = validators.extend(Draft202012Validator, {"uniqueItems": _unique_ids})
    validator = checker(json.loads(PACKAGE_SCHEMA.read_text(encoding="utf-8")), registry=registry,
                        format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in validator.iter_errors(package)]


_EMAIL = re.compile(r"[A-Za-z0-9.\-]+@[A-Za-z0-9.\-]+\.[A-Za-z0-9.\-]+")


def _walk(value: Any, path: str = "") -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")
    else:
        yield path, value


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def quality_notices(package: dict[str, Any], today: date) -> dict[str, int]:
    """The Data Quality Tool's notices on what a publisher's data decides, by the tool's check name: how many grants
    each one finds. Left out: the notices about data the standard's UK registers and geography need (charity and
    company numbers, postcodes, beneficiary locations) and the data source's address, which a French portfolio
    does not hold (README, "360Giving")."""
    notices: dict[str, int] = {}

    def note(name: str) -> None:
        notices[name] = notices.get(name, 0) + 1

    funder_ids: dict[str, set[str]] = {}
    funder_names: dict[str, set[str]] = {}
    for grant in package["grants"]:
        if grant.get("amountAwarded") == 0:
            note("ZeroAmountTest")
        for organisation in grant.get("recipientOrganization", []):
            if organisation.get("companyNumber"):
                note("RecipientOrgCompanyNumber")  # the UK's Companies House number, never a SIREN
            if organisation.get("charityNumber"):
                note("RecipientOrgCharityNumber")
        for kind in ("recipientOrganization", "fundingOrganization"):
            for organisation in grant.get(kind, []):
                identifier = organisation.get("id", "")
                if "\n" in identifier:
                    note("OrganizationIdUnexpectedChars")
                upper = identifier.upper()
                if upper.startswith("GB-CHC-") and not (identifier[7:].isdigit() and len(identifier[7:]) in (6, 7)):
                    note("OrganizationIdLooksInvalid")
                if upper.startswith("GB-COH-") and not re.fullmatch(r"[A-Za-z0-9]{8}", identifier[7:]):
                    note("OrganizationIdLooksInvalid")
        if "\n" in grant.get("id", ""):
            note("GrantIdUnexpectedChars")
        for organisation in grant.get("fundingOrganization", []):
            funder_ids.setdefault(organisation.get("name", ""), set()).add(organisation.get("id", ""))
            funder_names.setdefault(organisation.get("id", ""), set()).add(organisation.get("name", ""))
        if any(isinstance(value, str) and _EMAIL.search(value) for path, value in _walk(grant) if "email" not in path):
            note("LooksLikeEmail")
        planned = (grant.get("plannedDates") or [{}])[0]
        start, end = _day(planned.get("startDate")), _day(planned.get("endDate"))
        award = _day(grant.get("awardDate"))
        if start and end and start > end:
            note("PlannedStartDateBeforeEndDate")
        if any(d and d > today.replace(year=today.year + 12) for d in (start, end)):
            note("FarFuturePlannedDates")
        if any(d and d < today.replace(year=today.year - 25) for d in (award, start, end)):
            note("FarPastDates")
        if award and award > today:
            note("PostDatedAwardDates")
        if grant.get("title") and grant.get("title") == grant.get("description"):
            note("TitleDescriptionSame")
        if len(grant.get("title", "")) > 140:
            note("TitleLength")
        if not grant.get("dateModified"):
            note("NoLastModified")
        if not grant.get("grantProgramme"):
            note("NoGrantProgramme")
    if len({identifier for ids in funder_ids.values() for identifier in ids}) > 1:
        notices["MoreThanOneFundingOrg"] = len(package["grants"])
    for ids in funder_ids.values():
        if len(ids) > 1:
            note("MultiFundingOrgIdsForName")
    for names in funder_names.values():
        if len(names) > 1:
            note("MultiFundingNamesForOrgId")
    return notices
