"""Chinese resident ID numbers, validated as a Chinese user expects (pure); phones: shouhu_kit.phones."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# GB 11643-1999: 17 digits, then a check character from the weighted sum modulo 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII: \d would also take Arabic-Indic digits


class InvalidIdentity(ValueError):
    """A bad ID number; the message is 'Chinese / English'."""


def id_check_char(first17: str) -> str:
    """The check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str) -> str:
    """Full-width to ASCII, upper-case, no spaces; then check length, digits, birth date, check character."""
    value = unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()
    if not _ID.match(value):
        raise InvalidIdentity("身份证号应为18位，最后一位可为数字或X / ID number must be 18 characters")
    try:
        id_birth_date(value)
    except ValueError as exc:
        raise InvalidIdentity(
            "身份证号中的出生日期无效 / the birth date inside the ID number is invalid"
        ) from exc
    if id_check_char(value[:17]) != value[17]:
        raise InvalidIdentity("身份证号校验位不正确 / the ID number's check digit is wrong")
    return value


def id_birth_date(id_number: str) -> date:
    """The birth date encoded in characters 7–14."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_gender(id_number: str) -> str:
    """'male' for an odd 17th digit, else 'female'."""
    return "male" if int(id_number[16]) % 2 else "female"


def mask_id_number(value: str | None) -> str | None:
    """Keep the region (6) and the last 4: 410102********123X."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
