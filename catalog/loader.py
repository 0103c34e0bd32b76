"""Reading and checking the catalogue files.

Layout of a catalogue directory (the package's own one is found with ``importlib.resources``,
so it works from an editable install and from a wheel)::

    catalogue.yaml          manifest: title, version, publisher, the ordered dataset ids,
                            how subjects are read and their default openness (subject_openness)
    entries/<id>.yaml       one dataset each, validated by meta-schema.json

Every problem found is collected (unreadable YAML, duplicate keys, meta-schema violations with
their JSON path, file name ≠ id, manifest and files disagreeing, inconsistent categories or
providers) and raised together as one :class:`InvalidCatalogError`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from catalog.catalogue import Catalog
from catalog.entry import CatalogEntry, Provider
from catalog.errors import InvalidCatalogError
from catalog.keys import key_fields
from catalog.subjects import SubjectRules, merged_openness, parse_openness

MANIFEST = "catalogue.yaml"
ENTRIES = "entries"
META_SCHEMA = "meta-schema.json"


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@cache
def meta_schema() -> dict[str, Any]:
    """The Draft 2020-12 meta-schema that every catalogue entry must satisfy."""
    text = (resources.files("catalog") / META_SCHEMA).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    schema = meta_schema()
    registry: Registry = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    entry = Draft202012Validator(schema, registry=registry)
    manifest = Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/manifest"}, registry=registry)
    return entry, manifest


def _read_yaml(file: Traversable, label: str, problems: list[str]) -> tuple[bool, Any]:
    """``(True, document)``, or ``(False, None)`` after adding the problem to ``problems``."""
    try:
        return True, yaml.load(file.read_text("utf-8"), Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problems.append(f"{label}: {where}: {exc.problem or exc}")
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{label}: {exc}")
    return False, None


def _schema_problems(validator: Draft202012Validator, document: Any, label: str) -> Iterator[str]:
    for error in sorted(validator.iter_errors(document), key=lambda e: e.json_path):
        yield f"{label}: {error.json_path}: {error.message}"


def _entry_problems(raw: dict[str, Any], stem: str, label: str) -> Iterator[str]:
    """Checks the meta-schema cannot express, on an entry that passed it."""
    if raw["id"] != stem:
        yield f"{label}: $.id: {raw['id']!r} differs from the file name {stem!r}"
    fields = [f for p in raw["natural_key"] for f in ([p] if isinstance(p, str) else p["coalesce"])]
    if len(fields) != len(key_fields(tuple(fields))):
        yield f"{label}: $.natural_key: a field appears more than once"


def _catalogue_problems(entries: list[tuple[str, CatalogEntry]]) -> Iterator[str]:
    """Agreement between entries: one name per category code, one provider per USCC."""
    categories: dict[str, tuple[str, str, str]] = {}
    providers: dict[str, tuple[Provider, str]] = {}
    for label, entry in entries:
        seen = categories.setdefault(entry.category, (entry.category_zh, entry.category_en, label))
        if seen[:2] != (entry.category_zh, entry.category_en):
            yield (
                f"{label}: $.category: {entry.category!r} is named {seen[:2]} in {seen[2]}, "
                f"not {(entry.category_zh, entry.category_en)}"
            )
        for i, provider in enumerate(entry.providers):
            known, where = providers.setdefault(provider.uscc, (provider, label))
            if known != provider:
                yield (
                    f"{label}: $.providers[{i}]: USCC {provider.uscc} belongs to "
                    f"{known.name_zh} ({known.name_en}) in {where}"
                )


def _root(directory: str | os.PathLike[str] | None) -> Traversable:
    return resources.files("catalog") if directory is None else Path(directory)


def _read_entries(
    files: list[Traversable], validator: Draft202012Validator, problems: list[str]
) -> dict[str, tuple[str, CatalogEntry]]:
    """The entries that read and check cleanly, by id with their file; the others' problems
    are added to ``problems``."""
    loaded: dict[str, tuple[str, CatalogEntry]] = {}
    for file in files:
        label = str(file)
        if file.name.startswith(".") or file.name == "__pycache__":
            continue
        if not file.name.endswith(".yaml"):
            problems.append(f"{label}: not a .yaml file; entries are entries/<id>.yaml")
            continue
        readable, raw = _read_yaml(file, label, problems)
        if not readable:
            continue
        found = list(_schema_problems(validator, raw, label))
        if not found:
            found = list(_entry_problems(raw, file.name.removesuffix(".yaml"), label))
        if found:
            problems.extend(found)
            continue
        loaded[raw["id"]] = (label, CatalogEntry.from_raw(raw))
    return loaded


def read_catalog(directory: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and check a catalogue directory (the package's own when ``directory`` is None).

    Uncached; raises :class:`InvalidCatalogError` listing every problem found.
    """
    root = _root(directory)
    entry_validator, manifest_validator = _validators()
    problems: list[str] = []

    manifest_file = root / MANIFEST
    manifest_label = str(manifest_file)
    manifest_ok, manifest = _read_yaml(manifest_file, manifest_label, problems)
    if manifest_ok:
        manifest_problems = list(_schema_problems(manifest_validator, manifest, manifest_label))
        problems.extend(manifest_problems)
        manifest_ok = not manifest_problems

    entries_dir = root / ENTRIES
    files = sorted(entries_dir.iterdir(), key=lambda f: f.name) if entries_dir.is_dir() else []
    if not files:
        problems.append(f"{entries_dir}: no catalogue entries found")
    loaded = _read_entries(files, entry_validator, problems)
    if manifest_ok:
        listed = manifest["datasets"]
        stems = {f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml")}
        problems.extend(
            f"{manifest_label}: $.datasets: {i!r} has no file {ENTRIES}/{i}.yaml"
            for i in listed
            if i not in stems
        )
        problems.extend(
            f"{entries_dir / (s + '.yaml')}: not listed in {MANIFEST} $.datasets"
            for s in sorted(stems - set(listed))
        )
    problems.extend(_catalogue_problems(list(loaded.values())))
    if problems:
        raise InvalidCatalogError(problems)

    defaults = parse_openness(manifest["subject_openness"])
    return Catalog(
        (
            dataclasses.replace(
                loaded[i][1], subject_openness=merged_openness(defaults, loaded[i][1].raw)
            )
            for i in manifest["datasets"]
        ),
        publisher=Provider.from_raw(manifest["publisher"]),
        version=manifest["version"],
        title_zh=manifest["title"]["zh"],
        title_en=manifest["title"]["en"],
        subjects=SubjectRules.from_raw(manifest["subjects"]),
    )


@cache
def _package_catalog() -> Catalog:
    return read_catalog(None)


def load_catalog(directory: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalogue: the package's own (read once, then cached) or the one in ``directory``.

    Raises :class:`InvalidCatalogError` (a :class:`CatalogError`) naming each broken file and
    the JSON path of each problem.
    """
    return _package_catalog() if directory is None else read_catalog(directory)


def get_entry(dataset_id: str) -> CatalogEntry:
    """The entry of one dataset of the package catalogue; raises :class:`UnknownDatasetError`."""
    return _package_catalog()[dataset_id]


def dataset_ids() -> tuple[str, ...]:
    """Every dataset id of the package catalogue, in catalogue order."""
    return _package_catalog().ids()
