"""Chinese phone numbers (电话号码): read as typed, stored in E.164, shown and masked the Chinese way.

Mainland mobiles (手机) and fixed lines with their area code (固定电话，带区号), validated against the
number plan that the `phonenumbers` library keeps current. A grandparent in a village often has only
a landline; without its area code it cannot be dialled from a helper's mobile, so that is refused
with the reason. Values stored before E.164 (`13800138000`) still display and mask correctly.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from pydantic import AfterValidator, Field

REGION = "CN"
_KINDS = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# An extension typed after a landline: 0371-63123456-8001, 0371-63123456转8001, 010-12345678 ext 12.
_EXTENSION = re.compile(r"^(?P<number>.+?)\s*(?:转|分机|ext\.?|x|#|-)\s*(?P<ext>\d{1,6})$", re.IGNORECASE)
# Seven or eight digits not starting 0 or 1: a local landline number, its area code left out.
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")
# A stored mobile (E.164, or the 11 digits kept before it), validated when written: shown and masked
# without parsing again, which a roster export of 10,000 children would otherwise do 30,000 times.
_STORED_MOBILE = re.compile(r"^(?:\+86)?(1[0-9]{10})$")
INVALID = (
    "电话号码无效：手机号为11位，固定电话须带区号，如 0371-63123456 / "
    "not a valid phone number: a mobile has 11 digits, a landline needs its area code, e.g. 0371-63123456"
)
NO_AREA_CODE = "固定电话须带区号，如 0371-63123456 / a landline needs its area code, e.g. 0371-63123456"
NOT_MAINLAND = "仅支持中国大陆的手机号或固定电话 / only mainland China mobiles and landlines are accepted"
NOT_PERSONAL = (
    "须为手机号或固定电话，不接受400、800等服务号码 / "
    "must be a mobile or a landline, not a 400/800 service number"
)


class InvalidPhone(ValueError):
    """A number that is not a mainland mobile or landline; the message is 'Chinese / English'."""


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None


def _accepted(number: phonenumbers.PhoneNumber | None) -> bool:
    return (
        number is not None
        and phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == REGION
        and phonenumbers.number_type(number) in _KINDS
    )


def _why_not(text: str, number: phonenumbers.PhoneNumber | None) -> str:
    if number is not None and phonenumbers.is_valid_number(number):
        return NOT_MAINLAND if phonenumbers.region_code_for_number(number) != REGION else NOT_PERSONAL
    digits = re.sub(r"\D", "", text)
    return NO_AREA_CODE if "+" not in text and _LOCAL.match(digits) else INVALID


def parse_phone(raw: str) -> phonenumbers.PhoneNumber:
    """The number as typed (spaces, dashes, brackets, +86, full-width digits, extension), or InvalidPhone."""
    text = unicodedata.normalize("NFKC", raw).strip()
    number = _parse(text)
    if _accepted(number):
        assert number is not None
        return number
    split = _EXTENSION.match(text)
    head = _parse(split["number"]) if split else None
    # Only a landline has extensions: 13800138000-12 is a typo, not an extension.
    if (
        split
        and head is not None
        and _accepted(head)
        and phonenumbers.number_type(head) != PhoneNumberType.MOBILE
    ):
        head.extension = split["ext"]
        return head
    raise InvalidPhone(_why_not(text, number))


def normalize_phone(raw: str) -> str:
    """E.164 for storage: '+8613800138000', '+8637163123456' (an extension as ';ext=8001')."""
    number = parse_phone(raw)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


def _stored(value: str) -> phonenumbers.PhoneNumber | None:
    """A stored value (E.164, or the bare 11 digits kept before E.164) parsed back, or None."""
    number = _parse(value)
    return number if number is not None and phonenumbers.is_valid_number(number) else None


def _area_code(number: phonenumbers.PhoneNumber) -> tuple[str, str]:
    """A landline's national number split into area code and subscriber number ('371', '63123456')."""
    national = phonenumbers.national_significant_number(number)
    cut = phonenumbers.length_of_geographical_area_code(number)
    return national[:cut], national[cut:]


def display_phone(value: str | None) -> str | None:
    """The Chinese national way: '138 0013 8000', '0371-6312 3456', '010-1234 5678 转 12'."""
    if not value:
        return value
    if mobile := _STORED_MOBILE.match(value):
        return f"{mobile[1][:3]} {mobile[1][3:7]} {mobile[1][7:]}"
    number = _stored(value)
    if number is None:
        return value
    extension, number.extension = number.extension, None
    text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        text = text.replace(" ", "-", 1)  # the area code stands apart with a dash: 0371-6312 3456
    return f"{text} 转 {extension}" if extension else text


def mask_phone(value: str | None) -> str | None:
    """A mobile shows its first 3 and last 4 (138****8000), landlines area code and last 4 (0371-****3456)."""
    if not value:
        return value
    if mobile := _STORED_MOBILE.match(value):
        return mobile[1][:3] + "****" + mobile[1][7:]
    number = _stored(value)
    if number is None:  # not a number we know: show only its end
        return "****" + value[-4:] if len(value) >= 8 else "****"
    if phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
        national = phonenumbers.national_significant_number(number)
        return national[:3] + "****" + national[-4:]
    area, subscriber = _area_code(number)
    return f"0{area}-****{subscriber[-4:]}"


PhoneNumber = Annotated[
    str,
    Field(
        max_length=40,
        description="电话：大陆手机号，或带区号的固定电话，如 13800138000、0371-63123456；存为 E.164 / "
        "phone: a mainland mobile, or a landline with its area code; stored in E.164 (+8613800138000)",
        examples=["13800138000", "0371-63123456"],
    ),
    AfterValidator(normalize_phone),
]
