"""TEST-ONLY CKAN plugin: make the Solr package search index a no-op.

Stock CKAN (2.10+) re-indexes a dataset in Solr on every dataset write
(package_create/update/patch/delete, resource_create, datastore_create on a new
resource ...) and rolls the write back with ``SearchIndexError`` when Solr is
unreachable; there is no configuration switch to turn that off. Solr cannot be
installed on the project's development/CI machines, so ``scripts/ckan`` loads
this plugin -- and ONLY when no real Solr URL is configured (env
``CKAN_SOLR_URL`` unset).

Effects, and the only ones:
* indexing, un-indexing, commit and clear of the package index do nothing;
* ``package_search`` (and anything built on ``PackageSearchQuery.run``, e.g.
  ``package_autocomplete`` and organisation dataset counts) returns an empty
  result: count 0, no results, empty facets (one empty facet per requested
  ``facet.field``, as Solr would answer for no hits);
* ``package_show`` never consults the index (it reads the database, which it
  does anyway whenever the index misses);
* the start-up Solr schema check is skipped (no connection attempt, no
  traceback in the log).

The action API, validation, auth and the DataStore stay stock CKAN.
Never enable this plugin on a real site.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Optional

import ckan.plugins as plugins

log = logging.getLogger(__name__)

_PATCHED = False


def _requested_facet_fields(query: dict[str, Any]) -> list[str]:
    fields = query.get("facet.field") or []
    if isinstance(fields, str):
        try:
            fields = json.loads(fields)
        except ValueError:
            fields = [fields]
    if isinstance(fields, str):
        fields = [fields]
    return [f for f in fields if isinstance(f, str)]


def install_noop_search() -> None:
    """Patch CKAN's package search index/query classes (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return

    import ckan.lib.search as search
    from ckan.lib.search import index as search_index
    from ckan.lib.search import query as search_query
    from ckan.lib.search.common import SearchError, SearchQueryError

    PackageSearchIndex = search_index.PackageSearchIndex
    PackageSearchQuery = search_query.PackageSearchQuery

    # --- index side: every write becomes a no-op -------------------------
    def index_package(self: Any, pkg_dict: Optional[dict[str, Any]],
                      defer_commit: bool = False) -> None:
        return None

    def delete_package(self: Any, pkg_dict: dict[str, Any]) -> None:
        return None

    def commit(self: Any) -> None:
        return None

    def clear(self: Any) -> None:
        return None

    PackageSearchIndex.index_package = index_package  # type: ignore[method-assign]
    PackageSearchIndex.delete_package = delete_package  # type: ignore[method-assign]
    PackageSearchIndex.commit = commit  # type: ignore[method-assign]
    PackageSearchIndex.clear = clear  # type: ignore[method-assign]
    search_index.clear_index = lambda: None

    # --- query side: always an empty result -----------------------------
    def run(self: Any, query: dict[str, Any],
            permission_labels: Optional[list[str]] = None,
            **kwargs: Any) -> dict[str, Any]:
        # keep stock CKAN's parameter validation so clients see the same errors
        invalid = set(query.keys()) - search_query.VALID_SOLR_PARAMETERS
        if invalid:
            raise SearchQueryError(
                "Invalid search parameters: %s" % sorted(invalid))
        facets: dict[str, dict[str, int]] = {}
        if str(query.get("facet", "true")).lower() == "true":
            facets = {f: {} for f in _requested_facet_fields(query)}
        self.count = 0
        self.results = []
        self.facets = facets
        return {"results": self.results, "count": self.count}

    def get_index(self: Any, reference: str) -> dict[str, Any]:
        # package_show catches SearchError and reads the database instead
        raise SearchError(
            "creditgate_nosearch: no search index (dataset %s)" % reference)

    def get_all_entity_ids(self: Any, max_results: int = 1000) -> list[str]:
        return []

    PackageSearchQuery.run = run  # type: ignore[method-assign]
    PackageSearchQuery.get_index = get_index  # type: ignore[method-assign]
    PackageSearchQuery.get_all_entity_ids = get_all_entity_ids  # type: ignore[method-assign]

    # --- start-up: skip the Solr schema check (it would log a traceback) --
    search.check_solr_schema_version = lambda schema_file=None: False

    _PATCHED = True
    log.warning(
        "creditgate_nosearch: the package search index is DISABLED "
        "(test-only plugin; package_search always returns count 0)")


class NoSearchPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.IConfigurable)

    # IConfigurer: runs when the plugins are loaded, before CKAN's start-up
    # Solr schema check -- patch early so that check is skipped too.
    def update_config(self, config: Any) -> None:
        install_noop_search()

    # IConfigurable: the documented place for the patch.
    def configure(self, config: Any) -> None:
        install_noop_search()
