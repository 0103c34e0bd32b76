"""Check-digit algorithms of the Chinese identifiers that credit records carry.

Pure functions, no I/O: GB 32100-2015 unified social credit codes (统一社会信用代码), the
GB 11714-1997 organisation code embedded in them, and GB 11643-1999 resident identity
numbers (居民身份证号码). The worked examples in ``credit-domain.md`` §2 are the tests.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from operator import mul

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 (no I, O, S, V, Z); a character's value is its index."""

USCC_PLACEHOLDER = "00000000000000000X"
"""The 双公示 placeholder for an individual business without a code (fails the checksum)."""

_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# 登记管理部门码 → valid 机构类别码 (GB 32100 annex, credit-domain §2.2).
REGISTRATION_TYPES: dict[str, str] = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    if len(body) != 17:
        raise ValueError("a USCC body has 17 characters")
    total = sum(map(mul, map(_USCC_VALUES.__getitem__, body), _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)
def is_valid_uscc(code: str) -> bool:
    """True when ``code`` has 18 characters of the GB 32100 set and a correct check character.

    Cached: the same authority and source-unit codes recur on every row of a file.
    """
    if len(code) != 18 or code[17] not in _USCC_VALUES:
        return False
    try:
        return uscc_check_char(code[:17]) == code[17]
    except KeyError:
        return False


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character for an 8-character organisation-code body.

    Letters take their GB 11714 values (A=10 … Z=35), *not* their USCC index.
    """
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@lru_cache(maxsize=65536)
def is_valid_org_code(code: str) -> bool:
    """True for a 9-character organisation code (no hyphen) with a correct check character."""
    if len(code) != 9 or not all(c.isascii() and c.isalnum() and not c.islower() for c in code[:8]):
        return False
    return org_code_check_char(code[:8]) == code[8]


def uscc_embedded_org_code_ok(code: str) -> bool:
    """True when positions 9–17 of a USCC form a valid GB 11714 organisation code."""
    return is_valid_org_code(code[8:17])


def uscc_registration_type_known(code: str) -> bool:
    """True when the (登记管理部门码, 机构类别码) pair of a USCC is in the GB 32100 table."""
    return code[1:2] in REGISTRATION_TYPES.get(code[:1], "")


def id_check_char(body: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    if len(body) != 17:
        raise ValueError("a resident ID body has 17 digits")
    return _ID_CHECK[sum(map(mul, map(int, body), _ID_WEIGHTS)) % 11]


def id_birth_date(number: str) -> dt.date | None:
    """The birth date encoded in an 18- or 15-digit resident ID number, or None if impossible."""
    try:
        if len(number) == 18:
            return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if len(number) == 15:
            return dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    return None


@lru_cache(maxsize=65536)
def is_valid_resident_id(number: str) -> bool:
    """True for an 18-digit number with a valid check character and a real, past birth date.

    15-digit first-generation numbers have no check character; their birth date is checked.
    """
    if len(number) == 18:
        if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
            return False
        if id_check_char(number[:17]) != number[17]:
            return False
    elif len(number) == 15:
        if not (number.isascii() and number.isdigit()):
            return False
    else:
        return False
    born = id_birth_date(number)
    return born is not None and dt.date(1850, 1, 1) <= born <= dt.date.today()


def mask_id_number(value: str) -> str:
    """Mask a personal ID number for display: keep the first 6 and last 4 characters."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
