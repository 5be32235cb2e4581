"""The territorial référentiel (regions, departments) and the programme's seed reference values."""

from __future__ import annotations

import re

import pytest

from portfolio.domain import programme as prog
from portfolio.domain.referential import (
    DEPARTMENTS,
    DEPARTMENTS_BY_CODE,
    REGIONS,
    REGIONS_BY_CODE,
    find_department,
    find_region,
    fold,
)

# Copied verbatim from /work/shared/design/domain.md, "Regions (INSEE code, ISO 3166-2)".
DOMAIN_MD_REGIONS = """
Auvergne-Rhône-Alpes 84 FR-ARA · Bourgogne-Franche-Comté 27 FR-BFC · Bretagne 53 FR-BRE ·
Centre-Val de Loire 24 FR-CVL · Corse 94 FR-20R · Grand Est 44 FR-GES · Hauts-de-France 32 FR-HDF ·
Île-de-France 11 FR-IDF · Normandie 28 FR-NOR · Nouvelle-Aquitaine 75 FR-NAQ · Occitanie 76 FR-OCC ·
Pays de la Loire 52 FR-PDL · Provence-Alpes-Côte d'Azur 93 FR-PAC · Guadeloupe 01 FR-971 ·
Martinique 02 FR-972 · Guyane 03 FR-973 · La Réunion 04 FR-974 · Mayotte 06 FR-976.
"""
OVERSEAS_DEPARTMENT_OF_REGION = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}


def domain_regions() -> set[tuple[str, str, str]]:
    items = [i.strip().rstrip(".") for i in DOMAIN_MD_REGIONS.replace("\n", " ").split("·") if i.strip()]
    result = set()
    for item in items:
        match = re.fullmatch(r"(.+) (\d{2}) (FR-\w+)", item)
        assert match, item
        result.add((match[1], match[2], match[3]))
    return result


# --- regions ----------------------------------------------------------------------------------------


def test_eighteen_regions_with_the_codes_of_the_design() -> None:
    expected = domain_regions()
    assert len(expected) == 18
    assert len(REGIONS) == 18
    assert {(r.name, r.code, r.iso) for r in REGIONS} == expected
    assert len(REGIONS_BY_CODE) == 18
    assert len({r.iso for r in REGIONS}) == 18


def test_overseas_flag() -> None:
    assert {r.code for r in REGIONS if r.overseas} == set(OVERSEAS_DEPARTMENT_OF_REGION)


def test_every_way_of_naming_a_region_finds_that_region() -> None:
    for region in REGIONS:
        for key in (region.code, region.iso, region.name, *region.abbreviations, "Région " + region.name,
                    region.name.upper(), f"  {region.name.lower()}  "):
            assert find_region(key) == region, key


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ile de france", "Île-de-France"),
        ("IDF", "Île-de-France"),
        ("CVL", "Centre-Val de Loire"),
        ("PACA", "Provence-Alpes-Côte d'Azur"),
        ("Région Sud", "Provence-Alpes-Côte d'Azur"),
        ("region sud", "Provence-Alpes-Côte d'Azur"),
        ("Provence Alpes Cote d'Azur", "Provence-Alpes-Côte d'Azur"),
        ("NA", "Nouvelle-Aquitaine"),
        ("ARA", "Auvergne-Rhône-Alpes"),
        ("BFC", "Bourgogne-Franche-Comté"),
        ("HDF", "Hauts-de-France"),
        ("035", "Bretagne"),
        ("35", "Bretagne"),
        ("2A", "Corse"),
        ("2b", "Corse"),
        ("974", "La Réunion"),
        ("976", "Mayotte"),
        ("FR-974", "La Réunion"),
        ("reunion", "La Réunion"),
    ],
)
def test_find_region(text: str, name: str) -> None:
    region = find_region(text)
    assert region is not None, text
    assert region.name == name


@pytest.mark.parametrize("text", ["Atlantide", "", "999", "FR-XXX", "Bavière", "0350"])
def test_find_region_unknown(text: str) -> None:
    assert find_region(text) is None


def test_fold() -> None:
    assert fold("Île-de-France") == "ile de france"
    assert fold("  Provence-Alpes-Côte d'Azur ") == "provence alpes cote d azur"


# --- departments ------------------------------------------------------------------------------------


def test_hundred_and_one_departments() -> None:
    metropolitan = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
    expected = set(metropolitan) | set(OVERSEAS_DEPARTMENT_OF_REGION.values())
    assert len(DEPARTMENTS) == 101
    assert len(DEPARTMENTS_BY_CODE) == 101
    assert {d.code for d in DEPARTMENTS} == expected
    assert all(d.name for d in DEPARTMENTS)


def test_each_department_is_in_an_existing_region_and_each_region_has_departments() -> None:
    for department in DEPARTMENTS:
        assert department.region_code in REGIONS_BY_CODE, department
    regions_with_departments = {d.region_code for d in DEPARTMENTS}
    assert regions_with_departments == set(REGIONS_BY_CODE)
    for region_code, department_code in OVERSEAS_DEPARTMENT_OF_REGION.items():
        assert [d.code for d in DEPARTMENTS if d.region_code == region_code] == [department_code]


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [("35", "Ille-et-Vilaine", "53"), ("75", "Paris", "11"), ("2A", "Corse-du-Sud", "94"), ("13",
     "Bouches-du-Rhône", "93"), ("974", "La Réunion", "04"), ("69", "Rhône", "84"), ("59", "Nord", "32")],
)
def test_department_samples(code: str, name: str, region: str) -> None:
    department = DEPARTMENTS_BY_CODE[code]
    assert (department.name, department.region_code) == (name, region)


@pytest.mark.parametrize(
    ("text", "code"),
    [("35", "35"), ("035", "35"), ("5", "05"), ("2a", "2A"), (" 2B ", "2B"), ("974", "974"), ("075", "75"),
     ("02A", "2A"), ("02b", "2B")],
)
def test_find_department(text: str, code: str) -> None:
    department = find_department(text)
    assert department is not None
    assert department.code == code


@pytest.mark.parametrize("text", ["", "20", "96", "97", "975", "0974", "2C", "Bretagne"])
def test_find_department_unknown(text: str) -> None:
    assert find_department(text) is None


# --- programme ----------------------------------------------------------------------------------------


def test_five_axes_and_thirty_two_actions() -> None:
    axis_codes = [a.code for a in prog.AXES]
    assert len(axis_codes) == 5
    assert len(set(axis_codes)) == 5
    action_codes = [a.code for a in prog.ACTIONS]
    assert len(action_codes) == 32
    assert len(set(action_codes)) == 32
    for action in prog.ACTIONS:
        assert action.axis_code in axis_codes, action
        assert action.code.startswith(action.axis_code + "."), action
        assert action.label
    assert {a.axis_code for a in prog.ACTIONS} == set(axis_codes)


def test_calls_reference_existing_actions_and_operators() -> None:
    actions = {a.code for a in prog.ACTIONS}
    operators = {o.code for o in prog.OPERATORS}
    codes = [c.code for c in prog.CALLS]
    assert len(codes) == len(set(codes))
    for call in prog.CALLS:
        assert call.action_code in actions, call.code
        assert call.operator_code in operators, call.code
        assert call.kind in ("AAP", "AMI", "Grand Défi"), call.code
        assert call.opens_on < call.closes_on, call.code
        assert 0 < call.min_aid_cents <= call.max_aid_cents <= call.budget_cents, call.code
        assert 0 <= call.grant_share <= 100, call.code
        assert all(isinstance(v, int) for v in (call.budget_cents, call.min_aid_cents, call.max_aid_cents))


def test_the_two_grands_defis_exist() -> None:
    mental_health = [c for c in prog.CALLS if c.code.startswith("GD-SM")]
    ageing = [c for c in prog.CALLS if c.code.startswith("GD-BV")]
    assert mental_health
    assert ageing
    for call in mental_health + ageing:
        assert call.kind == "Grand Défi"


def test_statuses_and_transitions() -> None:
    statuses = {(s.entity, s.code): s for s in prog.STATUSES}
    assert len(statuses) == len(prog.STATUSES)
    assert {s.entity for s in prog.STATUSES} == {"application", "project", "milestone"}
    assert len(set(prog.TRANSITIONS)) == len(prog.TRANSITIONS)
    for entity, source, target in prog.TRANSITIONS:
        assert (entity, source) in statuses, (entity, source)
        assert (entity, target) in statuses, (entity, target)
        assert source != target
        assert not statuses[(entity, source)].is_final, f"{entity}: a final status {source} has a way out"
    for entity in ("application", "project", "milestone"):
        assert any(s.is_final for s in prog.STATUSES if s.entity == entity)


def test_typologies_and_roles() -> None:
    codes = [t.code for t in prog.TYPOLOGIES]
    assert len(codes) == len(set(codes))
    assert {"PME", "ETI"} <= {t.code for t in prog.TYPOLOGIES if t.is_company}
    assert set(prog.PARTNER_ROLES) == {"chef_de_file", "partenaire", "partenaire_non_finance"}
