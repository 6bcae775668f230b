"""信息处理费 (国办函〔2020〕109号): tiers, month accumulation and the notice arithmetic."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gkcase.errors import ValidationError
from gkcase.fees import MAX_ITEMS, MAX_PAGES, FeeBand, FeeBasis, per_item_fee, per_page_fee


def item_price(n: int) -> int:
    """The price of the month's n-th item, read straight off 109号 Art 4."""
    if n <= 10:
        return 0
    if n <= 30:
        return 100
    return 200 + 100 * ((n - 31) // 10)


def page_price(n: int) -> int:
    """The price of an application's n-th page (109号 Art 5)."""
    return 0 if n <= 30 else 10 if n <= 100 else 20 if n <= 200 else 40


@pytest.mark.parametrize(
    ("items", "total"),
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (30, 2000),
        (31, 2200),
        (40, 4000),
        (41, 4300),
        (45, 5500),
        (50, 7000),
        (51, 7400),
    ],
)
def test_per_item_tiers_at_every_boundary(items, total):
    assert per_item_fee(items).total == total
    assert per_item_fee(items, 0).total == total


@pytest.mark.parametrize(
    ("pages", "total"),
    [(1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)],
)
def test_per_page_tiers_at_every_boundary(pages, total):
    assert per_page_fee(pages).total == total


def test_worked_example_45_items_in_one_month():
    quote = per_item_fee(45)
    assert quote.total == 5500
    assert quote.bands == (
        FeeBand(1, 10, 0, 10, 0),
        FeeBand(11, 30, 100, 20, 2000),
        FeeBand(31, 40, 200, 10, 2000),
        FeeBand(41, 45, 300, 5, 1500),
    )
    assert quote.arithmetic_zh().splitlines() == [
        "计费依据：《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）第四条，按件计收，超额累进",
        "本次申请45件，本自然月内此前无申请",
        "第1—10件：10件，不收费",
        "第11—30件：20件 × 100元 = 2000元",
        "第31—40件：10件 × 200元 = 2000元",
        "第41—45件：5件 × 300元 = 1500元",
        "应缴信息处理费：5500元",
    ]


def test_worked_example_250_pages():
    quote = per_page_fee(250)
    assert quote.total == 4700
    assert quote.basis is FeeBasis.PER_PAGE
    assert quote.arithmetic_zh().splitlines()[1:] == [
        "本次申请共250页",
        "第1—30页：30页，不收费",
        "第31—100页：70页 × 10元 = 700元",
        "第101—200页：100页 × 20元 = 2000元",
        "第201—250页：50页 × 40元 = 2000元",
        "应缴信息处理费：4700元",
    ]
    assert "第五条" in quote.legal_basis


def test_items_accumulate_over_the_month():
    quote = per_item_fee(5, earlier_items_this_month=8)
    assert (quote.quantity, quote.earlier_quantity, quote.total) == (5, 8, 300)
    assert quote.bands == (FeeBand(9, 10, 0, 2, 0), FeeBand(11, 13, 100, 3, 300))
    assert quote.arithmetic_zh().splitlines()[1:] == [
        "本自然月内此前已累计申请8件，本次申请5件，计为本月累计第9—13件",
        "第9—10件：2件，不收费",
        "第11—13件：3件 × 100元 = 300元",
        "应缴信息处理费：300元",
    ]


def test_one_item_across_a_band_boundary():
    assert per_item_fee(3, 29).total == 100 + 200 + 200
    quote = per_item_fee(1, 40)
    assert quote.bands == (FeeBand(41, 41, 300, 1, 300),)
    assert quote.arithmetic_zh().splitlines()[1:] == [
        "本自然月内此前已累计申请40件，本次申请1件，计为本月累计第41件",
        "第41件：1件 × 300元 = 300元",
        "应缴信息处理费：300元",
    ]


@given(
    earlier=st.integers(min_value=0, max_value=300), items=st.integers(min_value=1, max_value=300)
)
def test_per_item_fee_is_the_sum_of_each_items_price(earlier, items):
    quote = per_item_fee(items, earlier)
    assert quote.total == sum(item_price(n) for n in range(earlier + 1, earlier + items + 1))
    assert quote.total == per_item_fee(earlier + items).total - (
        per_item_fee(earlier).total if earlier else 0
    )
    assert sum(band.count for band in quote.bands) == items
    assert quote.bands[0].first == earlier + 1
    assert quote.bands[-1].last == earlier + items
    for before, after in zip(quote.bands, quote.bands[1:], strict=False):
        assert after.first == before.last + 1
        assert after.unit_price > before.unit_price
    for band in quote.bands:
        assert band.count == band.last - band.first + 1
        assert band.amount == band.count * band.unit_price


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=15))
def test_splitting_a_months_items_across_applications_does_not_change_the_total(applications):
    charged, earlier = 0, 0
    for items in applications:
        charged += per_item_fee(items, earlier).total
        earlier += items
    assert charged == per_item_fee(earlier).total


@given(st.integers(min_value=1, max_value=2000))
def test_per_page_fee_is_the_sum_of_each_pages_price(pages):
    quote = per_page_fee(pages)
    assert quote.total == sum(page_price(n) for n in range(1, pages + 1))
    assert quote.total == sum(band.amount for band in quote.bands)
    assert quote.earlier_quantity == 0


def test_the_largest_accepted_quantities_are_quoted():
    assert per_item_fee(MAX_ITEMS, MAX_ITEMS).total > 0
    assert per_page_fee(MAX_PAGES).total == 700 + 2000 + (MAX_PAGES - 200) * 40


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: per_item_fee(0), "items"),
        (lambda: per_item_fee(-1), "items"),
        (lambda: per_item_fee(1.5), "items"),
        (lambda: per_item_fee(2.0), "items"),
        (lambda: per_item_fee("3"), "items"),
        (lambda: per_item_fee(True), "items"),
        (lambda: per_item_fee(None), "items"),
        (lambda: per_item_fee(MAX_ITEMS + 1), "items"),
        (lambda: per_item_fee(1, -1), "earlier_items_this_month"),
        (lambda: per_item_fee(1, 2.0), "earlier_items_this_month"),
        (lambda: per_item_fee(1, MAX_ITEMS + 1), "earlier_items_this_month"),
        (lambda: per_page_fee(0), "pages"),
        (lambda: per_page_fee(-5), "pages"),
        (lambda: per_page_fee("10"), "pages"),
        (lambda: per_page_fee(MAX_PAGES + 1), "pages"),
    ],
)
def test_bad_input_names_the_field(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.code == "validation"


def test_bases_state_their_standard_and_article():
    assert FeeBasis.PER_ITEM.label == "按件计收"
    assert FeeBasis.PER_PAGE.label == "按量计收"
    assert FeeBasis.PER_ITEM.legal_basis.endswith("第四条")
    assert "10件以下（含10件）的，不收费" in FeeBasis.PER_ITEM.standard_zh
    assert "201页以上的部分，按40元/页收费" in FeeBasis.PER_PAGE.standard_zh
    assert per_item_fee(12).legal_basis == FeeBasis.PER_ITEM.legal_basis


def test_quotes_are_frozen():
    quote = per_item_fee(12)
    with pytest.raises(FrozenInstanceError):
        quote.total = 0  # type: ignore[misc]
