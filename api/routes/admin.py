"""Administration, for the admin role: agencies, users, API tokens and letter-template overrides,
each scoped to the admin's own agency and its subtree (anything outside answers 404)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.deps import AdminUser, RowId, SessionDep
from api.routing import ApiRouter
from gkcase.errors import ValidationError
from gkcase.letters.catalogue import CATALOGUE, letter_spec
from gkcase.models import Agency, ApiToken, User, UserSession
from gkcase.services import auth
from gkcase.services import letters as letters_service
from gkcase.services import org as org_service
from gkcase.services.cases import NotFound
from gkcase.services.org import create_agency, create_user
from gkcase.states.machine import Role
from gkcase.states.outcomes import Outcome, legal_review_outcomes
from gkcase.states.payloads import MAX_ID

router = ApiRouter(prefix="/api/admin", tags=["admin"])


# --- scope ------------------------------------------------------------------------------------


def _own(session: Session, admin: User) -> Agency:
    return session.get(Agency, admin.agency_id)


def _subtree_ids(session: Session, admin: User) -> set[int]:
    own = _own(session, admin)
    return set(session.exec(select(Agency.id).where(col(Agency.path).startswith(own.path))).all())


def agency_in_scope(session: Session, admin: User, agency_id: int, field: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or agency.id not in _subtree_ids(session, admin):
        raise NotFound("机关不存在", field=field)
    return agency


def user_in_scope(session: Session, admin: User, user_id: int, field: str = "user_id") -> User:
    user = session.get(User, user_id)
    if user is None or user.agency_id not in _subtree_ids(session, admin):
        raise NotFound("用户不存在", field=field)
    return user


# --- agencies ---------------------------------------------------------------------------------


class AgencyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "parent_id": 1,
                    "code": "SWJ",
                    "name": "某市商务局",
                    "short_name": "市商务局",
                    "letter_prefix": "某商务公开",
                    "review_body": "某市人民政府",
                    "court": "某市某区人民法院",
                    "address": "某市人民路9号",
                    "postcode": "215000",
                    "phone": "0000-86000099",
                    "email": "gongkai.swj@example.gov.cn",
                }
            ]
        },
    )

    parent_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="default: the admin's own agency"
    )
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=120)
    short_name: str = Field(default="", max_length=40)
    letter_prefix: str = Field(min_length=1, max_length=40, description="文号 prefix")
    review_body: str = Field(min_length=1, max_length=120, description="行政复议机关")
    court: str = Field(min_length=1, max_length=120, description="管辖法院")
    vertical: bool = False
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=10)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)


class AgencyOut(BaseModel):
    id: int
    parent_id: int | None
    code: str
    name: str
    short_name: str
    letter_prefix: str
    review_body: str
    court: str
    vertical: bool
    address: str
    postcode: str
    phone: str
    email: str
    legal_review_outcomes: list[str] = Field(
        description="法制审核范围: outcomes whose reply goes to legal review (docs/policies.md)"
    )


def _agency_out(agency: Agency) -> AgencyOut:
    reviewed = legal_review_outcomes(agency.legal_review_outcomes)
    return AgencyOut.model_validate(
        {
            **agency.model_dump(),
            "legal_review_outcomes": [o.value for o in Outcome if o in reviewed],
        }
    )


class LegalReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcomes": ["partially_disclosed", "withheld_state_secret", "not_exist"]}
            ]
        },
    )

    outcomes: list[str] = Field(
        max_length=40,
        description="the whole list; it must keep every 不予公开 and 部分公开 outcome (422 otherwise)",
    )


@router.get("/agencies", response_model=list[AgencyOut], summary="本机关及下级机关")
def list_agencies(session: SessionDep, admin: AdminUser) -> list[AgencyOut]:
    own = _own(session, admin)
    rows = session.exec(
        select(Agency).where(col(Agency.path).startswith(own.path)).order_by(col(Agency.path))
    )
    return [_agency_out(a) for a in rows]


@router.post("/agencies", response_model=AgencyOut, status_code=201, summary="新增下级机关")
def add_agency(data: AgencyIn, session: SessionDep, admin: AdminUser) -> AgencyOut:
    parent_id = data.parent_id if data.parent_id is not None else admin.agency_id
    parent = agency_in_scope(session, admin, parent_id, "parent_id")
    fields = data.model_dump(exclude={"parent_id"})
    fields["code"] = fields["code"].strip().upper()
    return _agency_out(create_agency(session, parent=parent, **fields))


@router.put(
    "/agencies/{agency_id}/legal-review",
    response_model=AgencyOut,
    summary="设置法制审核范围（不能少于法定最低范围）",
)
def set_legal_review(
    agency_id: RowId, data: LegalReviewIn, session: SessionDep, admin: AdminUser
) -> AgencyOut:
    agency = agency_in_scope(session, admin, agency_id, "agency_id")
    return _agency_out(org_service.set_legal_review(session, agency, data.outcomes))


# --- users --------------------------------------------------------------------------------------


class _AccountIn(BaseModel):
    """What every account has: a person's (UserIn) or an integration's (ServiceAccountIn)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    full_name: str = Field(min_length=1, max_length=60, description="as the audit trail names it")
    agency_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="default: the admin's own agency"
    )
    roles: list[Role] = Field(min_length=1)


class UserIn(_AccountIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "fgw_caseworker2",
                    "full_name": "李四",
                    "agency_id": 2,
                    "roles": ["caseworker", "registrar"],
                    "password": "an initial password",
                    "email": "lisi@fgw.example.gov.cn",
                }
            ]
        },
    )

    password: str = Field(min_length=8, max_length=200, description="initial password")
    email: str = Field(
        default="",
        max_length=120,
        pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="work e-mail for the daily digest",
    )


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    agency_id: int
    roles: list[str]
    email: str
    active: bool
    service_account: bool = False
    created_at: datetime


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        agency_id=user.agency_id,
        roles=sorted(user.role_set),
        email=user.email,
        active=user.active,
        service_account=user.service_account,
        created_at=user.created_at,
    )


@router.get("/users", response_model=list[UserOut], summary="本机关及下级机关的用户")
def list_users(session: SessionDep, admin: AdminUser) -> list[UserOut]:
    ids = _subtree_ids(session, admin)
    rows = session.exec(select(User).where(col(User.agency_id).in_(ids)).order_by(col(User.id)))
    return [_user_out(u) for u in rows]


def _new_account(data: _AccountIn, session: Session, admin: User, **settings: object) -> UserOut:
    agency_id = data.agency_id if data.agency_id is not None else admin.agency_id
    agency = agency_in_scope(session, admin, agency_id, "agency_id")
    user = create_user(
        session,
        username=data.username.strip(),
        full_name=data.full_name.strip(),
        agency=agency,
        roles=list(dict.fromkeys(data.roles)),
        **settings,
    )
    return _user_out(user)


@router.post("/users", response_model=UserOut, status_code=201, summary="新增用户")
def add_user(data: UserIn, session: SessionDep, admin: AdminUser) -> UserOut:
    return _new_account(
        data,
        session,
        admin,
        password_hash=auth.hash_password(data.password),
        email=data.email.strip(),
    )


class ServiceAccountIn(_AccountIn):
    """registrar and/or supervisor only (SERVICE_ACCOUNT_ROLES)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "portal",
                    "full_name": "门户网站在线申请（服务账户）",
                    "roles": ["registrar"],
                }
            ]
        },
    )


@router.post("/service-accounts", response_model=UserOut, status_code=201, summary="新增服务账户")
def add_service_account(data: ServiceAccountIn, session: SessionDep, admin: AdminUser) -> UserOut:
    """An integration's own account: no password, acting only through tokens, named as itself
    in every event it causes."""
    return _new_account(data, session, admin, service_account=True)


@router.post("/users/{user_id}/deactivate", response_model=UserOut, summary="停用用户")
def deactivate_user(user_id: RowId, session: SessionDep, admin: AdminUser) -> UserOut:
    user = user_in_scope(session, admin, user_id)
    if user.id == admin.id:
        raise ValidationError("不能停用自己的账号", field="user_id")
    if user.active:
        user.active = False
        session.add(user)
        now = datetime.now(UTC)
        open_sessions = session.exec(
            select(UserSession).where(
                UserSession.user_id == user.id, col(UserSession.revoked_at).is_(None)
            )
        )
        for row in open_sessions:  # logged out everywhere at once
            row.revoked_at = now
            session.add(row)
        session.flush()
    return _user_out(user)


# --- API tokens ---------------------------------------------------------------------------------


class TokenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "门户网站在线申请", "user_id": 9}]},
    )

    name: str = Field(min_length=1, max_length=100)
    user_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="a service account in the admin's scope; default: the admin. A token never "
        "acts as another person (403 auth.permission_denied)",
    )


class TokenOut(BaseModel):
    id: int
    name: str
    user_id: int
    created_at: datetime
    created_by: int | None
    revoked_at: datetime | None


class IssuedToken(TokenOut):
    token: str = Field(description="the bearer token: shown this once, never stored")


def _token_out(row: ApiToken) -> TokenOut:
    return TokenOut.model_validate(row, from_attributes=True)


@router.post("/tokens", response_model=IssuedToken, status_code=201, summary="签发API令牌")
def issue_token(data: TokenIn, session: SessionDep, admin: AdminUser) -> IssuedToken:
    user = admin if data.user_id is None else user_in_scope(session, admin, data.user_id)
    if not user.active:
        raise ValidationError("该用户已停用", field="user_id")
    row, token = auth.issue_api_token(session, name=data.name.strip(), user=user, issued_by=admin)
    return IssuedToken(**_token_out(row).model_dump(), token=token)


@router.get("/tokens", response_model=list[TokenOut], summary="API令牌（不含令牌本身）")
def list_tokens(session: SessionDep, admin: AdminUser) -> list[TokenOut]:
    ids = _subtree_ids(session, admin)
    rows = session.exec(
        select(ApiToken)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(col(User.agency_id).in_(ids))
        .order_by(col(ApiToken.id))
    )
    return [_token_out(r) for r in rows]


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="吊销API令牌")
def revoke_token(token_id: RowId, session: SessionDep, admin: AdminUser) -> TokenOut:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("令牌不存在", field="token_id")
    user_in_scope(session, admin, row.user_id, field="token_id")
    row = auth.revoke_api_token(session, token_id)
    session.flush()
    return _token_out(row)


# --- letter templates -----------------------------------------------------------------------------


class TemplateOut(BaseModel):
    kind: str
    title: str
    origin: str = Field(description="builtin (shipped) or agency (this agency's override)")
    version: int = Field(description="0 for the shipped template")
    sha256: str
    source: str


class TemplateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"source": "<p>{{ applicant.name }}：</p>…", "note": "按本机关格式调整措辞"}
            ]
        },
    )

    source: str = Field(min_length=1, max_length=100_000, description="the body template (Jinja)")
    note: str = Field(default="", max_length=500)


def _template_out(session: Session, agency_id: int, kind: str) -> TemplateOut:
    used = letters_service.template_in_use(session, agency_id, kind)
    return TemplateOut(
        kind=kind,
        title=CATALOGUE[kind].title,
        origin=used.origin,
        version=used.version,
        sha256=used.sha256,
        source=used.source,
    )


@router.get("/templates/{kind}", response_model=TemplateOut, summary="本机关使用的文书模板")
def get_template(kind: str, session: SessionDep, admin: AdminUser) -> TemplateOut:
    letter_spec(kind)
    return _template_out(session, admin.agency_id, kind)


@router.put(
    "/templates/{kind}",
    response_model=TemplateOut,
    summary="保存本机关的文书模板（新版本）",
    responses={
        422: {
            "description": "letter.template_incomplete (a required element is missing) or "
            "letter.template (the template cannot render, or breaks the sandbox)"
        }
    },
)
def put_template(kind: str, data: TemplateIn, session: SessionDep, admin: AdminUser) -> TemplateOut:
    letter_spec(kind)
    letters_service.save_template(session, admin.agency_id, kind, data.source, admin, data.note)
    return _template_out(session, admin.agency_id, kind)
