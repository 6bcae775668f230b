"""Build tests/data/similar_pairs.jsonl: labelled pairs of disclosure requests for measuring
:func:`gkcase.services.similar.same_information` (issue #7; docs/similarity.md).

Two sources, both kept:

* generated pairs — twelve kinds of request (budgets and 决算, 环评批复, 征收补偿, 规划许可,
  会议纪要, 执法案卷, 招投标, 信访, 统计数据, 人事任免, 土地出让, 补贴), each with several
  phrasings of the same request. A positive pair is one request in two phrasings, each dressed
  independently (greetings, citations of the Regulation, filler words, 二〇二五年 for 2025年,
  full-width digits, 年度, bracket styles of the 文号, spaces). A negative pair changes one fact —
  the year, the 文号's serial, the project, the place, the agency, the document asked for, a
  number — or adds a document, and is dressed the same way; a few are unrelated requests.
* hand-written hard cases, ``tests/data/similar_pairs_hand.jsonl``: paraphrases and near misses
  written one by one, including ones the method is expected to get wrong.

Fixed seed: running it again writes the same file. Run: python benchmarks/similar_pairs.py
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
OUT = DATA / "similar_pairs.jsonl"
HAND = DATA / "similar_pairs_hand.jsonl"
SEED = 20260707
PER_KIND = 14  # positives and negatives per kind (each)

AGENCIES = [
    ("市财政局", "某财预"),
    ("市生态环境局", "某环审"),
    ("市自然资源和规划局", "某自然资规"),
    ("市发展和改革委员会", "某发改投资"),
    ("市住房和城乡建设局", "某住建"),
    ("市人力资源和社会保障局", "某人社"),
    ("市市场监督管理局", "某市监处"),
    ("市教育局", "某教"),
    ("市交通运输局", "某交"),
    ("市卫生健康委员会", "某卫健"),
]
PLACES = ["东湖区", "西城区", "青山县", "南岸区", "北塘镇", "江夏区", "临川县", "城关镇", "高新区"]
PROJECTS = [
    "人民路拓宽改造工程",
    "解放大道快速化改造工程",
    "滨江花园住宅小区",
    "青山湖湿地公园建设项目",
    "城南污水处理厂扩建项目",
    "金桥物流园",
    "翠湖天地商业综合体",
    "东湖区第一人民医院新院区",
    "长江路过江隧道工程",
    "绿地国际城",
]
COMPANIES = ["某某化工有限公司", "某某建材有限公司", "某某食品厂", "某某物业管理有限公司"]
PEOPLE = ["王某某", "李某某", "张某某", "刘某某", "陈某某"]
YEARS = list(range(2019, 2027))

GREETINGS = ["", "", "您好，", "本人", "我单位", "请贵局", "烦请贵单位", "特申请"]
OPENERS = ["", "", "申请公开", "依申请公开", "请求公开", "请提供", "要求公开"]
CITATIONS = [
    "",
    "",
    "",
    "根据《中华人民共和国政府信息公开条例》第二十七条的规定，",
    "依据《政府信息公开条例》，",
]
CLOSINGS = [
    "",
    "",
    "。",
    "，谢谢！",
    "。此致敬礼",
    "，望予以提供。",
    "的全部相关文件",
    "的完整内容",
]
CN_DIGITS = "〇一二三四五六七八九"


def _cn_year(text: str, year: int) -> str:
    return text.replace(f"{year}年", "".join(CN_DIGITS[int(d)] for d in str(year)) + "年")


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


def dress(rng: random.Random, text: str, year: int | None) -> str:
    """The same request as an applicant might type it: greetings, filler, digits, brackets."""
    if year is not None:
        roll = rng.random()
        if roll < 0.2:
            text = _cn_year(text, year)
        elif roll < 0.35 and re.search(rf"{year}年(?![\d度])", text):
            text = re.sub(rf"{year}年(?![\d度])", f"{year}年度", text, count=1)
    if "〔" in text and rng.random() < 0.5:
        left, right = rng.choice([("[", "]"), ("（", "）"), ("【", "】"), ("［", "］")])
        text = text.replace("〔", left).replace("〕", right)
    if rng.random() < 0.15:
        text = _full_width(text)
    if rng.random() < 0.25:
        text = rng.choice(["有关", "相关", "全部"]) + text
    text = rng.choice(CITATIONS) + rng.choice(GREETINGS) + rng.choice(OPENERS) + text
    text += rng.choice(CLOSINGS)
    if rng.random() < 0.15:
        cut = rng.randrange(1, len(text))
        text = text[:cut] + " " + text[cut:]
    return text


# --- the kinds of request -----------------------------------------------------------------------
# Each kind: slots(rng) → a dict of facts; phrasings → format strings that ask for the same thing;
# changes → (slot, why) the negatives may alter; other_documents → what else may be asked for.


def _agency(rng: random.Random) -> dict:
    name, code = rng.choice(AGENCIES)
    return {"agency": name, "code": code}


KINDS: dict[str, dict] = {
    "budget": {
        "slots": lambda rng: {**_agency(rng), "year": rng.choice(YEARS), "doc": "部门预算"},
        "phrasings": [
            "{agency}{year}年{doc}",
            "{year}年{agency}{doc}",
            "{agency}{year}年的{doc}公开文本",
            "{year}年{agency}的{doc}",
        ],
        "changes": [("year", "年份不同"), ("agency", "机关不同"), ("doc", "文件不同（预算/决算）")],
        "values": {"doc": ["部门预算", "部门决算", "“三公”经费预算"]},
        "extra": "{agency}{year}年{doc}及其政府采购预算明细",
    },
    "eia": {
        "slots": lambda rng: {
            **_agency(rng),
            "code": "某环审",
            "project": rng.choice(PROJECTS),
            "year": rng.choice(YEARS),
            "n": rng.randrange(1, 160),
        },
        "phrasings": [
            "{project}环境影响报告书的批复（{code}〔{year}〕{n}号）",
            "{code}〔{year}〕{n}号《关于{project}环境影响报告书的批复》",
            "关于{project}环境影响评价报告书的批复，文号{code}〔{year}〕{n}号",
            "{project}环评报告书批复文件（{code}〔{year}〕{n}号）",
        ],
        "changes": [("n", "文号不同"), ("project", "项目不同"), ("year", "年份不同")],
        "extra": "{project}环境影响报告书的批复（{code}〔{year}〕{n}号）及专家评审意见",
    },
    "expropriation": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "project": rng.choice(PROJECTS),
            "doc": "房屋征收补偿方案",
        },
        "phrasings": [
            "{place}{project}{doc}",
            "{project}（{place}）{doc}",
            "{place}人民政府作出的{project}{doc}",
            "关于{place}{project}的{doc}",
        ],
        "changes": [
            ("place", "地点不同"),
            ("project", "项目不同"),
            ("doc", "文件不同（补偿方案/征收决定）"),
        ],
        "values": {"doc": ["房屋征收补偿方案", "房屋征收决定", "社会稳定风险评估报告"]},
        "extra": "{place}{project}{doc}及征收范围红线图",
    },
    "planning": {
        "slots": lambda rng: {
            "project": rng.choice(PROJECTS),
            "n": rng.randrange(1, 40),
            "year": rng.choice(YEARS),
            "doc": "建设工程规划许可证",
        },
        "phrasings": [
            "{project}{n}号楼{doc}（{year}年核发）",
            "{year}年核发的{project}{n}号楼{doc}",
            "{project}第{n}号楼{year}年办理的{doc}",
        ],
        "changes": [
            ("n", "楼号不同"),
            ("project", "项目不同"),
            ("doc", "文件不同（工程/用地许可）"),
            ("year", "年份不同"),
        ],
        "values": {"doc": ["建设工程规划许可证", "建设用地规划许可证", "规划设计条件"]},
        "extra": "{project}{n}号楼{doc}（{year}年核发）及总平面图",
    },
    "minutes": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "year": rng.choice(YEARS),
            "n": rng.randrange(1, 30),
        },
        "phrasings": [
            "{place}政府{year}年第{n}次常务会议纪要",
            "{year}年{place}人民政府第{n}次常务会议的会议纪要",
            "{place}人民政府常务会议纪要（{year}年第{n}次）",
        ],
        "changes": [("n", "会次不同"), ("year", "年份不同"), ("place", "地点不同")],
        "extra": "{place}政府{year}年第{n}次常务会议纪要及会议议题材料",
    },
    "enforcement": {
        "slots": lambda rng: {
            **_agency(rng),
            "company": rng.choice(COMPANIES),
            "year": rng.choice(YEARS),
            "n": rng.randrange(1, 300),
        },
        "phrasings": [
            "{agency}对{company}作出的行政处罚决定书（{code}罚〔{year}〕{n}号）",
            "{code}罚〔{year}〕{n}号行政处罚决定书（当事人{company}）",
            "{agency}{code}罚〔{year}〕{n}号对{company}的处罚决定书",
        ],
        "changes": [("n", "文号不同"), ("company", "当事人不同"), ("year", "年份不同")],
        "extra": "{agency}对{company}作出的行政处罚决定书（{code}罚〔{year}〕{n}号）及听证笔录",
    },
    "tender": {
        "slots": lambda rng: {
            "project": rng.choice(PROJECTS),
            "n": rng.randrange(1, 9),
            "doc": "施工招标中标结果公示",
        },
        "phrasings": [
            "{project}第{n}标段{doc}",
            "{project}{n}标段的{doc}",
            "关于{project}（第{n}标段）{doc}",
        ],
        "changes": [
            ("n", "标段不同"),
            ("project", "项目不同"),
            ("doc", "文件不同（中标公示/施工合同）"),
        ],
        "values": {"doc": ["施工招标中标结果公示", "施工合同", "监理招标文件"]},
        "extra": "{project}第{n}标段{doc}及投标报价明细",
    },
    "petition": {
        "slots": lambda rng: {
            **_agency(rng),
            "year": rng.choice(YEARS),
            "m": rng.randrange(1, 13),
            "d": rng.randrange(1, 29),
        },
        "phrasings": [
            "{agency}对本人{year}年{m}月{d}日所提信访事项的处理意见书",
            "本人于{year}年{m}月{d}日向{agency}提出的信访事项的处理意见书",
            "{year}年{m}月{d}日信访事项（{agency}办理）的处理意见书",
        ],
        "changes": [("d", "日期不同"), ("m", "月份不同"), ("agency", "机关不同")],
        "extra": "{agency}对本人{year}年{m}月{d}日所提信访事项的处理意见书及调查笔录",
    },
    "statistics": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "year": rng.choice(YEARS),
            "q": rng.randrange(1, 5),
            "doc": "规模以上工业增加值",
        },
        "phrasings": [
            "{place}{year}年第{q}季度{doc}统计数据",
            "{year}年第{q}季度{place}{doc}的统计数据",
            "{place}{year}年第{q}季度的{doc}数据",
        ],
        "changes": [
            ("q", "季度不同"),
            ("year", "年份不同"),
            ("place", "地点不同"),
            ("doc", "指标不同"),
        ],
        "values": {"doc": ["规模以上工业增加值", "社会消费品零售总额", "固定资产投资"]},
        "extra": "{place}{year}年第{q}季度{doc}统计数据及分行业明细",
    },
    "appointment": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "year": rng.choice(YEARS),
            "person": rng.choice(PEOPLE),
            "n": rng.randrange(1, 60),
        },
        "phrasings": [
            "{place}人民政府关于{person}同志职务任免的通知（{place}政任〔{year}〕{n}号）",
            "{place}政任〔{year}〕{n}号关于{person}同志任免职务的通知",
            "{year}年{place}政府任免{person}同志职务的通知，文号{place}政任〔{year}〕{n}号",
        ],
        "changes": [("person", "人员不同"), ("n", "文号不同"), ("place", "地点不同")],
        "extra": "{place}人民政府关于{person}同志职务任免的通知（{place}政任〔{year}〕{n}号）及考察材料",
    },
    "land": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "lot": rng.randrange(1, 99),
            "year": rng.choice(YEARS),
        },
        "phrasings": [
            "{place}{year}年出让的{lot}号地块国有建设用地使用权出让合同",
            "{place}{lot}号地块国有建设用地使用权出让合同（{year}年）",
            "{year}年{place}第{lot}号地块的国有建设用地使用权出让合同",
        ],
        "changes": [("lot", "地块不同"), ("year", "年份不同"), ("place", "地点不同")],
        "extra": "{place}{year}年出让的{lot}号地块国有建设用地使用权出让合同及成交确认书",
    },
    "subsidy": {
        "slots": lambda rng: {
            "place": rng.choice(PLACES),
            "year": rng.choice(YEARS),
            "doc": "新能源汽车推广应用补贴资金",
        },
        "phrasings": [
            "{year}年{place}{doc}发放明细",
            "{place}{year}年{doc}的发放明细",
            "{place}{year}年发放的{doc}明细",
        ],
        "changes": [("year", "年份不同"), ("place", "地点不同"), ("doc", "补贴项目不同")],
        "values": {"doc": ["新能源汽车推广应用补贴资金", "农机购置补贴资金", "稳岗返还资金"]},
        "extra": "{year}年{place}{doc}发放明细及审核材料",
    },
}


def _changed(rng: random.Random, kind: dict, slots: dict, slot: str) -> dict:
    other = dict(slots)
    pools = {
        "year": YEARS,
        "agency": [a for a, _ in AGENCIES],
        "place": PLACES,
        "project": PROJECTS,
        "company": COMPANIES,
        "person": PEOPLE,
        **kind.get("values", {}),
    }
    if slot in pools:
        other[slot] = rng.choice([v for v in pools[slot] if v != slots[slot]])
    elif slot == "d":
        other[slot] = slots[slot] % 28 + rng.randrange(1, 5)
    else:  # a serial: a neighbour, as a typo or the next document would be
        other[slot] = max(1, slots[slot] + rng.choice([-2, -1, 1, 2, 10]))
        if other[slot] == slots[slot]:
            other[slot] += 1
    if slot == "agency":
        other["code"] = dict(AGENCIES)[other["agency"]]
    return other


def _text(rng: random.Random, template: str, slots: dict) -> str:
    return dress(rng, template.format(**slots), slots.get("year"))


def generate(rng: random.Random) -> list[dict]:
    pairs = []
    for name, kind in KINDS.items():
        for _ in range(PER_KIND):
            slots = kind["slots"](rng)
            first, second = rng.sample(kind["phrasings"], 2)
            pairs.append(
                {
                    "a": _text(rng, first, slots),
                    "b": _text(rng, second, slots),
                    "same": True,
                    "why": "同一文件，表述不同",
                    "kind": name,
                    "source": "generated",
                }
            )
        for i in range(PER_KIND):
            slots = kind["slots"](rng)
            a = _text(rng, rng.choice(kind["phrasings"]), slots)
            if i == 0:
                b, why = _text(rng, kind["extra"], slots), "另一方多申请了其他文件"
            elif i == 1:
                other_kind = KINDS[rng.choice([k for k in KINDS if k != name])]
                other = other_kind["slots"](rng)
                b, why = _text(rng, rng.choice(other_kind["phrasings"]), other), "无关申请"
            else:
                slot, why = kind["changes"][(i - 2) % len(kind["changes"])]
                other = _changed(rng, kind, slots, slot)
                b = _text(rng, rng.choice(kind["phrasings"]), other)
            pairs.append(
                {"a": a, "b": b, "same": False, "why": why, "kind": name, "source": "generated"}
            )
    return pairs


def hand_written() -> list[dict]:
    rows = []
    for line in HAND.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append({**json.loads(line), "source": "hand"})
    return rows


def build(seed: int = SEED) -> list[dict]:
    return generate(random.Random(seed)) + hand_written()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pairs = build(args.seed)
    with args.out.open("w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    same = sum(p["same"] for p in pairs)
    print(f"{len(pairs)} pairs ({same} same, {len(pairs) - same} different) → {args.out}")


if __name__ == "__main__":
    main()
