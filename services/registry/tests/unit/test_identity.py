"""GB 11643 ID numbers (phones: libs/kit/tests/unit/test_phones.py)."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.identity import (
    InvalidIdentity,
    id_birth_date,
    id_check_char,
    id_gender,
    mask_id_number,
    normalize_id_number,
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


def test_full_width_digits_from_a_chinese_ime_are_read() -> None:
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18位"),
        ("1101051949123100XX", "18位"),
        ("110105194913310020", "出生日期"),  # month 13
        ("ABCDEFGHIJKLMNOPQR", "18位"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "18位"),  # Arabic-Indic digits are digits to \d, not to an ID number
    ],
)
def test_invalid_ids(bad: str, message: str) -> None:
    with pytest.raises(InvalidIdentity, match=message):
        normalize_id_number(bad)


def test_birth_date_and_gender_come_from_the_id() -> None:
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_gender("11010519491231002X") == "female"
    assert id_gender(make_id("410102", "20160301", "131")) == "male"


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(None) is None
