"""GB 11643 ID numbers and mainland mobiles."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.identity import (
    InvalidIdentity,
    id_birth_date,
    id_check_char,
    id_gender,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_mobile,
)

pytestmark = pytest.mark.unit


def make_id(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    return body + id_check_char(body)


@pytest.mark.parametrize(
    "valid",
    [
        "11010519491231002X",  # the standard's published example (X check character)
        "440524188001010014",
        make_id("410102", "20160301", "123"),
        " 11010519491231002x ",  # lower-case x and spaces are normalised
    ],
)
def test_valid_ids(valid: str) -> None:
    assert normalize_id_number(valid) == valid.strip().upper()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18位"),
        ("1101051949123100XX", "18位"),
        ("110105194913310020", "出生日期"),  # month 13
        ("ABCDEFGHIJKLMNOPQR", "18位"),
    ],
)
def test_invalid_ids(bad: str, message: str) -> None:
    with pytest.raises(InvalidIdentity, match=message):
        normalize_id_number(bad)


def test_birth_date_and_gender_come_from_the_id() -> None:
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_gender("11010519491231002X") == "female"
    assert id_gender(make_id("410102", "20160301", "131")) == "male"


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "86-19912345678", "(139)12345678"])
def test_valid_mobiles(phone: str) -> None:
    assert len(normalize_mobile(phone)) == 11


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "010-12345678", "abc"])
def test_invalid_mobiles(phone: str) -> None:
    with pytest.raises(InvalidIdentity, match="手机号"):
        normalize_mobile(phone)


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone(None) is None
