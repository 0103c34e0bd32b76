"""The public credit information catalogue (公共信用信息目录) of the Wuhan credit gateway.

What datasets exist, who provides them, which schema validates their records, how a record is
keyed and identified, which publication rule applies and how open the data is. The catalogue
is data (``catalog/catalogue.yaml`` and ``catalog/entries/*.yaml``, checked against
``catalog/meta-schema.json``); this package loads it. It imports nothing else of creditgate.
"""

from catalog.catalogue import Catalog
from catalog.entry import CKAN_DATASET_PREFIX, CatalogEntry, CkanMapping, Openness, Provider
from catalog.errors import CatalogError, InvalidCatalogError, UnknownDatasetError
from catalog.keys import (
    DEVELOPMENT_IDENTITY_SECRET,
    RECORD_ID_PATTERN,
    USCC_PLACEHOLDER,
    KeyPart,
    identity_secret_is_default,
    key_value,
    record_id_for,
    split_record_id,
    use_identity_secret,
)
from catalog.loader import dataset_ids, get_entry, load_catalog, meta_schema, read_catalog
from catalog.subjects import SubjectCategory, SubjectOpenness, SubjectRules

__all__ = [
    "CKAN_DATASET_PREFIX",
    "DEVELOPMENT_IDENTITY_SECRET",
    "RECORD_ID_PATTERN",
    "USCC_PLACEHOLDER",
    "Catalog",
    "CatalogEntry",
    "CatalogError",
    "CkanMapping",
    "InvalidCatalogError",
    "KeyPart",
    "Openness",
    "Provider",
    "SubjectCategory",
    "SubjectOpenness",
    "SubjectRules",
    "UnknownDatasetError",
    "dataset_ids",
    "get_entry",
    "identity_secret_is_default",
    "key_value",
    "load_catalog",
    "meta_schema",
    "read_catalog",
    "record_id_for",
    "split_record_id",
    "use_identity_secret",
]
