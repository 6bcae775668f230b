"""Letter templates an agency has overridden, and letters as issued (frozen)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import defer
from sqlmodel import Field, SQLModel


class LetterTemplate(SQLModel, table=True):
    """An agency's body template for one kind. Every save is a new version; the latest is used."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "version", name="uq_template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    kind: str = Field(max_length=40)
    version: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    note: str = Field(default="", max_length=500)
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="app_user.id")


class LetterDraft(SQLModel, table=True):
    """What the caseworker has written into a letter's slots, before it is issued."""

    __tablename__ = "letter_draft"
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_letter_draft"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    kind: str = Field(max_length=40)
    slots: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    updated_at: datetime
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")


class Letter(SQLModel, table=True):
    """An issued letter, frozen: what was sent, from which template, with which variables."""

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("agency_id", "number", name="uq_letter_number"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    kind: str = Field(max_length=40, index=True)
    number: str = Field(max_length=80)  # 文号
    issued_on: date  # 成文日期
    issued_at: datetime
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    template_origin: str = Field(max_length=10)  # builtin / agency
    template_version: int  # 0 for the shipped template
    template_sha256: str = Field(max_length=64)
    variables: str = Field(sa_column=Column(Text, nullable=False))  # the context, canonical JSON
    html: str = Field(sa_column=Column(Text, nullable=False))
    html_sha256: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    docx: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    docx_sha256: str = Field(default="", max_length=64)
    pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    pdf_sha256: str = Field(default="", max_length=64)
    findings: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    gkcase_version: str = Field(default="", max_length=20)

    # Issuing (gkcase.services.letters.issue) is the only writer of a letter, and it always
    # prints the DOCX and stores the PDF's hash only with the PDF; so a listing can tell which
    # files there are from the hashes, without reading the files (LETTER_LISTED).
    @property
    def has_docx(self) -> bool:
        return self.docx_sha256 != ""

    @property
    def has_pdf(self) -> bool:
        return self.pdf_sha256 != ""


#: The letter itself: what a download, a verification or an evidence bundle reads, and a list of
#: letters does not — about 0.3 MB a letter, mostly the PDF with its embedded CJK font.
LETTER_BODY = ("variables", "html", "text", "docx", "pdf")

#: Loader options for listing letters (a case page, a case's letters): every column but the body.
#: A body asked for later is loaded then (not refused: the session that listed a letter may go on
#: to print or verify it, and ``session.get`` hands back the same object); a listing that touches
#: one is caught by the statements its test sees (tests/services/test_letters_issue.py).
LETTER_LISTED = tuple(defer(getattr(Letter, name)) for name in LETTER_BODY)
