"""The resources (资源) of one published dataset: found by role and part, made to match the
catalogue, and file uploads that happen only when a file's content changed.

Each resource carries ``creditgate_role`` (``datastore``, ``csv``, ``ndjson``,
``datapackage``) and, for the table files, ``creditgate_part``. A duplicate — what a create
leaves behind when it is retried after it went through — is deleted. A file is uploaded when
its SHA-256 differs from the resource's ``hash``; parts a shrinking table no longer needs are
deleted.
"""

from __future__ import annotations

from typing import Any

from catalog import CatalogEntry
from portal.client import CkanClient
from portal.files import MEDIA_TYPES, FileSet, GeneratedFile, datapackage, write_datapackage
from portal.metadata import PART_KEY, ROLE_KEY, resource_changes, resource_dict
from portal.naming import PortalConfig, Role
from portal.summary import DatasetSummary
from portal.table import PublicTable

_ROLES = frozenset(r.value for r in Role)
Key = tuple[Role, int]


def _part(resource: dict[str, Any]) -> int:
    try:
        return max(1, int(resource.get(PART_KEY) or 1))
    except (TypeError, ValueError):
        return 1


class DatasetResources:
    """The resources of the CKAN dataset ``package`` of a catalogue entry."""

    def __init__(
        self,
        ckan: CkanClient,
        entry: CatalogEntry,
        config: PortalConfig,
        package: dict[str, Any],
        result: DatasetSummary,
    ) -> None:
        self.ckan, self.entry, self.config = ckan, entry, config
        self.package, self.result = package, result
        self.found: dict[Key, dict[str, Any]] = {}

    @property
    def datastore_id(self) -> str:
        """The id of the DataStore table's resource."""
        return str(self.found[Role.DATASTORE, 1]["id"])

    def ensure(self) -> None:
        """Find the resources; create missing ones and fix changed metadata."""
        found: dict[Key, dict[str, Any]] = {}
        for resource in self.package.get("resources") or ():
            role = resource.get(ROLE_KEY)
            if role not in _ROLES:
                continue
            key = (Role(role), _part(resource))
            if key in found:
                self.ckan.call("resource_delete", {"id": resource["id"]})
                self.result.metadata_written += 1
                continue
            found[key] = resource
        for key in sorted({(role, 1) for role in Role} | set(found)):
            desired = resource_dict(self.entry, self.config, *key)
            current = found.get(key)
            if current is None:
                found[key] = self.ckan.call(
                    "resource_create", {"package_id": self.package["id"], **desired}
                )
                self.result.metadata_written += 1
            elif changes := resource_changes(current, desired):
                found[key] = self.ckan.call("resource_patch", {"id": current["id"], **changes})
                self.result.metadata_written += 1
        self.found = found

    def publish_files(self, files: FileSet, table: PublicTable) -> None:
        """Upload the parts whose content changed, drop surplus parts, then the datapackage
        (whose paths are the parts' URLs). Closes ``files``."""
        with files:
            urls = {
                role: [self._upload(generated) for generated in files.parts[role]]
                for role in (Role.CSV, Role.NDJSON)
            }
            for role, part in sorted(self.found):
                if role in urls and part > len(urls[role]):
                    self.ckan.call("resource_delete", {"id": self.found[role, part]["id"]})
                    del self.found[role, part]
                    self.result.metadata_written += 1
            name = self.package["name"]
            descriptor = datapackage(
                table, self.package, files, urls, homepage=f"{self.ckan.url}/dataset/{name}"
            )
            self._upload(write_datapackage(files, descriptor))

    def _upload(self, generated: GeneratedFile) -> str:
        """Upload a file unless its resource already holds exactly it; answers its URL."""
        key = (generated.role, generated.part)
        resource = self.found.get(key)
        if resource is not None and resource.get("hash") == generated.hash and resource.get("url"):
            return str(resource["url"])
        fields: dict[str, Any] = {"hash": generated.hash}
        if resource is None:
            action = "resource_create"
            fields |= {
                "package_id": self.package["id"],
                **resource_dict(self.entry, self.config, *key),
            }
            fields.pop("url", None)
        else:
            action = "resource_patch"
            fields["id"] = resource["id"]
        with generated.open() as handle:
            name = self.config.resource_name(self.entry, *key)
            updated = self.ckan.call(
                action, fields, files={"upload": (name, handle, MEDIA_TYPES[generated.role])}
            )
        self.found[key] = updated
        self.result.files_uploaded += 1
        return str(updated["url"])
