"""Amounts stated in the penalty text, to catch a 万元 column filled in yuan (金额单位核对).

The national standard carries fines in 万元 (``CF_NR_FK``: 2,000 yuan is ``0.2``); a frequent
export mistake writes the yuan figure into that column. The penalty content usually states
the fine in words (罚款人民币2000元, 处以五千元罚款, 罚款2万元), so :func:`fine_unit_suspect`
compares the two: when no amount stated in the text equals the column × 10,000 but one equals
the column read as yuan, the column is suspect and the likely value is the stated one in 万元.
Which text fields state an amount is data: the amount field's ``x-unit-stated-in`` annotation.
Digits (half- or full-width, with thousands separators) and Chinese numerals (二千, 两万,
贰仟伍佰) with the units 元, 千元 and 万元 are understood. A text that states no amount, or
agrees with the column, gives nothing: the check never guesses.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["fine_unit_suspect", "stated_fines", "worth_checking"]

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_CN = "".join([*_CN_DIGITS, *_CN_SMALL, *_CN_LARGE])
_NUM = rf"[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?|[{_CN}]+"
_UNIT = r"万元|千元|元"
_AFTER = re.compile(rf"[^0-9０-９{_CN}。；;，,]{{0,8}}?({_NUM})\s*({_UNIT})")
"""After 罚款: 罚款人民币2000元, 罚款：2万元."""
_BEFORE = re.compile(rf"({_NUM})\s*({_UNIT})整?的?$")
"""Before 罚款: 处以2000元罚款, 五千元的罚款."""
_KEYWORD = "罚款"
_BACK = 24
_UNIT_YUAN = {"元": 1, "千元": 1000, "万元": 10_000}
_WAN = Decimal(10_000)


def _chinese(text: str) -> int | None:
    total = section = number = 0
    for char in text:
        if char in _CN_DIGITS:
            number = _CN_DIGITS[char]
        elif char in _CN_SMALL:
            section += (number or 1) * _CN_SMALL[char]
            number = 0
        elif char in _CN_LARGE:
            total = (total + section + number) * _CN_LARGE[char]
            section = number = 0
        else:
            return None
    return total + section + number


def _number(text: str) -> Decimal | None:
    if text[0] in _CN_DIGITS or text[0] in _CN_SMALL or text[0] in _CN_LARGE:
        value = _chinese(text)
        return None if value is None else Decimal(value)
    plain = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "")
    try:
        return Decimal(plain)
    except InvalidOperation:
        return None


def stated_fines(text: str) -> list[tuple[Decimal, str]]:
    """Every fine the text states: ``(amount in yuan, the words)``."""
    out: list[tuple[Decimal, str]] = []
    at = text.find(_KEYWORD)
    while at >= 0:
        end = at + len(_KEYWORD)
        after = _AFTER.match(text, end)
        if after:
            found = (after.group(1), after.group(2), text[at : after.end()])
        else:
            before = _BEFORE.search(text[max(0, at - _BACK) : at])
            if before:
                found = (before.group(1), before.group(2), before.group(0) + _KEYWORD)
            else:
                found = None
        if found:
            number = _number(found[0])
            if number is not None and number > 0:
                out.append((number * _UNIT_YUAN[found[1]], found[2]))
        at = text.find(_KEYWORD, end)
    return out


def worth_checking(amount_wan: str) -> bool:
    """Cheap gate: only a column of at least 10 (万元) can be a yuan figure of a real fine.

    A fine below 10 yuan written in yuan is not caught; every other row skips the text.
    """
    head = amount_wan.partition(".")[0]
    return len(head) >= 2 and head[0] != "0"


def fine_unit_suspect(amount_wan: str, text: str) -> tuple[str, str] | None:
    """``(likely value in 万元, the words)`` when the column looks filled in yuan, else None."""
    if "元" not in text or _KEYWORD not in text:
        return None
    stated = stated_fines(text)
    if not stated:
        return None
    try:
        column = Decimal(amount_wan)
    except InvalidOperation:
        return None
    if column <= 0 or any(column * _WAN == yuan for yuan, _ in stated):
        return None
    for yuan, words in stated:
        if column == yuan:
            likely = format((yuan / _WAN).normalize(), "f")
            return likely, words
    return None
