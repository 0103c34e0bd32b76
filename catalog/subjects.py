"""Who a record is about (行政相对人类别) and how open records about such a subject may be.

Natural persons (自然人), individual businesses (个体工商户) and legal persons and other
organisations (法人及非法人组织) are treated differently: under 《武汉市公共信用信息管理办法》
(武汉市人民政府令第272号) and the practice of 信用中国, records about natural persons go out by
authorised query and government sharing, never by open publication. The policy is data: the
manifest ``catalog/catalogue.yaml`` holds the defaults (``subjects`` and ``subject_openness``),
an entry may override the openness of a category with its own legal basis.

:func:`classify` reads a record and fails closed: a record whose category is missing or not
recognised, but whose identifiers look like a person's (an ID number and no organisation
code, or no identifier at all), is a natural person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from catalog.entry import OPENNESS_RANK, Openness

USCC_PLACEHOLDER = "00000000000000000X"
INDIVIDUAL_BUSINESS_USCC_PREFIX = "92"
"""GB 32100: registration authority 9 (market regulation), kind 2 (个体工商户)."""


class SubjectCategory(StrEnum):
    """行政相对人类别 as the policy names it."""

    LEGAL_PERSON = "legal_person"
    NATURAL_PERSON = "natural_person"
    INDIVIDUAL_BUSINESS = "individual_business"


def narrower(a: Openness, b: Openness) -> Openness:
    """The narrower of two opennesses (a record is as open as the narrower of its dataset's
    and its subject's)."""
    return a if OPENNESS_RANK[a] >= OPENNESS_RANK[b] else b


@dataclass(frozen=True, slots=True)
class SubjectOpenness:
    """How open records about one subject category are, and why (legal basis)."""

    openness: Openness
    basis_zh: str
    basis_en: str

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> SubjectOpenness:
        return cls(Openness(raw["openness"]), raw["basis"]["zh"], raw["basis"]["en"])


@dataclass(frozen=True, slots=True)
class SubjectRules:
    """How a record's subject category is read (the manifest's ``subjects``)."""

    category_field: str
    uscc_field: str
    labels: Mapping[str, SubjectCategory]
    organisation_identifiers: tuple[str, ...]
    person_identifiers: tuple[str, ...]

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> SubjectRules:
        labels: dict[str, SubjectCategory] = {}
        for code, spec in raw["categories"].items():
            for label in spec["labels"]:
                labels[str(label)] = SubjectCategory(code)
        return cls(
            category_field=raw["category_field"],
            uscc_field=raw["uscc_field"],
            labels=labels,
            organisation_identifiers=tuple(raw["organisation_identifiers"]),
            person_identifiers=tuple(raw["person_identifiers"]),
        )

    def declared(self, record: Mapping[str, Any]) -> SubjectCategory | None:
        """The category the record declares, if it is one the rules recognise."""
        value = record.get(self.category_field)
        return self.labels.get(value.strip()) if isinstance(value, str) else None

    def classify(self, record: Mapping[str, Any]) -> SubjectCategory:
        """The subject category of ``record``, failing closed to a natural person.

        1. A person identifier (ID number or its type) and no organisation identifier: a
           natural person, whatever the declared category says.
        2. A recognised declared category: that one.
        3. Otherwise an organisation identifier decides (a USCC starting ``92`` or the
           placeholder: an individual business; else a legal person); with none, a natural
           person.
        """
        org = [f for f in self.organisation_identifiers if _filled(record.get(f))]
        person = any(_filled(record.get(f)) for f in self.person_identifiers)
        if person and not org:
            return SubjectCategory.NATURAL_PERSON
        declared = self.declared(record)
        if declared is not None:
            return declared
        if not org:
            return SubjectCategory.NATURAL_PERSON
        uscc = record.get(self.uscc_field)
        if isinstance(uscc, str) and (
            uscc.strip().upper() == USCC_PLACEHOLDER
            or uscc.strip().startswith(INDIVIDUAL_BUSINESS_USCC_PREFIX)
        ):
            return SubjectCategory.INDIVIDUAL_BUSINESS
        return SubjectCategory.LEGAL_PERSON


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def parse_openness(raw: Mapping[str, Any]) -> dict[SubjectCategory, SubjectOpenness]:
    """``subject_openness`` of a manifest or an entry."""
    return {SubjectCategory(k): SubjectOpenness.from_raw(v) for k, v in raw.items()}


def merged_openness(
    defaults: Mapping[SubjectCategory, SubjectOpenness], raw_entry: Mapping[str, Any]
) -> dict[SubjectCategory, SubjectOpenness]:
    """The manifest's defaults with an entry's ``subject_openness`` overrides applied."""
    return {**defaults, **parse_openness(raw_entry.get("subject_openness") or {})}
