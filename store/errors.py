"""Exceptions of the exchange store, raised only when work cannot go on.

Bad data never raises: a submitted row the store cannot keep becomes a :class:`StoreIssue`
in the :class:`SubmitResult`. The tree::

    StoreError
    ├── StoreUnavailableError   the database cannot be reached (message names the URL, no password)
    ├── MigrationError          the schema cannot be brought up to date
    ├── UnknownRecordError      no record with that id (or natural key) is stored   (LookupError)
    └── InvalidQueryError       a read asked for something the store cannot answer  (ValueError)

An unknown dataset id raises the catalogue's own ``catalog.UnknownDatasetError`` (a
``KeyError``, HTTP status 404); the store does not wrap it.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every exception raised by :mod:`store`."""


class StoreUnavailableError(StoreError):
    """The database at the given URL cannot be reached or opened."""


class MigrationError(StoreError):
    """The database schema cannot be migrated (unknown newer version, failed step)."""


class UnknownRecordError(StoreError, LookupError):
    """No record with that id or natural key is stored."""


class InvalidQueryError(StoreError, ValueError):
    """A read named a field, state or option the store does not know."""
