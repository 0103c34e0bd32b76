"""What a valid credit record is: Draft 2020-12 JSON Schemas, formats and check digits.

Depends only on the standard library, ``jsonschema``/``referencing`` and the data files under
``schemas/json``. Downstream packages import from here, never from the private modules.
"""

from schemas.formats import FORMATS, format_checker
from schemas.grades import (
    Grade,
    GradeScale,
    GradeScaleError,
    GradeScales,
    load_grade_scales,
    read_grade_scales,
)
from schemas.identifiers import (
    USCC_CHARSET,
    USCC_PLACEHOLDER,
    id_birth_date,
    id_check_char,
    is_valid_org_code,
    is_valid_resident_id,
    is_valid_uscc,
    mask_id_number,
    org_code_check_char,
    uscc_check_char,
    uscc_embedded_org_code_ok,
    uscc_registration_type_known,
)
from schemas.national import (
    NationalColumn,
    field_for_code,
    national_columns,
    national_row,
    national_schemas,
    national_standard,
)
from schemas.registry import (
    BASE_URI,
    FieldSpec,
    UnknownSchemaError,
    date_order_rules,
    documents,
    fields,
    reference_validator,
    registry,
    resolve,
    schema_document,
    schema_names,
    schema_uri,
)

__all__ = [
    "BASE_URI",
    "FORMATS",
    "USCC_CHARSET",
    "USCC_PLACEHOLDER",
    "FieldSpec",
    "Grade",
    "GradeScale",
    "GradeScaleError",
    "GradeScales",
    "NationalColumn",
    "UnknownSchemaError",
    "date_order_rules",
    "documents",
    "field_for_code",
    "fields",
    "format_checker",
    "id_birth_date",
    "id_check_char",
    "is_valid_org_code",
    "is_valid_resident_id",
    "is_valid_uscc",
    "load_grade_scales",
    "mask_id_number",
    "national_columns",
    "national_row",
    "national_schemas",
    "national_standard",
    "org_code_check_char",
    "read_grade_scales",
    "reference_validator",
    "registry",
    "resolve",
    "schema_document",
    "schema_names",
    "schema_uri",
    "uscc_check_char",
    "uscc_embedded_org_code_ok",
    "uscc_registration_type_known",
]
