"""Masking personal data: what stays visible, and that the rest never does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gkcase.privacy import mask_address, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("11010119900307002X", "1101**********002X"),
        ("110101199003070021", "1101**********0021"),
        (" 1101 0119 9003 0700 2X ", "1101**********002X"),
        ("91320505MA1XXXXX2L", "9132**********XX2L"),  # 统一社会信用代码: same shape
        ("E12345678", "E1*****78"),  # a passport
        ("1234567", "******7"),
        ("", ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("+8613812341234", "138****1234"),
        ("0571-87654321", "0571-****4321"),
        ("010-12345678", "010-****5678"),
        ("0571-87654321-8001", "0571-****4321"),
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("某市东湖区解放路128号3栋2单元502室", "某市东湖区****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("某省某市城南区桃源镇桃源村5组12号", "某省某市城南区****"),
        ("广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市****"),
        ("解放路128号502室", "解放路****"),  # no district: only the first third stays
        ("", ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_a_street_named_after_the_city_does_not_expose_the_house_number():
    masked = mask_address("某市东湖区市府路128号")
    assert "128" not in masked
    assert masked.startswith("某市东湖区")


@given(st.text(alphabet="0123456789X", min_size=15, max_size=18))
def test_a_long_id_number_shows_at_most_eight_characters(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert len(masked) - masked.count("*") == 8
    assert masked[4:-4] == "*" * (len(number) - 8)


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_mobile_number_hides_its_middle_four_digits(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert phone not in masked


@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_an_address_never_comes_back_whole(address):
    masked = mask_address(address)
    assert masked.endswith("****")
    assert len(masked.removesuffix("****")) < len(address.strip())
