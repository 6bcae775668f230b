"""A demo deployment: a city government's departments, their staff and a few hundred cases.

:func:`seed` builds 某市人民政府 with nine departments (one of them the vertically managed tax
bureau), a user of every role in each, and ``cases`` applications received between January 2025
and ``today``, in every state and with every one of the 23 outcomes. Every case is driven through
the services — :func:`~gkcase.services.cases.register`, then
:func:`~gkcase.services.cases.fire` with ``as_of`` dates moving forward — so each has a valid,
hash-chained history and due dates the engine computed itself. Nothing is inserted behind the
services' back.

The data is fictional and deterministic: the same ``seed`` and ``today`` give the same rows, apart
from wall-clock timestamps, lookup codes and the event hashes that cover the timestamps. Identity
numbers carry valid check digits (they pass the checks registration makes) and belong to nobody.

Coverage is guaranteed, not hoped for: the first :data:`COVERAGE_CASES` cases follow a fixed list
(:func:`_coverage_specs`) that reaches every :class:`~gkcase.states.machine.State`, every
:class:`~gkcase.states.outcomes.Outcome`, every applicant type and every channel, with
corrections, consultations (third party and co-producer, silence included), fee notices (paid and
lapsed), an extension, a deferral, withdrawals, remedies and one reopened case. Further cases are
drawn at random with realistic frequencies.
"""

from __future__ import annotations

import json
import random
from collections import Counter as Tally
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from gkcase.calendar.clock import Channel
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.db import create_schema, unit_of_work
from gkcase.errors import GkcaseError, ValidationError
from gkcase.models import Agency, ApplicantType, Case, User
from gkcase.services import cases as svc
from gkcase.services.auth import hash_password
from gkcase.services.calendar import current_calendar
from gkcase.services.org import create_agency, create_user
from gkcase.states.machine import Role, State, Trigger
from gkcase.states.outcomes import (
    LEGAL_REVIEW_DEFAULT,
    Outcome,
    OutcomeGroup,
    WithholdingGround,
    over_objection,
    spec,
)

FIRST_DAY = date(2025, 1, 2)  # the demo's first working day of applications
COVERAGE_CASES = 46  # the fixed list that reaches every state and outcome (≤ 60)
#: Every demo user's password (README). Hashed once per seed: argon2 is slow on purpose.
DEMO_PASSWORD = "gkcase-demo"


@cache
def _demo_password_hash() -> str:
    """One argon2 hash for every demo user, made once per process (a seed stays deterministic
    within a process, and 65 users cost one hash, not 65)."""
    return hash_password(DEMO_PASSWORD)


class DemoDataExists(GkcaseError):
    """The database already holds an organisation or cases: seeding would mix with them."""

    code = "demo.not_empty"


@dataclass(frozen=True)
class DemoSummary:
    """What a database holds, counted: the summary ``gkcase demo`` prints."""

    agencies: int
    users: int
    cases: int
    by_state: Mapping[str, int]
    by_outcome: Mapping[str, int]
    by_applicant_kind: Mapping[str, int]
    by_channel: Mapping[str, int]

    def lines(self) -> list[str]:
        states = "，".join(
            f"{State(s).label} {n}" for s, n in sorted(self.by_state.items(), key=_state_order)
        )
        kinds = "，".join(
            f"{ApplicantType(k).label} {n}"
            for k, n in sorted(self.by_applicant_kind.items(), key=lambda kv: _kind_order(kv[0]))
        )
        return [
            f"{self.agencies} 个机关，{self.users} 个用户，{self.cases} 件申请",
            f"按状态：{states}",
            f"按申请人：{kinds}",
            f"办理结果：{len(self.by_outcome)} 种（共 {sum(self.by_outcome.values())} 件已有结果）",
        ]


def _state_order(item: tuple[str, int]) -> int:
    return list(State).index(State(item[0]))


def _kind_order(kind: str) -> int:
    return list(ApplicantType).index(ApplicantType(kind))


# --- the organisation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    short_name: str
    letter_prefix: str
    address: str
    website: str
    review_body: str = "某市人民政府"
    court: str = "某市城南区人民法院"
    vertical: bool = False


CITY = AgencySpec(
    "CITY",
    "某市人民政府",
    "市政府",
    "某府公开",
    "某市行政中心1号楼",
    "某市人民政府门户网站",
    review_body="某省人民政府",
    court="某市中级人民法院",
)
DEPARTMENTS = (
    AgencySpec(
        "FGW", "某市发展和改革委员会", "市发改委", "某发改公开", "某市行政中心3号楼", "市发改委网站"
    ),
    AgencySpec(
        "ZJW", "某市住房和城乡建设局", "市住建局", "某住建公开", "某市建设路18号", "市住建局网站"
    ),
    AgencySpec(
        "STHJ", "某市生态环境局", "市生态环境局", "某环公开", "某市滨江大道66号", "市生态环境局网站"
    ),
    AgencySpec(
        "ZRZY",
        "某市自然资源和规划局",
        "市自然资源和规划局",
        "某自然资规公开",
        "某市人民路200号",
        "市自然资源和规划局网站",
    ),
    AgencySpec(
        "SCJG",
        "某市市场监督管理局",
        "市市场监管局",
        "某市监公开",
        "某市中山路9号",
        "市市场监管局网站",
    ),
    AgencySpec("GAJ", "某市公安局", "市公安局", "某公公开", "某市和平路1号", "市公安局网站"),
    AgencySpec("CZJ", "某市财政局", "市财政局", "某财公开", "某市行政中心5号楼", "市财政局网站"),
    AgencySpec("JYJ", "某市教育局", "市教育局", "某教公开", "某市文化路32号", "市教育局网站"),
)
# 实行垂直领导的机关: review goes to the superior department (行政复议法 Art 27), not the city.
TAX = AgencySpec(
    "SWJ",
    "国家税务总局某市税务局",
    "市税务局",
    "某税公开",
    "某市新华路88号",
    "国家税务总局某省税务局网站",
    review_body="国家税务总局某省税务局",
    vertical=True,
)
AGENCIES = (*DEPARTMENTS, TAX)

#: The staff of each department: username suffix, roles.
STAFF = (
    ("registrar", (Role.REGISTRAR,)),
    ("caseworker", (Role.CASEWORKER,)),
    ("caseworker2", (Role.CASEWORKER,)),
    ("legal_reviewer", (Role.LEGAL_REVIEWER,)),
    ("office_head", (Role.OFFICE_HEAD,)),
    ("supervisor", (Role.SUPERVISOR,)),
    ("admin", (Role.ADMIN,)),
)

# --- people ------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN_NAMES = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 "
    "平 刚 斌 鹏 辉 琳 婷 秀英 桂英 建华 志强 海燕 晓明 春梅 "
    "国庆 玉兰 文杰 子涵 浩然 欣怡 宇航 思远 雨桐 建国 德明 永红 "
    "淑珍 立新 红梅 志刚 晓燕 俊杰 嘉怡 家豪 梓萱 振华 丽娟 海峰 "
    "慧敏 文博 雅琴"
)
#: County codes (GB/T 2260) a 居民身份证 may be issued in: each existed in every birth year used.
BIRTHPLACES = _words(
    "110101 110102 110105 110108 120101 120104 310101 310104 310105 310107 "
    "140121 210122 340121 430121"
)
DISTRICTS = ("东湖区", "城南区", "江北区", "高新区", "西城区", "经济开发区")
ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平路",
    "长江路",
    "滨江大道",
    "学府路",
    "文化路",
    "新华路",
)
MOBILE_PREFIXES = _words("133 135 136 137 138 139 150 151 152 158 159 177 180 186 187 188 189 199")
BRANDS = _words("恒通 鑫达 华盛 宏远 瑞丰 金桥 永安 博远 天成 嘉禾 明德 正泰 信诚 同创")
COMPANY_KINDS = (
    "置业有限公司",
    "建筑工程有限公司",
    "化工有限公司",
    "食品有限公司",
    "物业服务有限公司",
    "环保科技有限公司",
    "商贸有限公司",
    "印染有限公司",
    "医药连锁有限公司",
    "房地产开发有限公司",
)
LAW_FIRMS = _words("正衡 明理 君信 汇典 德衡 昭信 天平 金石")
RESEARCH = (
    "某大学公共管理学院",
    "某省社会科学院法学研究所",
    "某市城市发展研究院",
    "某大学环境科学与工程学院",
    "某师范大学教育政策研究中心",
    "某财经大学财政税务学院",
)
PUBLIC_INTEREST = (
    ("某市绿色家园环保志愿者协会", "51"),
    ("某市自然之友生态保护促进会", "51"),
    ("某省公众环境研究中心", "52"),
    ("某市残疾人权益保障促进会", "51"),
    ("某市青少年发展基金会", "53"),
)
OTHER_ORGS = (
    "锦绣华庭小区业主委员会",
    "某市东湖区解放路街道幸福社区居民委员会",
    "某市城南区桃源村村民委员会",
    "阳光花园小区业主委员会",
)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _ric(rng: random.Random) -> str:
    """A fictional 居民身份证 number with a valid check digit (GB 11643)."""
    from stdnum.cn import ric

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 53))
    body = f"{rng.choice(BIRTHPLACES)}{born:%Y%m%d}{rng.randrange(1, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def _org_code(rng: random.Random) -> str:
    """A fictional 组织机构代码 (9 characters, its own check digit, GB 11714)."""
    body = f"{rng.randrange(10_000_000, 99_999_999)}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(rng: random.Random, kind: str) -> str:
    """A fictional 统一社会信用代码 of the given authority and type (``91`` a company …)."""
    from stdnum.cn import uscc

    body = f"{kind}{rng.choice(('320500', '320505', '320506', '320508'))}{_org_code(rng)}"
    return body + uscc.calc_check_digit(body)


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(0, 10**8):08d}"


def _address(rng: random.Random, *, organisation: bool = False) -> str:
    street = f"某市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
    if organisation:
        return f"{street}{rng.choice(BRANDS)}大厦{rng.randrange(2, 28)}层"
    return f"{street}{rng.randrange(1, 20)}栋{rng.randrange(1, 5)}单元{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室"


def _applicant(rng: random.Random, kind: ApplicantType) -> dict[str, str]:
    """An applicant of ``kind``, as :class:`~gkcase.services.cases.ApplicantIn` takes it."""
    postcode = f"21{rng.randrange(5000, 5999)}"
    if kind is ApplicantType.NATURAL_PERSON:
        return {
            "kind": kind.value,
            "name": _person_name(rng),
            "id_type": "居民身份证",
            "id_number": _ric(rng),
            "phone": _mobile(rng),
            "address": _address(rng),
            "postcode": postcode,
        }
    if kind is ApplicantType.BUSINESS:
        name, code = f"某市{rng.choice(BRANDS)}{rng.choice(COMPANY_KINDS)}", "91"
    elif kind is ApplicantType.RESEARCH:
        name, code = rng.choice(RESEARCH), "12"
    elif kind is ApplicantType.PUBLIC_INTEREST:
        name, code = rng.choice(PUBLIC_INTEREST)
    elif kind is ApplicantType.LEGAL_SERVICE:
        name, code = f"某省{rng.choice(LAW_FIRMS)}律师事务所", "31"
    else:
        name, code = rng.choice(OTHER_ORGS), ""
    data = {
        "kind": kind.value,
        "name": name,
        "contact_person": _person_name(rng),
        "phone": _mobile(rng),
        "email": f"gk{rng.randrange(1000, 9999)}@example.org",
        "address": _address(rng, organisation=True),
        "postcode": postcode,
    }
    if code:
        data |= {"id_type": "统一社会信用代码", "id_number": _uscc(rng, code)}
    return data


# --- what applicants ask for --------------------------------------------------------------------

#: Requests each department typically receives ({year}: the year received; {last}: the year before).
REQUESTS: Mapping[str, tuple[str, ...]] = {
    "FGW": (
        "{year}年度某市重大项目建设计划及项目清单",
        "某市轨道交通3号线工程可行性研究报告的批复文件",
        "某市城南污水处理厂扩建项目的立项批复及核准文件",
        "某市居民用水阶梯价格调整的成本监审报告及听证会意见处理情况",
        "某市{last}年以工代赈项目资金安排计划",
        "东湖区棚户区改造项目的节能审查意见",
        "某市天然气管网建设项目的社会稳定风险评估结论",
    ),
    "ZJW": (
        "某市东湖区解放路片区旧城改造项目的房屋征收补偿方案",
        "幸福里小区老旧小区改造项目的施工许可证及竣工验收备案表",
        "某市{last}年保障性租赁住房分配名单及轮候规则",
        "锦绣华庭项目商品房预售许可证及预售资金监管协议",
        "某市住宅专项维修资金{last}年度使用和结存情况",
        "某市{last}年度物业服务企业信用评价结果",
    ),
    "STHJ": (
        "某化工园区年产5万吨新材料项目环境影响报告书的批复（环评批复）",
        "某市{last}年第四季度地表水国控断面水质监测数据",
        "对某市瑞丰印染有限公司作出的行政处罚决定书",
        "城南垃圾焚烧发电厂的排污许可证及自行监测数据",
        "某市{year}年度环境监管重点单位名录",
        "滨江物流园项目竣工环境保护验收监测报告",
    ),
    "ZRZY": (
        "城南片区B-12地块国有建设用地使用权出让合同",
        "桃源村集体土地征收的征地批复文件及征地公告",
        "某市国土空间总体规划（2021—2035年）的批复文件",
        "滨江花园项目建设工程规划许可证及规划总平面图",
        "桃源村{last}年土地征收补偿安置方案",
        "某市{year}年度国有建设用地供应计划",
    ),
    "SCJG": (
        "对某超市销售过期食品作出的行政处罚决定书",
        "{last}年某市食品安全监督抽检结果",
        "某市{last}年度“双随机、一公开”抽查结果",
        "某品牌燃气灶产品质量监督抽查报告",
        "某市{last}年电梯安全监督检查情况通报",
    ),
    "GAJ": (
        "解放路与中山路交叉口交通违法抓拍设备的设置依据及审批文件",
        "某市{year}年户籍迁入政策及办理条件",
        "某市烟花爆竹禁放区域划定文件",
        "对申请人本人作出的行政处罚决定书及送达回证",
        "人民路路段限行措施的决策依据及公告",
    ),
    "CZJ": (
        "某市{year}年财政预算报告及预算草案",
        "某市{last}年度“三公”经费决算情况",
        "某市{last}年政府专项债券资金使用情况",
        "某市{last}年中小企业发展专项资金分配结果",
        "智慧城管平台政府采购项目中标结果及采购合同",
    ),
    "JYJ": (
        "某市{year}年义务教育阶段学区划分方案",
        "某市{year}年中小学教师公开招聘考试成绩及拟录用名单",
        "明德外国语学校办学许可证及年检结果",
        "某市{last}年学前教育资助资金分配情况",
        "某市第三中学新校区建设项目的立项文件及资金来源",
    ),
    "SWJ": (
        "某市{last}年度纳税信用A级纳税人名单",
        "某市{last}年小微企业税费优惠政策执行情况",
        "某市重大税收违法失信主体信息",
        "某市{year}年第二季度欠税公告",
    ),
}


@dataclass(frozen=True)
class Matter:
    """A request that typically ends with one outcome, and what the reply says about it."""

    agency: str | None  # the department it goes to; None: any department
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    kinds: tuple[ApplicantType, ...] = ()  # who typically asks; empty: anyone


def _ground(ground: WithholdingGround, reasons: str, part: str = "") -> dict[str, str]:
    entry = {"ground": ground.value, "reasons": reasons}
    return entry | {"part": part} if part else entry


_P, _B, _R, _PI, _L, _O = (
    ApplicantType.NATURAL_PERSON,
    ApplicantType.BUSINESS,
    ApplicantType.RESEARCH,
    ApplicantType.PUBLIC_INTEREST,
    ApplicantType.LEGAL_SERVICE,
    ApplicantType.OTHER,
)
G = WithholdingGround

#: Outcome-specific requests; outcomes not listed here take a department's ordinary requests.
MATTERS: Mapping[Outcome, tuple[Matter, ...]] = {
    Outcome.PARTIAL: (
        Matter(
            "ZJW",
            "解放路片区旧城改造项目房屋征收补偿方案及分户补偿结果",
            {
                "grounds": [
                    _ground(
                        G.THIRD_PARTY,
                        "分户补偿结果载有其他被征收人的个人信息，属于个人隐私，经书面征求意见，"
                        "相关被征收人不同意公开，公开会对其合法权益造成损害",
                        "分户补偿结果中其他被征收人的姓名、身份证号码、房屋面积及补偿金额",
                    )
                ]
            },
            (_P, _L),
        ),
        Matter(
            "FGW",
            "某市天然气管网建设项目可行性研究报告及其批复",
            {
                "grounds": [
                    _ground(
                        G.THIRD_PARTY,
                        "可行性研究报告中的财务测算和技术方案系项目单位的商业秘密，项目单位不同意公开",
                        "可行性研究报告第五章财务测算、第七章技术方案",
                    )
                ]
            },
            (_B, _R, _P),
        ),
        Matter(
            "CZJ",
            "某市{last}年困难群众救助专项资金分配明细",
            {
                "grounds": [
                    _ground(
                        G.THIRD_PARTY,
                        "受助对象的银行账号和家庭住址属于个人隐私，公开会损害其合法权益",
                        "受助对象的银行账号、家庭住址",
                    ),
                    _ground(
                        G.NOT_GOVERNMENT_INFO,
                        "明细表所附经办人员工作便签不属于履行行政管理职能过程中制作或者获取的政府信息",
                        "明细表所附经办人员工作便签",
                    ),
                ]
            },
            (_P, _PI, _R),
        ),
        Matter(
            "ZRZY",
            "城南片区B-12地块控制性详细规划调整的全部文件",
            {
                "grounds": [
                    _ground(
                        G.PROCESS_INFO,
                        "专家论证会讨论记录属于行政机关在履行行政管理职能过程中形成的讨论记录，"
                        "属于过程性信息",
                        "专家论证会讨论记录",
                    )
                ]
            },
            (_P, _O, _B),
        ),
    ),
    Outcome.WITHHELD_STATE_SECRET: (
        Matter(
            "GAJ",
            "某市{year}年反恐怖应急处置预案全文",
            {
                "grounds": [
                    _ground(
                        G.STATE_SECRET,
                        "经保密审查，该预案已依法确定为机密级国家秘密，保密期限二十年",
                    )
                ]
            },
        ),
        Matter(
            "FGW",
            "某市国防动员重点建设项目布局规划",
            {
                "grounds": [
                    _ground(
                        G.STATE_SECRET, "经保密审查，该规划已依法确定为秘密级国家秘密，保密期限十年"
                    )
                ]
            },
        ),
    ),
    Outcome.WITHHELD_PROHIBITED_BY_LAW: (
        Matter(
            "SWJ",
            "某市宏远房地产开发有限公司{last}年度纳税申报表及缴税明细",
            {
                "grounds": [
                    _ground(
                        G.PROHIBITED_BY_LAW,
                        "根据《中华人民共和国税收征收管理法》第八条第四款，税务机关应当依法为纳税人的情况保密，"
                        "所申请信息属于法律禁止公开的纳税人涉税信息",
                    )
                ]
            },
            (_B, _L),
        ),
        Matter(
            "GAJ",
            "某中学学生打架事件中涉事未成年人的违法处理情况",
            {
                "grounds": [
                    _ground(
                        G.PROHIBITED_BY_LAW,
                        "根据《中华人民共和国未成年人保护法》第一百零三条，不得披露未成年人的姓名、影像、"
                        "住所、就读学校以及其他可能识别出其身份的信息",
                    )
                ]
            },
            (_P,),
        ),
    ),
    Outcome.WITHHELD_SECURITY_STABILITY: (
        Matter(
            "GAJ",
            "某市城区治安视频监控探头点位分布图",
            {
                "grounds": [
                    _ground(
                        G.SECURITY_STABILITY,
                        "公开治安监控点位的具体分布，可能被用于规避监控、实施违法犯罪，危及公共安全",
                    )
                ]
            },
        ),
        Matter(
            "ZJW",
            "某市城市供水主干管网及加压泵站布局图纸",
            {
                "grounds": [
                    _ground(
                        G.SECURITY_STABILITY,
                        "城市供水主干管网及泵站属于重要基础设施，公开其详细布局可能危及公共安全",
                    )
                ]
            },
        ),
    ),
    Outcome.WITHHELD_THIRD_PARTY: (
        Matter(
            "SCJG",
            "某市嘉禾食品有限公司申请食品生产许可时提交的产品配方及工艺流程",
            {
                "grounds": [
                    _ground(
                        G.THIRD_PARTY,
                        "所申请信息属于该企业的商业秘密，经书面征求意见，该企业不同意公开，"
                        "不公开亦不会对公共利益造成重大影响",
                    )
                ]
            },
            (_B,),
        ),
        Matter(
            "ZJW",
            "邻户（解放路128号）的房屋征收补偿协议",
            {
                "grounds": [
                    _ground(
                        G.THIRD_PARTY,
                        "所申请信息载有他人的身份信息、房屋及补偿情况，属于个人隐私，经征求意见，"
                        "权利人不同意公开",
                    )
                ]
            },
            (_P,),
        ),
    ),
    Outcome.WITHHELD_INTERNAL_AFFAIRS: (
        Matter(
            "CZJ",
            "某市财政局{last}年度机关工作人员年度考核结果及职务晋升名单",
            {
                "grounds": [
                    _ground(
                        G.INTERNAL_AFFAIRS,
                        "所申请信息属于本机关人事管理方面的内部事务信息，对外部不产生直接约束力",
                    )
                ]
            },
        ),
        Matter(
            "JYJ",
            "市教育局机关内部公文运转流程及后勤物资采购台账",
            {
                "grounds": [
                    _ground(
                        G.INTERNAL_AFFAIRS,
                        "所申请信息属于本机关内部工作流程和后勤管理方面的内部事务信息",
                    )
                ]
            },
        ),
    ),
    Outcome.WITHHELD_PROCESS_INFO: (
        Matter(
            "ZRZY",
            "城南片区B-12地块规划调整专家论证会会议纪要及讨论记录",
            {
                "grounds": [
                    _ground(
                        G.PROCESS_INFO,
                        "所申请信息属于规划编制过程中形成的讨论记录，属于过程性信息，"
                        "且相关法律、法规、规章未规定应当公开",
                    )
                ]
            },
        ),
        Matter(
            "FGW",
            "轨道交通3号线项目报送市政府的请示报告及各部门会签意见",
            {
                "grounds": [
                    _ground(
                        G.PROCESS_INFO,
                        "所申请信息属于请示报告和磋商信函，属于过程性信息，可以不予公开",
                    )
                ]
            },
        ),
    ),
    Outcome.WITHHELD_ENFORCEMENT_FILE: (
        Matter(
            "STHJ",
            "对某市鑫达化工有限公司环境违法行为立案调查的全部执法案卷（含询问笔录、现场检查笔录）",
            {
                "grounds": [
                    _ground(
                        G.ENFORCEMENT_FILE,
                        "所申请信息属于行政执法案卷信息；该案行政处罚决定书已依法主动公开，"
                        "案卷中的调查取证材料可以不予公开",
                    )
                ]
            },
            (_PI, _L),
        ),
        Matter(
            "SCJG",
            "对某医药连锁药店行政处罚案件的调查取证材料及内部审批表",
            {
                "grounds": [
                    _ground(G.ENFORCEMENT_FILE, "所申请信息属于行政执法案卷信息，可以不予公开")
                ]
            },
            (_L, _B),
        ),
    ),
    Outcome.WITHHELD_ADMIN_QUERY: (
        Matter(
            "ZRZY",
            "东湖区解放路幸福里小区某栋房屋的不动产登记簿及权属来源档案",
            {
                "grounds": [
                    _ground(
                        G.ADMIN_QUERY,
                        "不动产登记资料的查询，《不动产登记暂行条例》有特别规定",
                    )
                ],
                "special_regime": "《不动产登记暂行条例》第二十七条、《不动产登记资料查询暂行办法》："
                "请权利人或利害关系人持身份证明材料到某市不动产登记中心申请查询",
            },
            (_P, _L),
        ),
        Matter(
            "SCJG",
            "某市华盛商贸有限公司设立及历次变更的企业登记档案",
            {
                "grounds": [
                    _ground(
                        G.ADMIN_QUERY,
                        "企业登记档案的查询，市场主体登记管理的法规、规章有特别规定",
                    )
                ],
                "special_regime": "《中华人民共和国市场主体登记管理条例》及企业登记档案查询有关规定："
                "请持有效证件到某市市场监督管理局登记注册窗口申请查询",
            },
            (_B, _L),
        ),
    ),
    Outcome.NOT_EXIST: (
        Matter("ZJW", "幸福里小区1998年房改售房的审批文件及售房款缴存凭证"),
        Matter("JYJ", "2010年城南区桃源小学撤并的请示及批复"),
        Matter("ZRZY", "桃源村1995年集体土地征收的补偿款发放名册"),
        Matter("FGW", "某市{last}年全市充电桩建设专项规划"),
        Matter("STHJ", "城南垃圾焚烧发电厂2015年试运行期间的二噁英监测报告"),
    ),
    Outcome.NOT_THIS_AGENCY: (
        Matter(
            "FGW",
            "桃源村集体土地征收补偿安置方案",
            {
                "responsible_agency": "某市自然资源和规划局",
                "responsible_agency_contact": "电话0000-86001234",
            },
        ),
        Matter(
            "STHJ",
            "幸福里小区违法建设的查处情况",
            {
                "responsible_agency": "某市城市管理局",
                "responsible_agency_contact": "电话0000-86005678",
            },
        ),
        Matter(
            "GAJ",
            "某市恒通置业有限公司的营业执照登记信息",
            {
                "responsible_agency": "某市市场监督管理局",
                "responsible_agency_contact": "电话0000-86002345",
            },
        ),
        Matter(
            "JYJ",
            "锦绣华庭小区物业服务收费标准的核定文件",
            {
                "responsible_agency": "某市发展和改革委员会",
                "responsible_agency_contact": "电话0000-86003456",
            },
        ),
    ),
    Outcome.NEEDS_CREATION: (
        Matter("CZJ", "近五年全市各街道财政补贴资金按用途分类的汇总统计表", kinds=(_R, _P)),
        Matter("JYJ", "全市各普通高中近三年本科上线率排名及对比分析", kinds=(_P, _R)),
        Matter("SCJG", "2020年以来全市食品安全投诉举报按品类和区域的统计分析", kinds=(_R, _PI)),
    ),
    Outcome.STILL_UNCLEAR: (
        Matter("ZJW", "有关部门关于我家房子的全部文件"),
        Matter("ZRZY", "我村土地的所有相关资料"),
        Matter("GAJ", "关于那件事情的处理材料"),
    ),
    Outcome.PETITION: (
        Matter(
            "ZJW",
            "举报锦绣华庭开发商违规收取车位费，要求查处并书面答复",
            {"proper_channel": "某市12345政务服务便民热线或某市信访局"},
        ),
        Matter(
            "STHJ",
            "投诉城南工业园某工厂夜间偷排废水，要求立即查处",
            {"proper_channel": "12369环保举报热线或某市生态环境局网站“投诉举报”栏目"},
        ),
        Matter(
            "SCJG",
            "投诉某商场虚假宣传，要求退一赔三并公开处理结果",
            {"proper_channel": "12315投诉举报平台"},
        ),
    ),
    Outcome.PUBLICATION: (
        Matter(
            "FGW",
            "《某市统计年鉴{last}》全文",
            {"access_method": "该年鉴已公开出版，可在某市图书馆、新华书店查阅或购买"},
        ),
        Matter(
            "JYJ",
            "《某市教育年鉴{last}》",
            {"access_method": "该年鉴已公开出版，可在某市图书馆地方文献室查阅"},
        ),
        Matter(
            "CZJ",
            "《某市人民政府公报》{last}年第6期",
            {"access_method": "该期公报已公开发行，可在某市人民政府门户网站“政府公报”栏目查阅"},
        ),
    ),
    Outcome.EXCESSIVE: (
        Matter("ZJW", "东湖区2000年以来全部建设项目的规划、施工许可及竣工验收材料（共127项）"),
        Matter("ZRZY", "全市2005年以来全部建设用地审批、出让及供地文件（共96项）"),
    ),
    Outcome.CONFIRM_OR_REISSUE: (
        Matter("ZRZY", "要求对已获取的《征地批复》复印件加盖公章予以确认"),
        Matter("GAJ", "要求重新出具此前已提供的户籍登记信息证明"),
        Matter("JYJ", "要求对此前已获取的学籍档案复印件出具真实性证明"),
    ),
}

WITHHELD = (
    Outcome.WITHHELD_STATE_SECRET,
    Outcome.WITHHELD_PROHIBITED_BY_LAW,
    Outcome.WITHHELD_SECURITY_STABILITY,
    Outcome.WITHHELD_THIRD_PARTY,
    Outcome.WITHHELD_INTERNAL_AFFAIRS,
    Outcome.WITHHELD_PROCESS_INFO,
    Outcome.WITHHELD_ENFORCEMENT_FILE,
    Outcome.WITHHELD_ADMIN_QUERY,
)
#: How often each outcome occurs among the random cases (roughly as in published annual reports).
OUTCOME_WEIGHTS: Mapping[Outcome, float] = {
    Outcome.ALREADY_PUBLISHED: 12,
    Outcome.DISCLOSED: 24,
    Outcome.PARTIAL: 7,
    **dict.fromkeys(WITHHELD, 0.8),
    Outcome.NOT_EXIST: 17,
    Outcome.NOT_THIS_AGENCY: 6,
    Outcome.NEEDS_CREATION: 3,
    Outcome.STILL_UNCLEAR: 1,
    Outcome.PETITION: 3,
    Outcome.REPEAT_APPLICATION: 2,
    Outcome.PUBLICATION: 1,
    Outcome.EXCESSIVE: 0.7,
    Outcome.CONFIRM_OR_REISSUE: 1,
    Outcome.CLOSED_NO_CORRECTION: 3,
    Outcome.CLOSED_FEE_UNPAID: 0.8,
    Outcome.CLOSED_OTHER: 5,
}
KIND_WEIGHTS: Mapping[ApplicantType, float] = {
    _P: 66,
    _B: 12,
    _R: 4,
    _PI: 5,
    _L: 9,
    _O: 4,
}
CHANNEL_WEIGHTS: Mapping[Channel, float] = {
    Channel.INTERNET: 45,
    Channel.SIGNED_MAIL: 30,
    Channel.IN_PERSON: 14,
    Channel.ORDINARY_LETTER: 5,
    Channel.ORAL: 3,
    Channel.FAX: 3,
}
#: Where a random case still open stands (the rest are finished).
OPEN_WEIGHTS: Mapping[State, float] = {
    State.RECEIVED: 1,
    State.REGISTERED: 2,
    State.REVIEWING: 2,
    State.AWAITING_CORRECTION: 1,
    State.HANDLING: 4,
    State.CONSULTING: 1,
    State.AWAITING_FEE: 0.5,
    State.DRAFTING: 1.5,
    State.LEGAL_REVIEW: 1,
    State.SIGNING: 1,
}
_UNCONFIRMED_CHANNELS = (Channel.ORDINARY_LETTER, Channel.INTERNET, Channel.FAX)
#: The demo agencies keep gkcase's default legal review list (docs/policies.md).
_LEGAL_REVIEW = LEGAL_REVIEW_DEFAULT
_AT_REVIEW = svc.DECIDABLE_AT_REVIEW


def _pick(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --- what happens to a case ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpec:
    """One demo case: where it goes, what it ends in, and what happens on the way.

    ``features`` name the episodes of its path (see :func:`_plan`): ``correction``,
    ``confirm_later``, ``consult_third:<opinion>``, ``consult_co:<opinion>``, ``fee_paid``,
    ``fee_lapsed``, ``extend``, ``defer``, ``return_draft``, ``send_back``, ``withdraw``,
    ``remedy:<kind>:<result>``, ``reopen``, ``overdue``.
    """

    agency: str
    outcome: Outcome
    target: State
    channel: Channel
    kind: ApplicantType
    features: tuple[str, ...] = ()
    matter: int | None = None  # index into MATTERS[outcome] (else an ordinary request)

    def has(self, feature: str) -> bool:
        return any(f == feature or f.startswith(feature + ":") for f in self.features)


def _coverage_specs() -> list[CaseSpec]:
    """The fixed cases that reach every state, outcome, applicant type and channel."""
    Oc, S, C = Outcome, State, Channel
    P, B, R, PI, L, X = _P, _B, _R, _PI, _L, _O
    specs = [
        # every outcome, in a finished case
        CaseSpec("FGW", Oc.ALREADY_PUBLISHED, S.ARCHIVED, C.INTERNET, P),
        CaseSpec("STHJ", Oc.DISCLOSED, S.ARCHIVED, C.SIGNED_MAIL, PI, ("consult_co:agree",)),
        CaseSpec(
            "ZJW",
            Oc.PARTIAL,
            S.ARCHIVED,
            C.IN_PERSON,
            P,
            ("consult_third:object", "remedy:review:maintained"),
            0,
        ),
        CaseSpec("GAJ", Oc.WITHHELD_STATE_SECRET, S.ARCHIVED, C.SIGNED_MAIL, L, (), 0),
        CaseSpec("SWJ", Oc.WITHHELD_PROHIBITED_BY_LAW, S.DELIVERED, C.INTERNET, B, (), 0),
        CaseSpec("GAJ", Oc.WITHHELD_SECURITY_STABILITY, S.ARCHIVED, C.INTERNET, P, (), 0),
        CaseSpec(
            "SCJG",
            Oc.WITHHELD_THIRD_PARTY,
            S.ARCHIVED,
            C.SIGNED_MAIL,
            B,
            ("consult_third:object", "remedy:review:pending"),
            0,
        ),
        CaseSpec("CZJ", Oc.WITHHELD_INTERNAL_AFFAIRS, S.DELIVERED, C.FAX, P, (), 0),
        CaseSpec("ZRZY", Oc.WITHHELD_PROCESS_INFO, S.ARCHIVED, C.INTERNET, X, ("return_draft",), 0),
        CaseSpec(
            "STHJ",
            Oc.WITHHELD_ENFORCEMENT_FILE,
            S.ARCHIVED,
            C.SIGNED_MAIL,
            PI,
            ("remedy:review:maintained", "remedy:litigation_after_review:maintained"),
            0,
        ),
        CaseSpec("ZRZY", Oc.WITHHELD_ADMIN_QUERY, S.ARCHIVED, C.IN_PERSON, L, (), 0),
        CaseSpec(
            "ZJW",
            Oc.NOT_EXIST,
            S.ARCHIVED,
            C.SIGNED_MAIL,
            P,
            ("remedy:litigation_direct:maintained",),
            0,
        ),
        CaseSpec("FGW", Oc.NOT_THIS_AGENCY, S.ARCHIVED, C.ORDINARY_LETTER, P, (), 0),
        CaseSpec("CZJ", Oc.NEEDS_CREATION, S.REPLIED, C.INTERNET, R, (), 0),
        CaseSpec("ZJW", Oc.STILL_UNCLEAR, S.ARCHIVED, C.ORAL, P, ("correction",), 0),
        CaseSpec("STHJ", Oc.PETITION, S.ARCHIVED, C.INTERNET, P, (), 1),
        CaseSpec("JYJ", Oc.REPEAT_APPLICATION, S.DELIVERED, C.INTERNET, P),
        CaseSpec("FGW", Oc.PUBLICATION, S.ARCHIVED, C.SIGNED_MAIL, R, (), 0),
        CaseSpec("ZRZY", Oc.EXCESSIVE, S.ARCHIVED, C.SIGNED_MAIL, P, (), 1),
        CaseSpec("JYJ", Oc.CONFIRM_OR_REISSUE, S.ARCHIVED, C.IN_PERSON, P, (), 2),
        CaseSpec("GAJ", Oc.CLOSED_NO_CORRECTION, S.ARCHIVED, C.INTERNET, P, ("correction",)),
        CaseSpec("CZJ", Oc.CLOSED_FEE_UNPAID, S.CLOSED, C.INTERNET, B, ("fee_lapsed",)),
        CaseSpec("JYJ", Oc.CLOSED_OTHER, S.CLOSED, C.FAX, X, ("withdraw",)),
        # every open state
        CaseSpec("FGW", Oc.DISCLOSED, S.RECEIVED, C.INTERNET, P, ("confirm_later",)),
        CaseSpec("SCJG", Oc.DISCLOSED, S.REGISTERED, C.SIGNED_MAIL, B),
        CaseSpec("JYJ", Oc.NOT_EXIST, S.REVIEWING, C.IN_PERSON, P),
        CaseSpec("ZJW", Oc.DISCLOSED, S.AWAITING_CORRECTION, C.ORDINARY_LETTER, P, ("correction",)),
        CaseSpec("ZRZY", Oc.DISCLOSED, S.HANDLING, C.INTERNET, P, ("extend",)),
        CaseSpec("GAJ", Oc.NOT_EXIST, S.HANDLING, C.SIGNED_MAIL, P, ("overdue",)),
        CaseSpec("STHJ", Oc.DISCLOSED, S.CONSULTING, C.INTERNET, PI, ("consult_co:agree",)),
        CaseSpec("CZJ", Oc.DISCLOSED, S.AWAITING_FEE, C.INTERNET, R, ("fee_paid",)),
        CaseSpec("SWJ", Oc.DISCLOSED, S.DRAFTING, C.IN_PERSON, B),
        CaseSpec("FGW", Oc.PARTIAL, S.LEGAL_REVIEW, C.INTERNET, R, (), 1),
        CaseSpec("GAJ", Oc.NOT_THIS_AGENCY, S.SIGNING, C.SIGNED_MAIL, P, (), 2),
        # the episodes a real year has
        CaseSpec(
            "ZJW",
            Oc.DISCLOSED,
            S.ARCHIVED,
            C.SIGNED_MAIL,
            L,
            ("consult_co:silent", "remedy:review:corrected", "reopen"),
        ),
        CaseSpec("ZRZY", Oc.DISCLOSED, S.ARCHIVED, C.INTERNET, P, ("fee_paid",)),
        CaseSpec("SCJG", Oc.DISCLOSED, S.ARCHIVED, C.INTERNET, B, ("consult_third:silent",)),
        CaseSpec("FGW", Oc.DISCLOSED, S.ARCHIVED, C.SIGNED_MAIL, P, ("extend",)),
        CaseSpec("ZJW", Oc.DISCLOSED, S.ARCHIVED, C.SIGNED_MAIL, P, ("defer",)),
        CaseSpec("GAJ", Oc.CLOSED_OTHER, S.ARCHIVED, C.INTERNET, P, ("withdraw",)),
        CaseSpec("JYJ", Oc.ALREADY_PUBLISHED, S.ARCHIVED, C.INTERNET, P, ("send_back",)),
        CaseSpec("CZJ", Oc.DISCLOSED, S.ARCHIVED, C.ORDINARY_LETTER, PI, ("confirm_later",)),
        CaseSpec("SWJ", Oc.NOT_EXIST, S.ARCHIVED, C.INTERNET, L, ("remedy:review:other",)),
        CaseSpec("STHJ", Oc.DISCLOSED, S.ARCHIVED, C.SIGNED_MAIL, P, ("correction",)),
        CaseSpec("FGW", Oc.DISCLOSED, S.DELIVERED, C.IN_PERSON, P),
        CaseSpec("JYJ", Oc.NEEDS_CREATION, S.ARCHIVED, C.SIGNED_MAIL, P, (), 1),
    ]
    assert len(specs) == COVERAGE_CASES
    assert all(_matter(s) is None or _matter(s).agency == s.agency for s in specs)
    return specs


def _random_spec(rng: random.Random) -> CaseSpec:
    """A case drawn with realistic frequencies."""
    outcome: Outcome = _pick(rng, OUTCOME_WEIGHTS)
    matters = MATTERS.get(outcome, ())
    matter = rng.randrange(len(matters)) if matters else None
    if outcome is Outcome.NOT_EXIST and rng.random() < 0.6:
        matter = None  # most searches that find nothing are for ordinary requests
    agency = (
        matters[matter].agency
        if matter is not None and matters[matter].agency
        else rng.choice(AGENCIES).code
    )
    kinds = matters[matter].kinds if matter is not None else ()
    kind = rng.choice(kinds) if kinds and rng.random() < 0.8 else _pick(rng, KIND_WEIGHTS)
    channel: Channel = _pick(rng, CHANNEL_WEIGHTS)
    features: list[str] = []
    if channel in _UNCONFIRMED_CHANNELS and rng.random() < 0.25:
        features.append("confirm_later")
    if outcome is Outcome.CLOSED_NO_CORRECTION or outcome is Outcome.STILL_UNCLEAR:
        features.append("correction")
    elif outcome is Outcome.CLOSED_FEE_UNPAID:
        features.append("fee_lapsed")
    elif outcome is Outcome.CLOSED_OTHER:
        features.append("withdraw")
    elif rng.random() < 0.08:
        features.append("correction")
    handled = outcome not in _AT_REVIEW and outcome not in svc.CLOSING_OUTCOMES
    if handled:
        if outcome in (Outcome.PARTIAL, Outcome.WITHHELD_THIRD_PARTY):
            features.append("consult_third:" + rng.choice(("object", "object", "agree")))
        elif outcome is Outcome.DISCLOSED and rng.random() < 0.12:
            features.append(
                rng.choice(("consult_third:agree", "consult_co:agree", "consult_co:silent"))
            )
        if outcome is Outcome.DISCLOSED and rng.random() < 0.03:
            features.append("fee_paid")
        if rng.random() < 0.08:
            features.append("extend")
    if outcome in _LEGAL_REVIEW and rng.random() < 0.15:
        features.append("return_draft")
    elif outcome not in svc.CLOSING_OUTCOMES and rng.random() < 0.03:
        features.append("send_back")
    target = State.ARCHIVED
    roll = rng.random()
    if outcome in svc.CLOSING_OUTCOMES:
        target = State.ARCHIVED if roll < 0.8 else State.CLOSED
    elif roll < 0.09:
        target = _pick(rng, OPEN_WEIGHTS)
        features += _features_for(target, channel)
    elif roll < 0.13:
        target = State.DELIVERED
    elif roll < 0.15:
        target = State.REPLIED
    if target is State.ARCHIVED and outcome not in svc.CLOSING_OUTCOMES and rng.random() < 0.02:
        result = rng.choice(("maintained", "maintained", "corrected", "other", "pending"))
        # 复议前置 for refusals (行政复议法 Art 23 ¶1(四)); otherwise either remedy
        refusal = spec(outcome).group in (OutcomeGroup.WITHHELD, OutcomeGroup.PARTIAL)
        proceeding = "review" if refusal else rng.choice(("review", "litigation_direct"))
        features.append(f"remedy:{proceeding}:{result}")
    if target is State.HANDLING and rng.random() < 0.25:
        features.append("overdue")
    return _fit(CaseSpec(agency, outcome, target, channel, kind, tuple(features), matter))


def _features_for(target: State, channel: Channel) -> list[str]:
    """What a case must go through to be found in ``target``."""
    if target is State.RECEIVED and channel in _UNCONFIRMED_CHANNELS:
        return ["confirm_later"]
    if target is State.AWAITING_CORRECTION:
        return ["correction"]
    if target is State.CONSULTING:
        return ["consult_co:agree"]
    if target is State.AWAITING_FEE:
        return ["fee_paid"]
    return []


def _fit(case: CaseSpec) -> CaseSpec:
    """Adjust a drawn case so that its path reaches its target state."""
    case = replace(case, features=tuple(dict.fromkeys(case.features)))
    if case.target is State.RECEIVED and case.channel not in _UNCONFIRMED_CHANNELS:
        return replace(case, target=State.REGISTERED)
    handled = (State.HANDLING, State.CONSULTING, State.AWAITING_FEE)
    if case.target in handled and case.outcome in _AT_REVIEW:
        return replace(case, outcome=Outcome.DISCLOSED, matter=None)
    if case.target is State.LEGAL_REVIEW and case.outcome not in _LEGAL_REVIEW:
        return replace(case, target=State.SIGNING)
    return case


# --- a case's path, step by step ------------------------------------------------------------------


@dataclass
class _Run:
    """A case being driven: where it is, and what its earlier steps stored."""

    spec: CaseSpec
    agency: Agency
    caseworker: User
    applicant: dict[str, str]
    text: str
    day: date
    calendar: WorkdayCalendar
    case: Case | None = None
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # trigger → last payload
    consultations: list[tuple[int, date]] = field(default_factory=list)  # id, sent on
    remedies: list[int] = field(default_factory=list)
    previous_case: str = ""

    def sent(self, trigger: str, key: str = "sent_on") -> str:
        return self.stored[trigger][key]


Payload = Mapping[str, Any] | Callable[[_Run], Mapping[str, Any]] | None


@dataclass(frozen=True)
class _Step:
    wait: int  # working days after the step before
    trigger: Trigger | None  # None: registration
    role: Role
    payload: Payload
    state: State  # where the case is after this step


class _Plan:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.steps: list[_Step] = []
        self.state = State.REGISTERED

    def add(
        self,
        wait: int,
        trigger: Trigger | None,
        role: Role,
        payload: Payload = None,
        to: State | None = None,
    ) -> None:
        self.state = to or self.state
        self.steps.append(_Step(wait, trigger, role, payload, self.state))


T = Trigger
RG, CW, LR, OH = Role.REGISTRAR, Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.OFFICE_HEAD


def _plan(case: CaseSpec, rng: random.Random) -> list[_Step]:
    """Every step of the case's path to its target state, with working days between steps."""
    plan = _Plan(rng)
    confirm_later = case.has("confirm_later") and case.channel in (
        *_UNCONFIRMED_CHANNELS,
        Channel.SIGNED_MAIL,
    )
    plan.add(0, None, RG, None, State.RECEIVED if confirm_later else State.REGISTERED)
    if confirm_later:
        plan.add(rng.randint(1, 2), T.CONFIRM, RG, _confirm_payload, State.REGISTERED)
    plan.add(0, T.ASSIGN, RG, lambda run: {"assignee_id": run.caseworker.id})
    plan.add(rng.randint(0, 1), T.START_REVIEW, CW, None, State.REVIEWING)
    outcome = case.outcome
    if case.has("withdraw") and rng.random() < 0.4:
        plan.add(rng.randint(1, 4), T.WITHDRAW, RG, _withdraw_payload, State.CLOSED)
        return _finish_closed(plan, case)
    if case.has("correction"):
        received = rng.choice((0, 0, 1, 2))
        period = rng.choice((10, 10, 15))
        # recorded on the day the applicant receives the notice, sent `received` days before
        plan.add(
            rng.randint(1, 5) + received,
            T.REQUEST_CORRECTION,
            CW,
            lambda run, r=received, p=period: _correction_payload(run, r, p),
            State.AWAITING_CORRECTION,
        )
        if outcome is Outcome.CLOSED_NO_CORRECTION:
            plan.add(period + rng.randint(1, 3), T.CORRECTION_LAPSED, CW, None, State.CLOSED)
            return _finish_closed(plan, case)
        plan.add(
            received + rng.randint(2, period - 2),
            T.CORRECTION_RECEIVED,
            RG,
            lambda run: {
                "received_on": run.day,
                "summary": "申请人补充提交了所需信息的名称、文号及形成时间等特征性描述",
            },
            State.REVIEWING,
        )
    if outcome is Outcome.EXCESSIVE or case.has("defer"):
        plan.add(rng.randint(1, 2), T.REQUEST_REASONS, CW, _reasons_payload)
        reasonable = outcome is not Outcome.EXCESSIVE  # Art 35: reasonable → a deferral
        plan.add(
            rng.randint(2, 5),
            T.RECORD_EXPLANATION,
            CW,
            lambda run, r=reasonable: _explanation_payload(run, r),
        )
    if outcome in _AT_REVIEW:
        plan.add(
            rng.randint(1, 5), T.DECIDE_WITHOUT_HANDLING, CW, _decision(outcome), State.DRAFTING
        )
    else:
        plan.add(rng.randint(0, 2), T.ACCEPT, CW, None, State.HANDLING)
        if case.has("withdraw"):
            plan.add(rng.randint(2, 8), T.WITHDRAW, RG, _withdraw_payload, State.CLOSED)
            return _finish_closed(plan, case)
        _handle(plan, case)
        if outcome is Outcome.CLOSED_FEE_UNPAID:
            return _finish_closed(plan, case)
        plan.add(rng.randint(3, 8), T.DRAFT_DECISION, CW, _decision(outcome), State.DRAFTING)
    _reply(plan, case)
    return plan.steps


def _handle(plan: _Plan, case: CaseSpec) -> None:
    """办理: consultations, fee notice, extension, deferral."""
    rng = plan.rng
    if case.has("extend"):
        plan.add(rng.randint(2, 5), T.EXTEND, OH, _extend_payload(rng))
    consultations = [f for f in case.features if f.startswith("consult_")]
    for index, feature in enumerate(consultations):
        kind, opinion = feature.removeprefix("consult_").split(":")
        transit = 0 if kind == "co" else rng.randint(1, 3)
        plan.add(
            rng.randint(1, 3),
            T.CONSULT,
            CW,
            lambda run, k=kind: _consult_payload(run, k),
            State.CONSULTING,
        )
        wait = transit + 16 if opinion == "silent" else transit + rng.randint(3, 12)
        plan.add(
            wait,
            T.CONSULTATION_DONE,
            CW,
            lambda run, i=index, o=opinion, t=transit: _opinion_payload(run, i, o, t),
            State.HANDLING,
        )
    if case.has("fee_paid") or case.has("fee_lapsed"):
        transit = rng.choice((0, 0, 2))
        # recorded on the day the applicant receives the notice, sent `transit` days before
        plan.add(
            rng.randint(1, 3) + transit,
            T.ISSUE_FEE_NOTICE,
            CW,
            lambda run, t=transit: _fee_payload(run, t),
            State.AWAITING_FEE,
        )
        if case.has("fee_lapsed"):
            plan.add(21 + rng.randint(0, 3), T.FEE_LAPSED, CW, None, State.CLOSED)
            return
        plan.add(
            transit + rng.randint(2, 12),
            T.FEE_PAID,
            RG,
            lambda run: {
                "paid_on": run.day,
                "receipt_number": f"FS{run.day:%Y%m%d}{run.case.id:04d}",
            },
            State.HANDLING,
        )
    if case.has("defer"):
        plan.add(rng.randint(1, 3), T.DEFER, OH, _defer_payload)


def _reply(plan: _Plan, case: CaseSpec) -> None:
    """答复 to 归档: review, signature, delivery, archive, remedies, reopening."""
    rng = plan.rng
    outcome = case.outcome
    if outcome in _LEGAL_REVIEW:
        plan.add(rng.randint(0, 1), T.SUBMIT_FOR_LEGAL_REVIEW, CW, None, State.LEGAL_REVIEW)
        if case.has("return_draft"):
            plan.add(
                rng.randint(1, 2),
                T.RETURN_DRAFT,
                LR,
                {"comments": "不予公开的理由说明不够充分，请补充所依据的条款和事实后重新提交"},
                State.HANDLING,
            )
            plan.add(rng.randint(1, 3), T.DRAFT_DECISION, CW, _decision(outcome), State.DRAFTING)
            plan.add(0, T.SUBMIT_FOR_LEGAL_REVIEW, CW, None, State.LEGAL_REVIEW)
        plan.add(
            rng.randint(1, 2),
            T.APPROVE,
            LR,
            {"comments": "依据准确，理由充分，同意"},
            State.SIGNING,
        )
    else:
        plan.add(rng.randint(0, 1), T.SUBMIT_FOR_SIGNING, CW, None, State.SIGNING)
        if case.has("send_back"):
            plan.add(
                1,
                T.SEND_BACK,
                OH,
                {"comments": "请写明获取信息的具体网址和栏目名称"},
                State.DRAFTING,
            )
            # drafting has no way back to handling: the draft goes back for signing as it is
            plan.add(1, T.SUBMIT_FOR_SIGNING, CW, None, State.SIGNING)
    plan.add(rng.randint(0, 1), T.SIGN, OH, lambda run: {"signed_on": run.day}, State.REPLIED)
    _deliver(plan, case)
    plan.add(rng.randint(2, 10), T.ARCHIVE, RG, _archive_payload, State.ARCHIVED)
    for feature in case.features:
        if feature.startswith("remedy:"):
            _, kind, result = feature.split(":")
            _remedy(plan, kind, result)
    if case.has("reopen"):
        plan.add(
            rng.randint(2, 5),
            T.REOPEN,
            OH,
            lambda run: {
                "basis": "review_decision",
                "document_number": run.stored[T.RECORD_REMEDY.value]["reference"],
                "received_on": run.day,
                "due_on": None,
                "reason": "复议机关认为原答复未充分履行检索义务，责令在法定期限内重新答复",
            },
            State.HANDLING,
        )
        plan.add(
            rng.randint(5, 12), T.DRAFT_DECISION, CW, _decision(Outcome.DISCLOSED), State.DRAFTING
        )
        plan.add(rng.randint(0, 1), T.SUBMIT_FOR_SIGNING, CW, None, State.SIGNING)
        plan.add(rng.randint(0, 1), T.SIGN, OH, lambda run: {"signed_on": run.day}, State.REPLIED)
        _deliver(plan, case)
        plan.add(rng.randint(2, 6), T.ARCHIVE, RG, _archive_payload, State.ARCHIVED)


def _finish_closed(plan: _Plan, case: CaseSpec) -> list[_Step]:
    if case.target is State.ARCHIVED:
        plan.add(plan.rng.randint(2, 10), T.ARCHIVE, RG, _archive_payload, State.ARCHIVED)
    return plan.steps


def _deliver(plan: _Plan, case: CaseSpec) -> None:
    rng = plan.rng
    if case.channel is Channel.INTERNET:
        plan.add(rng.randint(0, 1), T.DELIVER, RG, _electronic_delivery, State.DELIVERED)
    elif case.channel in (Channel.IN_PERSON, Channel.ORAL):
        plan.add(rng.randint(1, 3), T.DELIVER, RG, _direct_delivery, State.DELIVERED)
    else:
        plan.add(rng.randint(2, 4), T.DELIVER, RG, _postal_delivery, State.DELIVERED)


def _remedy(plan: _Plan, kind: str, result: str) -> None:
    """复议 or 诉讼: filed, then (unless pending) decided — table 四 of the annual report."""
    rng = plan.rng
    plan.add(
        rng.randint(15, 35),
        T.RECORD_REMEDY,
        LR,
        lambda run, k=kind: {
            "kind": k,
            "filed_on": run.day,
            "body": run.agency.court if k.startswith("litigation") else run.agency.review_body,
            "reference": _remedy_reference(run, k),
        },
    )
    if result != "pending":
        plan.add(
            rng.randint(30, 55),
            T.RECORD_REMEDY,
            LR,
            lambda run, k=kind, r=result: {
                "remedy_id": run.remedies[-1],
                "kind": k,
                "filed_on": run.sent(T.RECORD_REMEDY.value, "filed_on"),
                "body": run.stored[T.RECORD_REMEDY.value]["body"],
                "reference": run.stored[T.RECORD_REMEDY.value]["reference"],
                "result": r,
                "result_on": run.day,
            },
        )


def _remedy_reference(run: _Run, kind: str) -> str:
    serial = run.case.id % 90 + 10
    if kind == "review":
        prefix = "某税复" if run.agency.vertical else "某府复"
        return f"{prefix}〔{run.day.year}〕{serial}号"
    return f"（{run.day.year}）某0102行初{serial}号"


# --- payloads -------------------------------------------------------------------------------------


def _confirm_payload(run: _Run) -> dict[str, Any]:
    if run.spec.channel is Channel.SIGNED_MAIL:
        return {"signed_for_on": run.day, "how": "挂号信签收"}
    how = {
        Channel.INTERNET: "在线申请平台回执确认",
        Channel.FAX: "电话与申请人确认",
        Channel.ORDINARY_LETTER: "电话与申请人确认",
    }[run.spec.channel]
    return {"confirmed_on": run.day, "how": how}


def _withdraw_payload(run: _Run) -> dict[str, Any]:
    how = "通过在线申请平台撤回" if run.spec.channel is Channel.INTERNET else "书面撤回"
    return {"withdrawn_on": run.day, "how": how}


def _correction_payload(run: _Run, received: int, period: int) -> dict[str, Any]:
    return {
        "items": ["所需政府信息的名称、文号或者便于查询的其他特征性描述", "申请人的有效身份证明"],
        "guidance": "您的申请未能明确所需信息的内容，请补充信息的名称、文号、形成时间或其他特征性描述，"
        "以便本机关检索",
        "period_workdays": period,
        "sent_on": run.calendar.add_workdays(run.day, -received) if received else run.day,
        "received_on": run.day,  # handed over, or delivered by post `received` days after
    }


def _reasons_payload(run: _Run) -> dict[str, Any]:
    return {
        "matters": "您近期向本机关提出的政府信息公开申请数量、频次明显超过合理范围，"
        "请说明申请的理由（第三十五条）",
        "sent_on": run.day,
        "received_on": run.day,
    }


def _explanation_payload(run: _Run, reasonable: bool) -> dict[str, Any]:
    if reasonable:
        summary = "申请人说明系为撰写课题报告需要系统收集有关文件，所需信息年份跨度较大"
    else:
        summary = "申请人未说明所需信息的用途，仅称“有权知道”，申请内容与此前多件申请相同"
    return {
        "finding": "reasonable" if reasonable else "unreasonable",
        "received_on": run.day,
        "summary": summary,
    }


def _extend_payload(rng: random.Random) -> dict[str, Any]:
    return {
        "workdays": rng.choice((10, 15, 20, 20)),
        "reason": rng.choice(
            (
                "所申请信息数量较多，需要调阅多个年度的档案，不能在20个工作日内答复",
                "所申请信息涉及多个业务处室，需要会商后答复",
                "所申请信息需要进行保密审查",
            )
        ),
    }


def _defer_payload(run: _Run) -> dict[str, Any]:
    return {
        "until": run.case.reply_due + timedelta(days=30),
        "reason": "申请人说明的理由合理，但所申请信息数量较大，无法在法定期限内答复，确定延迟答复期限",
    }


def _consult_payload(run: _Run, kind: str) -> dict[str, Any]:
    if kind == "co":
        party = "某市城市管理局" if run.agency.code != "ZJW" else "某市自然资源和规划局"
        return {
            "kind": "co_producer",
            "party_name": party,
            "party_contact": "办公室 0000-86009876",
            "matters": "所申请信息系与贵机关共同制作，请于15个工作日内提出是否同意公开的意见",
            "sent_on": run.day,
            "party_received_on": run.day,
        }
    # one party per consultation (Art 32): a group names its representative
    parties = {"ZJW": "解放路片区被征收人共同指定的代表人 王某某", "CZJ": "受助对象 李某某"}
    company = (
        f"某市{BRANDS[run.case.id % len(BRANDS)]}{COMPANY_KINDS[run.case.id % len(COMPANY_KINDS)]}"
    )
    return {
        "kind": "third_party",
        "party_name": parties.get(run.agency.code, company),
        "party_contact": "法务部",
        "matters": "申请人申请公开的信息可能涉及贵单位的商业秘密或个人隐私，请于收到本征求意见书之日起"
        "15个工作日内书面提出意见，逾期未提出意见的，由本机关依照《条例》规定决定是否公开",
        "sent_on": run.day,
    }


def _opinion_payload(run: _Run, index: int, opinion: str, transit: int) -> dict[str, Any]:
    summaries = {
        "agree": "被征求意见方书面回复同意公开",
        "object": "被征求意见方书面回复不同意公开，理由是涉及其商业秘密或个人隐私",
        "silent": "被征求意见方逾期未提出意见",
    }
    consultation_id, sent_on = run.consultations[index]
    payload = {
        "consultation_id": consultation_id,
        "opinion": opinion,
        "summary": summaries[opinion],
    }
    if transit:  # a letter by post: its receipt date comes back with the delivery receipt
        payload["party_received_on"] = run.calendar.add_workdays(sent_on, transit)
    return payload if opinion == "silent" else payload | {"opinion_received_on": run.day}


def _fee_payload(run: _Run, transit: int) -> dict[str, Any]:
    per_item = run.spec.kind is ApplicantType.NATURAL_PERSON and run.case.id % 2 == 0
    return {
        "basis": "per_item" if per_item else "per_page",
        "quantity": 12 + run.case.id % 9 if per_item else 80 + (run.case.id * 37) % 300,
        "sent_on": run.calendar.add_workdays(run.day, -transit) if transit else run.day,
        "received_on": run.day,
        "payment_method": "按缴款通知书所列账户转账，或到本机关政务服务窗口缴纳",
    }


def _direct_delivery(run: _Run) -> dict[str, Any]:
    return {
        "method": "direct",
        "delivered_on": run.day,
        "recipient": run.applicant["name"],
        "proof": "申请人在送达回证上签字",
    }


def _electronic_delivery(run: _Run) -> dict[str, Any]:
    return {
        "method": "electronic",
        "delivered_on": run.day,
        "recipient": run.applicant["name"],
        "proof": "在线申请平台送达记录",
    }


def _postal_delivery(run: _Run) -> dict[str, Any]:
    signed = run.case.replied_on
    return {
        "method": "post",
        "delivered_on": run.day,
        "posted_on": signed,
        "tracking_number": f"11{(run.case.id * 7919 + signed.toordinal()) % 10**11:011d}",
        "recipient": run.applicant["name"],
        "proof": "EMS妥投记录",
    }


def _archive_payload(run: _Run) -> dict[str, Any]:
    return {
        "archived_on": run.day,
        "file_number": f"{run.agency.code}-WS{run.day.year}-{run.case.seq:04d}",
    }


# --- decisions --------------------------------------------------------------------------------------


def _decision(outcome: Outcome) -> Callable[[_Run], dict[str, Any]]:
    return lambda run: {"outcome": outcome.value, "fields": _fields(run, outcome)}


def _fields(run: _Run, outcome: Outcome) -> dict[str, Any]:
    """What the reply must state for ``outcome`` (outcomes.DecisionField), for this case."""
    agency, text = run.agency, run.text
    matter = _matter(run.spec) if run.spec.outcome is outcome else None
    fields: dict[str, Any] = dict(matter.fields) if matter else {}
    searched = (
        f"承办人{run.caseworker.full_name}于{run.day:%Y年%m月%d日}以“{text[:12]}”等为关键词，"
        "检索了本机关公文管理系统、档案室纸质档案及相关业务处室台账"
    )
    if outcome is Outcome.ALREADY_PUBLISHED:
        fields["access_method"] = (
            f"该信息已在{agency.name}门户网站“政府信息公开—法定主动公开内容”栏目主动公开，"
            "您可自行查阅、下载"
        )
    elif outcome in (Outcome.DISCLOSED, Outcome.PARTIAL):
        fields["access_method"] = (
            "所公开的信息以电子文档形式通过在线申请平台提供"
            if run.spec.channel is Channel.INTERNET
            else f"现将所公开的信息（纸质复印件，共{run.case.id % 40 + 3}页）随本答复书一并提供"
        )
    elif outcome is Outcome.NOT_EXIST:
        fields["search_record"] = searched + "，未检索到所申请的信息"
    elif outcome is Outcome.NOT_THIS_AGENCY:
        fields.setdefault("responsible_agency", "所涉区域的区人民政府")
        fields["reasons"] = f"根据职责分工，所申请信息不属于{agency.name}负责公开的政府信息"
    elif outcome is Outcome.NEEDS_CREATION:
        fields["reasons"] = (
            "所申请信息需要本机关对现有数据进行汇总、统计和分析后方能形成，"
            "属于需要另行制作的信息，依据《条例》第三十八条不予提供"
        )
    elif outcome is Outcome.STILL_UNCLEAR:
        fields["correction_notice"] = f"补正告知书（{run.sent('request_correction')}发出）"
        fields["reasons"] = (
            "申请人补正后，所需信息的名称、文号或特征性描述仍不明确，本机关无法确定所需信息"
        )
    elif outcome is Outcome.REPEAT_APPLICATION:
        fields["previous_case"] = run.previous_case
    elif outcome is Outcome.EXCESSIVE:
        fields["explanation_request"] = f"说明理由告知书（{run.sent('request_reasons')}发出）"
        fields["reasons"] = (
            "申请人在短期内提出大量内容相近的申请，经要求说明理由，所说明的理由不合理"
        )
    elif outcome is Outcome.CONFIRM_OR_REISSUE:
        fields["reasons"] = (
            "申请人要求本机关对已获取的政府信息予以确认或者重新出具，不属于《条例》规定的政府信息公开申请"
        )
    if over_objection(outcome, fields, run.spec.has("consult_third:object")):  # Art 32, Art 15
        fields["public_interest"] = (
            "所涉信息反映财政资金的使用情况，与公众利益密切相关，不公开可能对公共利益造成重大影响"
        )
    return fields


def _matter(case: CaseSpec) -> Matter | None:
    matters = MATTERS.get(case.outcome, ())
    return matters[case.matter] if case.matter is not None and matters else None


def _request_text(case: CaseSpec, rng: random.Random, received: date) -> str:
    matter = _matter(case)
    text = matter.text if matter else rng.choice(REQUESTS[case.agency])
    return text.format(year=received.year, last=received.year - 1)


# --- seeding ----------------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, session: Session, rng: random.Random, today: date) -> None:
        self.session = session
        self.rng = rng
        self.today = today
        self.cal = current_calendar(session)
        self.agencies: dict[str, Agency] = {}
        self.users: dict[str, User] = {}
        self.password_hash = _demo_password_hash()
        self.frequent: list[dict[str, str]] = []
        self.replied: dict[str, list[tuple[str, dict[str, str], str, date]]] = {}

    # the organisation

    def organisation(self) -> None:
        city = self._agency(CITY, None)
        self._user(city, "city_supervisor", (Role.SUPERVISOR,))
        self._user(city, "admin", (Role.ADMIN,))
        for agency_spec in AGENCIES:
            agency = self._agency(agency_spec, None if agency_spec.vertical else city)
            for suffix, roles in STAFF:
                self._user(agency, f"{agency_spec.code.lower()}_{suffix}", roles)
        self.frequent = [_applicant(self.rng, ApplicantType.NATURAL_PERSON) for _ in range(3)]

    def _agency(self, a: AgencySpec, parent: Agency | None) -> Agency:
        agency = create_agency(
            self.session,
            parent=parent,
            code=a.code,
            name=a.name,
            short_name=a.short_name,
            letter_prefix=a.letter_prefix,
            review_body=a.review_body,
            court=a.court,
            vertical=a.vertical,
            address=a.address,
            postcode="215000",
            phone=f"0000-8600{len(self.agencies):04d}",
            email=f"gongkai.{a.code.lower()}@example.gov.cn",
        )
        self.agencies[a.code] = agency
        return agency

    def _user(self, agency: Agency, username: str, roles: tuple[Role, ...]) -> None:
        self.users[username] = create_user(
            self.session,
            username=username,
            full_name=_person_name(self.rng),
            agency=agency,
            roles=roles,
            password_hash=self.password_hash,
            # a reserved domain (RFC 2606): `gkcase digest --send` in the demo never reaches anyone
            email=f"{username}@demo.invalid",
        )

    def staff(self, code: str, role: Role, run: _Run) -> User:
        if role is Role.CASEWORKER:
            return run.caseworker
        return self.users[f"{code.lower()}_{role.value}"]

    # the cases

    def place(self, case: CaseSpec, steps: list[_Step]) -> date:
        """The day the application arrives, so that its last step falls on or before today."""
        span = sum(step.wait for step in steps)
        last_workday = self._on_or_before(self.today)
        if case.has("overdue"):
            return self.cal.add_workdays(last_workday, -(span + 22 + self.rng.randint(0, 8)))
        pending = any(f.endswith(":pending") for f in case.features)
        if case.target is not State.ARCHIVED or pending:  # still moving: it happened lately
            jitter = self.rng.randint(0, 2 if case.target.is_open else 12)
            return self.cal.add_workdays(last_workday, -(span + jitter))
        first = self._on_or_after(min(FIRST_DAY, self.cal.add_workdays(last_workday, -300)))
        latest = self.cal.add_workdays(last_workday, -(span + 1))
        if latest <= first:
            return first
        day = first + timedelta(days=self.rng.randrange((latest - first).days + 1))
        return min(self._on_or_after(day), latest)

    def _on_or_before(self, day: date) -> date:
        return day if self.cal.is_workday(day) else self.cal.add_workdays(day, -1)

    def _on_or_after(self, day: date) -> date:
        return day if self.cal.is_workday(day) else self.cal.add_workdays(day, 1)

    def run(self, case: CaseSpec, steps: list[_Step], arrival: date, rng: random.Random) -> Case:
        agency = self.agencies[case.agency]
        applicant = self._applicant_for(case, rng)
        text = _request_text(case, rng, arrival)
        previous = ""
        if case.outcome is Outcome.REPEAT_APPLICATION:
            earlier = [r for r in self.replied.get(case.agency, []) if r[3] < arrival]
            if earlier:
                previous, applicant, text, _ = earlier[rng.randrange(len(earlier))]
            else:
                previous = (
                    f"{agency.letter_prefix}〔{arrival.year - 1}〕{rng.randint(10, 99)}号答复"
                )
        caseworker = self.users[
            f"{case.agency.lower()}_{rng.choice(('caseworker', 'caseworker2'))}"
        ]
        run = _Run(
            case, agency, caseworker, applicant, text, arrival, self.cal, previous_case=previous
        )
        for step in steps:
            if step.wait:
                run.day = self.cal.add_workdays(run.day, step.wait)
            if step.trigger is None:
                run.case = self._register(run, step, rng)
                continue
            payload = step.payload(run) if callable(step.payload) else step.payload
            fired = svc.fire(
                self.session,
                run.case.id,
                step.trigger,
                self.staff(case.agency, step.role, run),
                payload,
                run.case.version,
                as_of=run.day,
            )
            run.case = fired.case
            stored = json.loads(fired.event.payload)
            run.stored[step.trigger.value] = stored
            if step.trigger is T.CONSULT:
                run.consultations.append((stored["consultation_id"], run.day))
            elif step.trigger is T.RECORD_REMEDY and stored["remedy_id"] not in run.remedies:
                run.remedies.append(stored["remedy_id"])
            if State(run.case.state) is not step.state:
                raise AssertionError(
                    f"{run.case.number}: {step.trigger} left the case {run.case.state}, "
                    f"not {step.state}"
                )
        if run.case.replied_on is not None and run.case.outcome not in (
            Outcome.REPEAT_APPLICATION.value,
            *svc.CLOSING_OUTCOMES,
        ):
            self.replied.setdefault(case.agency, []).append(
                (run.case.number, applicant, text, run.case.replied_on)
            )
        return run.case

    def _register(self, run: _Run, step: _Step, rng: random.Random) -> Case:
        channel = run.spec.channel
        arrived, data = run.day, {}
        if channel is Channel.SIGNED_MAIL:
            data = {"signed_for_on": None if step.state is State.RECEIVED else arrived}
        elif channel in _UNCONFIRMED_CHANNELS and step.state is not State.RECEIVED:
            if channel is Channel.INTERNET:  # filed online, often at a weekend or in the evening
                earlier = arrived - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
                arrived = min(arrived, max(earlier, FIRST_DAY))
            data = {"confirmed_on": run.day}
        forms = ("纸质文本", "电子数据", "纸质文本")
        ways = {
            Channel.INTERNET: "在线申请平台获取",
            Channel.IN_PERSON: "当场领取",
            Channel.ORAL: "当场领取",
        }
        registered = svc.register(
            self.session,
            run.agency.id,
            {
                "channel": channel.value,
                "arrived_on": arrived,
                **data,
                "applicant": run.applicant,
                "information_requested": run.text,
                "form_requested": "电子数据" if channel is Channel.INTERNET else rng.choice(forms),
                "delivery_requested": ways.get(channel, "邮寄"),
            },
            self.staff(run.spec.agency, Role.REGISTRAR, run),
            as_of=run.day,
        )
        return registered.case

    def _applicant_for(self, case: CaseSpec, rng: random.Random) -> dict[str, str]:
        if case.outcome is Outcome.EXCESSIVE or (
            case.kind is ApplicantType.NATURAL_PERSON and rng.random() < 0.08
        ):
            return dict(self.frequent[rng.randrange(len(self.frequent))])
        return _applicant(rng, case.kind)


def seed(
    engine: Engine,
    *,
    cases: int = 300,
    seed: int = 2026,
    today: date | None = None,
    force: bool = False,
) -> DemoSummary:
    """Create the demo organisation and ``cases`` applications in an empty database.

    With ``cases`` ≥ :data:`COVERAGE_CASES` every state, outcome, applicant type and channel
    occurs. Raises :class:`DemoDataExists` if the database already holds agencies or cases,
    unless ``force``: then every agency, user and case is deleted first (the holiday calendar
    stays). Everything happens in one transaction: on any error nothing is written or deleted.
    """
    if cases < 0:
        raise ValidationError("演示案件数不能为负数", field="cases")
    today = today or svc.china_today()
    create_schema(engine)
    rng = random.Random(seed)
    with unit_of_work(engine) as session:
        if force:
            _clear(session)
        agencies, existing = _counts(session)
        if agencies or existing:
            raise DemoDataExists(
                f"数据库中已有 {existing} 件案件、{agencies} 个机关，未生成演示数据；"
                "如需清空后重新生成，请加 --force"
            )
        seeder = _Seeder(session, rng, today)
        seeder.organisation()
        specs = _coverage_specs()[:cases]
        specs += [_random_spec(rng) for _ in range(cases - len(specs))]
        planned = []
        for index, case in enumerate(specs):
            case_rng = random.Random(f"{seed}:{index}")
            steps = _cut(_plan(case, case_rng), case.target)
            planned.append((seeder.place(case, steps), index, case, steps, case_rng))
        for arrival, _index, case, steps, case_rng in sorted(planned, key=lambda p: p[:2]):
            seeder.run(case, steps, arrival, case_rng)
        return describe(session)


def _cut(steps: list[_Step], target: State) -> list[_Step]:
    """The path up to the last step that leaves the case in ``target``."""
    last = max((i for i, step in enumerate(steps) if step.state is target), default=None)
    if last is None:
        raise AssertionError(f"no path to {target}")
    return steps[: last + 1]


def _counts(session: Session) -> tuple[int, int]:
    agencies = session.exec(select(func.count()).select_from(Agency)).one()
    cases = session.exec(select(func.count()).select_from(Case)).one()
    return int(agencies), int(cases)


def is_empty(session: Session) -> bool:
    """No agency and no case: demo data may be seeded."""
    return _counts(session) == (0, 0)


def describe(session: Session) -> DemoSummary:
    """Count what the database holds."""
    agencies, cases = _counts(session)
    users = int(session.exec(select(func.count()).select_from(User)).one())
    rows = session.exec(select(Case.state, Case.outcome, Case.applicant_kind, Case.channel)).all()
    return DemoSummary(
        agencies=agencies,
        users=users,
        cases=cases,
        by_state=dict(Tally(r[0] for r in rows)),
        by_outcome=dict(Tally(r[1] for r in rows if r[1])),
        by_applicant_kind=dict(Tally(r[2] for r in rows)),
        by_channel=dict(Tally(r[3] for r in rows)),
    )


def busiest_case(session: Session) -> str | None:
    """The number of the case with the longest history: a good one to look at first."""
    statement = select(Case.number).order_by(Case.event_count.desc(), Case.id).limit(1)  # type: ignore[union-attr]
    return session.exec(statement).first()


#: Tables ``force`` keeps: the holiday arrangements and marked days an admin loaded.
KEPT_TABLES = frozenset({"calendar_notice", "calendar_day_mark"})


def _clear(session: Session) -> None:
    """Delete every row but the calendar's, children before parents."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            session.execute(table.delete())


__all__ = [
    "COVERAGE_CASES",
    "DemoDataExists",
    "DemoSummary",
    "busiest_case",
    "describe",
    "is_empty",
    "seed",
]
