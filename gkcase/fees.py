"""信息处理费 — the information-processing fee of 国办函〔2020〕109号, as pure functions.

The Regulation makes disclosure free (Art 42 ¶1) but lets an agency charge when an applicant's
requests clearly exceed a reasonable number or frequency. 109号 sets two standards, each
excess-progressive (超额累进, Art 3): 按件计收 by item (Art 4) and 按量计收 by page (Art 5). The
agency picks one per application, never both (Art 3).

- By item, the count runs per applicant per natural month: the charge for one application is the
  fee on the month's cumulative count after it minus the fee on the count before it. 109号 does not
  say whether the count covers only the charging agency; the documented default is per agency
  (legal-reference §7 ❓). The caller supplies ``earlier_items_this_month`` on that basis.
- By page, each application is charged on its own pages. How pages are counted for electronic
  data is not in the text read (❓).

A :class:`FeeQuote` carries the amount with its tier arithmetic, rendered in Chinese for the
收费通知书, which must state 依据、标准、数额 (109号). Amounts are whole yuan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from gkcase.errors import ValidationError

FEE_MEASURES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"

# 109号 Art 4: 同一申请人一个自然月内累计申请 —
FREE_ITEMS = 10  # 10件以下（含10件）的，不收费
FIRST_PAID_LAST_ITEM = 30  # 11—30件（含30件）的部分：100元/件
FIRST_PAID_ITEM_PRICE = 100
ITEM_BAND = 10  # 31件以上的部分：以10件为一档，
ITEM_BAND_STEP = 100  # 每增加一档，收费标准提高100元/件

MAX_ITEMS = 10_000  # a guard against typing errors, not a legal limit
MAX_PAGES = 1_000_000  # likewise


class FeeBasis(StrEnum):
    """计费方式 — one per application, never both (109号 Art 3)."""

    PER_ITEM = "per_item"  # 按件计收 (109号 Art 4)
    PER_PAGE = "per_page"  # 按量计收 (109号 Art 5)

    @property
    def label(self) -> str:
        return "按件计收" if self is FeeBasis.PER_ITEM else "按量计收"

    @property
    def unit(self) -> str:
        return "件" if self is FeeBasis.PER_ITEM else "页"

    @property
    def legal_basis(self) -> str:
        article = "第四条" if self is FeeBasis.PER_ITEM else "第五条"
        return f"{FEE_MEASURES}{article}"

    @property
    def standard_zh(self) -> str:
        """The charging standard (收费标准) as the notice states it."""
        return _STANDARDS[self]


_STANDARDS = {
    FeeBasis.PER_ITEM: (
        "同一申请人一个自然月内累计申请10件以下（含10件）的，不收费；"
        "累计申请11—30件（含30件）的部分，按100元/件收费；"
        "累计申请31件以上的部分，以10件为一档，每增加一档，收费标准提高100元/件"
    ),
    FeeBasis.PER_PAGE: (
        "30页以下（含30页）的，不收费；31—100页（含100页）的部分，按10元/页收费；"
        "101—200页（含200页）的部分，按20元/页收费；201页以上的部分，按40元/页收费"
    ),
}


@dataclass(frozen=True, slots=True)
class _Tier:
    first: int
    last: int | None  # None: open-ended
    unit_price: int


# 109号 Art 5 (tiers per legal-reference §7, from published fee lists ⚠️)
_PAGE_TIERS = (
    _Tier(1, 30, 0),  # 30页以下（含30页）的，不收费
    _Tier(31, 100, 10),  # 31—100页（含100页）的部分：10元/页
    _Tier(101, 200, 20),  # 101—200页（含200页）的部分：20元/页
    _Tier(201, None, 40),  # 201页以上的部分：40元/页
)


def _item_tiers(through: int) -> Iterator[_Tier]:
    """The per-item tiers (109号 Art 4) up to the one holding item ``through``."""
    yield _Tier(1, FREE_ITEMS, 0)
    yield _Tier(FREE_ITEMS + 1, FIRST_PAID_LAST_ITEM, FIRST_PAID_ITEM_PRICE)
    first, price = FIRST_PAID_LAST_ITEM + 1, FIRST_PAID_ITEM_PRICE + ITEM_BAND_STEP
    while first <= through:
        yield _Tier(first, first + ITEM_BAND - 1, price)
        first, price = first + ITEM_BAND, price + ITEM_BAND_STEP


def _span(first: int, last: int, unit: str) -> str:
    return f"第{first}{unit}" if first == last else f"第{first}—{last}{unit}"


@dataclass(frozen=True, slots=True)
class FeeBand:
    """The part of a quote that falls in one tier: units ``first``–``last`` (counted cumulatively
    for per-item fees) at ``unit_price`` yuan each."""

    first: int
    last: int
    unit_price: int
    count: int
    amount: int

    def text(self, unit: str) -> str:
        """``第11—30件：20件 × 100元 = 2000元``; a free band says ``不收费``."""
        span = _span(self.first, self.last, unit)
        if self.unit_price == 0:
            return f"{span}：{self.count}{unit}，不收费"
        return f"{span}：{self.count}{unit} × {self.unit_price}元 = {self.amount}元"


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The fee for one application, with its derivation.

    ``quantity`` is the application's items or pages; ``earlier_quantity`` the items the same
    applicant had already applied for this natural month (always 0 per page).
    """

    basis: FeeBasis
    quantity: int
    earlier_quantity: int
    bands: tuple[FeeBand, ...]
    total: int

    @property
    def legal_basis(self) -> str:
        return self.basis.legal_basis

    def arithmetic_zh(self) -> str:
        """The tier arithmetic as Chinese lines, for the 收费通知书."""
        unit = self.basis.unit
        lines = [f"计费依据：{self.legal_basis}，{self.basis.label}，超额累进"]
        if self.basis is FeeBasis.PER_PAGE:
            lines.append(f"本次申请共{self.quantity}页")
        elif self.earlier_quantity:
            span = _span(self.earlier_quantity + 1, self.earlier_quantity + self.quantity, unit)
            lines.append(
                f"本自然月内此前已累计申请{self.earlier_quantity}件，本次申请{self.quantity}件，"
                f"计为本月累计{span}"
            )
        else:
            lines.append(f"本次申请{self.quantity}件，本自然月内此前无申请")
        lines += [band.text(unit) for band in self.bands]
        lines.append(f"应缴信息处理费：{self.total}元")
        return "\n".join(lines)


def _count(value: object, field: str, what: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what}须为整数", field=field)
    if value < minimum:
        raise ValidationError(f"{what}不能小于{minimum}", field=field)
    if value > maximum:
        raise ValidationError(f"{what}超过{maximum}，请核对", field=field)
    return value


def _bands(
    tiers: Iterator[_Tier] | tuple[_Tier, ...], first: int, last: int
) -> tuple[FeeBand, ...]:
    """The overlap of units ``first``–``last`` with each tier."""
    bands = []
    for tier in tiers:
        low = max(first, tier.first)
        high = last if tier.last is None else min(last, tier.last)
        if low <= high:
            count = high - low + 1
            bands.append(FeeBand(low, high, tier.unit_price, count, count * tier.unit_price))
    return tuple(bands)


def per_item_fee(items: int, earlier_items_this_month: int = 0) -> FeeQuote:
    """按件计收 (109号 Art 4): the fee on items ``earlier+1``–``earlier+items`` of the month.

    This equals fee(month's count after the application) − fee(count before it), so however a
    month's items are split across applications, the month's charges add up to the same total.
    """
    items = _count(items, "items", "件数", 1, MAX_ITEMS)
    earlier = _count(
        earlier_items_this_month, "earlier_items_this_month", "本月此前累计件数", 0, MAX_ITEMS
    )
    first, last = earlier + 1, earlier + items
    bands = _bands(_item_tiers(last), first, last)
    return FeeQuote(FeeBasis.PER_ITEM, items, earlier, bands, sum(b.amount for b in bands))


def per_page_fee(pages: int) -> FeeQuote:
    """按量计收 (109号 Art 5): the fee on one application's pages."""
    pages = _count(pages, "pages", "页数", 1, MAX_PAGES)
    bands = _bands(_PAGE_TIERS, 1, pages)
    return FeeQuote(FeeBasis.PER_PAGE, pages, 0, bands, sum(b.amount for b in bands))
