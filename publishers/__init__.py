"""Read, normalise and validate what departments publish, and report on it.

Readers stream CSV (UTF-8, GBK, GB18030), XLSX, JSON and NDJSON; headers are matched by English
id, Chinese label or national code; every row is validated against its dataset's JSON Schema
and reported with stable, bilingual issue codes.
"""

from publishers.formulas import SafeWriter, neutralise, neutralise_row
from publishers.headers import ColumnMap, HeaderIndex, header_key, map_columns
from publishers.intake import Intake, ValidatedRow, validate_file
from publishers.normalise import NORMALISERS, value_aliases
from publishers.parallel import validate_file_parallel
from publishers.readers import ReadError, RowProblem, Table, open_bytes, open_table
from publishers.report import Issue, IssueCode, Report, issue_codes, make_issue
from publishers.validation import RecordValidator, compiled_validator

__all__ = [
    "NORMALISERS",
    "ColumnMap",
    "HeaderIndex",
    "Intake",
    "Issue",
    "IssueCode",
    "ReadError",
    "RecordValidator",
    "Report",
    "RowProblem",
    "SafeWriter",
    "Table",
    "ValidatedRow",
    "compiled_validator",
    "header_key",
    "issue_codes",
    "make_issue",
    "map_columns",
    "neutralise",
    "neutralise_row",
    "open_bytes",
    "open_table",
    "validate_file",
    "validate_file_parallel",
    "value_aliases",
]
