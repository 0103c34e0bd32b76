"""One dataset of the public credit information catalogue (公共信用信息目录条目)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from catalog import keys
from catalog.keys import KeyPart

CKAN_DATASET_PREFIX = "wuhan-credit-"


class Openness(StrEnum):
    """公开属性: how far a dataset's records may travel (Order 272: 公开 / 查询 / 共享)."""

    PUBLIC = "public"
    AUTHORISED = "authorised"
    GOVERNMENT = "government"

    @property
    def zh(self) -> str:
        """The Chinese label: 社会公开, 授权查询 or 政务共享."""
        return _OPENNESS_ZH[self]


_OPENNESS_ZH = {
    Openness.PUBLIC: "社会公开",
    Openness.AUTHORISED: "授权查询",
    Openness.GOVERNMENT: "政务共享",
}


OPENNESS_RANK = {Openness.PUBLIC: 0, Openness.AUTHORISED: 1, Openness.GOVERNMENT: 2}
"""Narrower is higher."""


@dataclass(frozen=True, slots=True)
class Provider:
    """An information provider (信息提供单位) and its unified social credit code."""

    name_zh: str
    name_en: str
    uscc: str

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Provider:
        return cls(name_zh=raw["name_zh"], name_en=raw["name_en"], uscc=raw["uscc"])


@dataclass(frozen=True, slots=True)
class CkanMapping:
    """Where the dataset goes in CKAN: the owning organisation, its tags and licence."""

    organisation: str
    tags: tuple[str, ...]
    licence_id: str


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A catalogue dataset: what its records are, who provides them, how they are keyed,
    which schema validates them, which publication rule applies and how open they are.

    Built by the loader from a YAML file already validated against the meta-schema;
    ``raw`` keeps that file as loaded.
    """

    id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    category: str
    category_zh: str
    providers: tuple[Provider, ...]
    openness: Openness
    schema_id: str
    schema_version: str
    natural_key: tuple[KeyPart, ...]
    publication_rule: str
    update_frequency: str
    disclosure_deadline_working_days: int | None
    ckan: CkanMapping
    raw: dict[str, Any] = field(compare=False, hash=False, repr=False)
    category_en: str = ""
    record_kind_zh: str | None = None
    subject_openness: Mapping[Any, Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """``SubjectCategory -> SubjectOpenness`` (:mod:`catalog.subjects`): the manifest's
    defaults merged with this entry's overrides; set by the loader."""

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> CatalogEntry:
        """The entry of a YAML document that passed the meta-schema."""
        ckan = raw["ckan"]
        return cls(
            id=raw["id"],
            title_zh=raw["title"]["zh"],
            title_en=raw["title"]["en"],
            description_zh=raw["description"]["zh"].strip(),
            description_en=raw["description"]["en"].strip(),
            category=raw["category"]["code"],
            category_zh=raw["category"]["zh"],
            category_en=raw["category"]["en"],
            providers=tuple(Provider.from_raw(p) for p in raw["providers"]),
            openness=Openness(raw["openness"]),
            schema_id=raw["schema"]["id"],
            schema_version=raw["schema"]["version"],
            natural_key=keys.parse_key(raw["natural_key"]),
            publication_rule=raw["publication_rule"],
            update_frequency=raw["update_frequency"],
            disclosure_deadline_working_days=raw["disclosure_deadline_working_days"],
            ckan=CkanMapping(
                organisation=ckan["organisation"],
                tags=tuple(ckan["tags"]),
                licence_id=ckan["licence_id"],
            ),
            raw=raw,
            record_kind_zh=raw.get("record_kind_zh"),
        )

    def openness_for(self, category: Any) -> Openness:
        """How open this dataset's records about a subject category are: the narrower of the
        dataset's openness and the category's (unknown category: the dataset's)."""
        policy = self.subject_openness.get(category)
        if policy is None:
            return self.openness
        ours, theirs = OPENNESS_RANK[self.openness], OPENNESS_RANK[policy.openness]
        return self.openness if ours >= theirs else Openness(policy.openness)

    @property
    def main_provider(self) -> Provider:
        """The first provider; it owns the dataset in CKAN."""
        return self.providers[0]

    def key_fields(self) -> tuple[str, ...]:
        """Every field id named by the natural key, coalesce members included."""
        return keys.key_fields(self.natural_key)

    def key_values(self, record: Mapping[str, Any]) -> tuple[str, ...] | None:
        """The natural-key values of ``record``; None when a part has no usable value.

        A coalesce group takes its first present, non-blank value; the USCC placeholder
        ``00000000000000000X`` never counts as a value (see :mod:`catalog.keys`).
        """
        return keys.key_values(self.natural_key, record)

    def record_id(self, record: Mapping[str, Any]) -> str | None:
        """The stable record id of ``record`` (:func:`catalog.record_id_for`), or None."""
        values = self.key_values(record)
        return None if values is None else keys.record_id_for(self.id, values)

    def ckan_dataset_name(self) -> str:
        """The CKAN dataset name: ``wuhan-credit-<id>``."""
        return f"{CKAN_DATASET_PREFIX}{self.id}"
