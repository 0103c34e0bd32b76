"""Exceptions of the catalogue package: raised only when work cannot go on.

CatalogError                  base class; ``status`` is the HTTP status a gateway should use
├── InvalidCatalogError       the catalogue files are broken (500: a deployment error)
└── UnknownDatasetError       no dataset of that id (404); also a ``KeyError``
"""

from __future__ import annotations

from collections.abc import Iterable


class CatalogError(Exception):
    """Base class of every catalogue error."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidCatalogError(CatalogError):
    """One or more catalogue files are unreadable or break the meta-schema.

    ``problems`` holds one line per problem, ``"<file>: <JSON path>: <message>"``.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"invalid public credit information catalogue ({count} problem{'s' * (count != 1)})"
        super().__init__("\n".join((head, *(f"  {p}" for p in self.problems))))


class UnknownDatasetError(CatalogError, KeyError):
    """No dataset of that id in the catalogue.

    It is a ``KeyError`` too, so that :class:`catalog.Catalog` behaves as a ``Mapping``
    (``in``, ``.get``) while callers that catch :class:`CatalogError` still see it.
    """

    status = 404

    def __init__(self, dataset_id: str, known: Iterable[str]) -> None:
        self.dataset_id = dataset_id
        self.known = tuple(known)
        super().__init__(f"unknown dataset {dataset_id!r}; known datasets: {', '.join(self.known)}")
