"""Chinese phone numbers: what users type, what is stored (E.164), how it is shown and masked."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shouhu_kit.phones import (
    NO_AREA_CODE,
    NOT_MAINLAND,
    NOT_PERSONAL,
    InvalidPhone,
    PhoneNumber,
    display_phone,
    mask_phone,
    normalize_phone,
)
from shouhu_kit.problems import field_errors

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("86-19912345678", "+8619912345678"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("(139)12345678", "+8613912345678"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits from a Chinese IME
        (" +8613800138000 ", "+8613800138000"),  # already stored form
    ],
)
def test_mobiles_as_typed_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0371-63123456", "+8637163123456"),
        ("(0371)63123456", "+8637163123456"),
        ("（0371）63123456", "+8637163123456"),
        ("037163123456", "+8637163123456"),
        ("0371 6312 3456", "+8637163123456"),
        ("+86 371 6312 3456", "+8637163123456"),
        ("010-12345678", "+861012345678"),
        ("0755-86013388", "+8675586013388"),
        ("0371-63123456-8001", "+8637163123456;ext=8001"),
        ("0371-63123456转8001", "+8637163123456;ext=8001"),
        ("010-12345678 ext 12", "+861012345678;ext=12"),
    ],
)
def test_landlines_with_their_area_code_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("63123456", NO_AREA_CODE),  # a village landline without its area code
        ("6312345", NO_AREA_CODE),
        ("+1 650 253 0000", NOT_MAINLAND),
        ("400-810-8888", NOT_PERSONAL),
    ],
)
def test_refusals_say_why(typed: str, why: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(typed)
    assert str(caught.value) == why


@pytest.mark.parametrize(
    "typed",
    ["12800138000", "1380013800", "138001380001", "1390000", "0101234567", "0371-6312345", "abc", "", "9558"],
)
def test_what_is_not_a_mainland_mobile_or_landline_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone, match="手机号为11位"):
        normalize_phone(typed)


def test_a_mobile_takes_no_extension() -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone("13800138000-12")


@pytest.mark.parametrize(
    ("stored", "shown", "masked"),
    [
        ("+8613800138000", "138 0013 8000", "138****8000"),
        ("13800138000", "138 0013 8000", "138****8000"),  # stored before E.164
        ("+8637163123456", "0371-6312 3456", "0371-****3456"),
        ("+861012345678", "010-1234 5678", "010-****5678"),
        ("+8637163123456;ext=8001", "0371-6312 3456 转 8001", "0371-****3456"),
    ],
)
def test_display_and_mask_the_chinese_way(stored: str, shown: str, masked: str) -> None:
    assert display_phone(stored) == shown
    assert mask_phone(stored) == masked
    assert normalize_phone(shown) == normalize_phone(stored), "what is shown reads back as the same number"


def test_empty_and_unknown_values() -> None:
    assert mask_phone(None) is None
    assert display_phone(None) is None
    assert mask_phone("") == ""
    assert mask_phone("not-a-phone-1234") == "****1234"
    assert mask_phone("12") == "****"
    assert display_phone("garbage") == "garbage"


class _Card(BaseModel):
    phone: PhoneNumber | None = None


def test_the_input_type_normalises_and_names_the_field_in_both_languages() -> None:
    assert _Card(phone="0371-63123456").phone == "+8637163123456"
    with pytest.raises(ValidationError) as caught:
        _Card(phone="63123456")
    [error] = field_errors(caught.value.errors())
    assert error["field"] == "phone"
    assert error["message"] == "固定电话须带区号，如 0371-63123456"
    assert error["message_en"] == "a landline needs its area code, e.g. 0371-63123456"
    with pytest.raises(ValidationError, match="at most 40"):
        _Card(phone="1" * 41)
