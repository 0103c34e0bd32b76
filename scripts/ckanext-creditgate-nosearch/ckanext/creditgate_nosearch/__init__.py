"""TEST-ONLY CKAN plugin ``creditgate_nosearch``: a no-op package search index.

See ``plugin.py`` and ``scripts/README-ckan.md`` in the creditgate repository.
"""
