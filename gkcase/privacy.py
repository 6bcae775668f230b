"""Masking personal data for lists, logs and exports (design.md: 个人信息脱敏).

Whoever does not need an applicant's identity number, phone or address to do their work sees it
masked: enough is left to tell two records apart or to confirm a number read out on the phone
(``1101**********002X``, ``138****1234``, ``某市东湖区****``), never enough to reconstruct it.
Every function takes what is stored (possibly empty) and returns text fit to print.
"""

from __future__ import annotations

import re

_STAR = "*"
#: Administrative levels an address may be cut after: the part before them is not personal.
_ADDRESS_LEVELS = ("自治区", "自治州", "街道", "省", "市", "州", "盟", "区", "县", "旗", "镇", "乡")
_ADDRESS_MASK = "****"


def mask_id_number(number: str) -> str:
    """An identity number with its middle hidden: ``110101199003070021`` → ``1101**********0021``.

    18-character numbers (居民身份证, 统一社会信用代码) keep the first and last four characters;
    shorter ones (passports, permits) keep two at each end; very short ones only the last.
    """
    value = "".join(number.split())
    if not value:
        return ""
    length = len(value)
    if length >= 15:
        keep_head, keep_tail = 4, 4
    elif length >= 8:
        keep_head, keep_tail = 2, 2
    else:
        keep_head, keep_tail = 0, 1
    return (
        value[:keep_head] + _STAR * (length - keep_head - keep_tail) + value[length - keep_tail :]
    )


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: ``13812341234`` → ``138****1234``.

    A mobile number (with or without +86) keeps its first three and last four digits; a landline
    written with its area code (``0571-87654321``) keeps the area code and the last four digits;
    anything else keeps only its last two digits.
    """
    value = phone.strip()
    if not value:
        return ""
    compact = re.sub(r"[\s-]", "", value)
    mobile = re.fullmatch(r"(\+?86)?(1\d{10})", compact)
    if mobile:
        digits = mobile.group(2)
        return f"{digits[:3]}****{digits[-4:]}"
    landline = re.fullmatch(r"(0\d{2,3})[-\s]?(\d{7,8})(?:[-转]\d{1,6})?", value)
    if landline:
        area, local = landline.groups()
        return f"{area}-{_STAR * (len(local) - 4)}{local[-4:]}"
    digits = re.sub(r"\D", "", value)
    if len(digits) <= 2:
        return _STAR * len(digits)
    return _STAR * (len(digits) - 2) + digits[-2:]


def mask_address(address: str) -> str:
    """An address cut after its district (or town): ``某市东湖区解放路128号502室`` → ``某市东湖区****``.

    The cut is made after the last administrative level (省、市、区、县、镇、乡、街道…) found in
    the first half of the address, so a street name that happens to contain 市 cannot expose the
    house number; an address with no such level keeps only its first third.
    """
    value = address.strip()
    if not value:
        return ""
    window = max(6, len(value) // 2)
    cut = 0
    for level in _ADDRESS_LEVELS:
        start = 0
        while (found := value.find(level, start, window)) != -1:
            cut = max(cut, found + len(level))
            start = found + 1
    cut = min(cut, window)
    if cut == 0:
        cut = len(value) // 3
    if cut >= len(value):
        cut = max(0, len(value) - 2)
    return value[:cut] + _ADDRESS_MASK


__all__ = ["mask_address", "mask_id_number", "mask_phone"]
