"""Letters as files: an editable Word document (DOCX) and a PDF for printing and archiving.

Both follow the official-document layout of GB/T 9704-2012 that ``templates/_layout.html.j2``
draws: A4, margins 37/35/28/26 mm (top/bottom/left/right), the 文号 right-aligned, the title
centred in 2号小标宋 (22pt), the addressee, the body in 3号仿宋 (16pt) on a fixed 28.9pt line
(22 lines a page) with a two-character first-line indent, the issuing agency and the date
right-aligned with room for the seal, and page numbers (— 2 —) from the second page on.

* :func:`to_docx` builds a real, editable document with python-docx from the rendered letter: every
  body paragraph and list item of ``body_html`` becomes a paragraph, ``<strong>`` a bold run.
  Fonts are set for East Asian text (``w:eastAsia``: 仿宋 for the text, 方正小标宋简体 for the
  title) and declared in the font table with GB2312 as their character set and their other names,
  so Word and WPS substitute a Chinese font where the named one is not installed.
* :func:`to_pdf` prints ``letter.html`` with WeasyPrint and a CJK font from the system (Debian:
  ``fonts-noto-cjk``), embedded as a subset with a ToUnicode map, so the text can be searched and
  copied. Nothing is fetched: the letter refers to no outside resource and any reference an
  agency's template might add is refused.

Both are deterministic: the same letter gives the same bytes. The DOCX core properties are set
from the letter (created = modified = the letter's date) and the zip entries carry that date; the
PDF's creation and modification dates are the letter's date, its file identifier is derived from
the letter's HTML, and no font subset carries the time of day (HarfBuzz's subsetter keeps the
font's own dates; without it, fontTools stamps the subsets with the letter's date through
``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from html.parser import HTMLParser
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from lxml import etree

from gkcase.errors import GkcaseError
from gkcase.letters.render import RenderedLetter

# --- fonts and measures (GB/T 9704-2012) ----------------------------------------------------------

BODY_FONT = "仿宋"  # 3号仿宋: FangSong on Windows, 仿宋_GB2312 on older systems
TITLE_FONT = "方正小标宋简体"  # 2号小标宋: FZXiaoBiaoSong-B05S
PAGE_NUMBER_FONT = "宋体"  # 4号半角宋体阿拉伯数字
LATIN_FONT = "Times New Roman"  # digits and Latin letters in the text
# How Word and WPS find a font, or a stand-in, where the named one is not installed: its other
# names (w:altName) and, through the GB2312 character set (w:charset 86), any Chinese font.
FONT_TABLE = {
    BODY_FONT: ("FangSong,仿宋_GB2312,FangSong_GB2312", "02010609060101010101", "modern", "fixed"),
    TITLE_FONT: ("FZXiaoBiaoSong-B05S,小标宋,宋体", "02000000000000000000", "script", "fixed"),
    PAGE_NUMBER_FONT: ("SimSun", "02010600030101010101", "auto", "variable"),
}

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
SMALL_SIZE = Pt(14)  # 4号: page numbers, the contact line
LINE = Pt(28.9)  # 22 lines in the 225 mm type area
TITLE_LINE = Pt(35)
# 28 characters a line in the 156 mm type area: 16pt characters tracked by -0.25pt (w:spacing,
# in twentieths of a point; the layout's CSS does the same with letter-spacing).
TRACKING = -5


class PdfUnavailable(GkcaseError):
    """PDF output needs WeasyPrint, its system libraries and a CJK font, and one is missing."""

    code = "letter.pdf_unavailable"


# --- the body: <p>, <ol>/<ul>/<li>, <strong>/<b>, <br> ------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Block:
    """One paragraph of the body: a ``<p>`` or a list item."""

    kind: str  # "p" or "li"
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


class _BodyParser(HTMLParser):
    """The body's blocks. The markup is tiny by design; anything else keeps its text."""

    _BLOCKS = frozenset({"p", "li", "div", "h1", "h2", "h3", "h4", "blockquote"})
    _BOLD = frozenset({"strong", "b"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._runs: list[Run] = []
        self._kind = "p"
        self._bold = 0

    def _flush(self) -> None:
        runs = _tidy(self._runs)
        if runs:
            self.blocks.append(Block(self._kind, runs))
        self._runs = []
        self._kind = "p"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS or tag in ("ol", "ul"):
            self._flush()
            if tag == "li":
                self._kind = "li"
        elif tag in self._BOLD:
            self._bold += 1
        elif tag == "br":
            self._runs.append(Run("\n", self._bold > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS or tag in ("ol", "ul"):
            self._flush()
        elif tag in self._BOLD:
            self._bold = max(0, self._bold - 1)

    def handle_data(self, data: str) -> None:
        # Line ends in the source are white space; a "\n" run is a <br>.
        self._runs.append(Run(re.sub(r"[ \t\r\n\f]+", " ", data), self._bold > 0))

    def close(self) -> None:
        super().close()
        self._flush()


def _tidy(runs: list[Run]) -> tuple[Run, ...]:
    """White space as a browser shows it (collapsed across runs, none at a line's ends), like
    runs merged, a <br> at the end dropped."""
    out: list[Run] = []
    at_line_start = True
    for run in runs:
        if run.text == "\n":
            if out and out[-1].text != "\n":
                out[-1] = Run(out[-1].text.rstrip(" "), out[-1].bold)
            out.append(run)
            at_line_start = True
            continue
        text = run.text.lstrip(" ") if at_line_start else run.text
        if not text:
            continue
        at_line_start = text.endswith(" ")
        if out and out[-1].bold == run.bold and out[-1].text != "\n":
            out[-1] = Run(out[-1].text + text, run.bold)
        else:
            out.append(Run(text, run.bold))
    while out and out[-1].text == "\n":
        out.pop()
    if out:
        out[-1] = Run(out[-1].text.rstrip(" "), out[-1].bold)
    return tuple(run for run in out if run.text)


def body_blocks(body_html: str) -> list[Block]:
    """The paragraphs and list items of a letter's body, in order, bold runs kept."""
    parser = _BodyParser()
    parser.feed(body_html)
    parser.close()
    return parser.blocks


# --- dates -----------------------------------------------------------------------------------------

_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EPOCH = date(1980, 1, 1)  # the earliest date a zip entry can carry


def letter_date(text: str) -> date:
    """The date in a letter's date line (``2026年3月20日``); 1980-01-01 when there is none."""
    match = _ZH_DATE.search(text or "")
    if match:
        try:
            return max(date(*map(int, match.groups())), _EPOCH)
        except ValueError:
            pass
    return _EPOCH


def _html_date(html: str) -> date:
    match = re.search(r'class="date"[^>]*>([^<]*)<', html)
    return letter_date(match.group(1) if match else "")


# --- DOCX ------------------------------------------------------------------------------------------

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# Schema order of the children of w:rPr and w:pPr: Word refuses a file whose order is wrong.
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _child(parent: Any, tag: str, order: tuple[str, ...]) -> Any:
    """``parent``'s ``tag`` child, added in its schema place if missing."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.insert_element_before(element, *order[order.index(tag) + 1 :])
    return element


@dataclass(frozen=True)
class _Look:
    """The character formatting of one kind of paragraph."""

    east_asia: str = BODY_FONT
    latin: str = LATIN_FONT
    size: Length = BODY_SIZE
    tracking: int = TRACKING

    def apply(self, r_pr: Any) -> None:
        """Name the fonts (``east_asia`` for CJK text and, through the hint, for the full-width
        punctuation Word would otherwise set in the Latin font), the size and the tracking."""
        fonts = _child(r_pr, "w:rFonts", _RPR_ORDER)
        for attr in list(fonts.attrib):
            if attr.lower().endswith("theme"):  # a theme font would win over the named one
                del fonts.attrib[attr]
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attr), self.latin)
        fonts.set(qn("w:eastAsia"), self.east_asia)
        fonts.set(qn("w:hint"), "eastAsia")
        if self.tracking:
            _child(r_pr, "w:spacing", _RPR_ORDER).set(qn("w:val"), str(self.tracking))
        for tag in ("w:sz", "w:szCs"):
            _child(r_pr, tag, _RPR_ORDER).set(qn("w:val"), str(round(self.size.pt * 2)))


BODY = _Look()
TITLE = _Look(TITLE_FONT, TITLE_FONT, TITLE_SIZE, 0)
SMALL = _Look(size=SMALL_SIZE, tracking=0)
PAGE_NUMBER = _Look(PAGE_NUMBER_FONT, PAGE_NUMBER_FONT, SMALL_SIZE, 0)


def _setup_defaults(doc: Any) -> None:
    """Document defaults: 仿宋 16pt, Chinese as the East Asian language, no space between
    paragraphs, the fixed line."""
    styles = doc.styles.element
    r_pr = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    BODY.apply(r_pr)
    lang = _child(r_pr, "w:lang", _RPR_ORDER)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    p_pr = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}")
    spacing = _child(p_pr, "w:spacing", _PPR_ORDER)
    for attr, value in (("before", 0), ("after", 0), ("line", round(LINE.twips))):
        spacing.set(qn(f"w:{attr}"), str(value))
    spacing.set(qn("w:lineRule"), "exact")
    normal = doc.styles["Normal"]
    BODY.apply(normal.element.get_or_add_rPr())


def _style(
    doc: Any,
    name: str,
    style_id: str,
    look: _Look = BODY,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    line: Length = LINE,
    first_line_chars: int = 0,
    left_chars: int = 0,
    right_chars: int = 0,
    before: Length | None = None,
    after: Length | None = None,
) -> Any:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    look.apply(style.element.get_or_add_rPr())
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = before or Pt(0)
    fmt.space_after = after or Pt(0)
    fmt.widow_control = True
    # Indents in characters (w:...Chars, in hundredths), and the same in points for readers
    # that know only those.
    one = look.size.pt
    if first_line_chars:
        fmt.first_line_indent = Pt(one * first_line_chars)
    if left_chars:
        fmt.left_indent = Pt(one * left_chars)
    if right_chars:
        fmt.right_indent = Pt(one * right_chars)
    if first_line_chars or left_chars or right_chars:
        ind = style.element.get_or_add_pPr().get_or_add_ind()
        for attr, chars in (
            ("firstLineChars", first_line_chars),
            ("leftChars", left_chars),
            ("rightChars", right_chars),
        ):
            if chars:
                ind.set(qn(f"w:{attr}"), str(chars * 100))
    return style


@dataclass(frozen=True)
class _Styles:
    number: Any
    title: Any
    addressee: Any
    body: Any
    signature: Any
    date: Any
    contact: Any
    page_odd: Any
    page_even: Any


def _setup_styles(doc: Any) -> _Styles:
    _setup_defaults(doc)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    return _Styles(
        number=_style(doc, "公文发文字号", "GkNumber", align=right, after=Pt(14)),
        title=_style(
            doc,
            "公文标题",
            "GkTitle",
            TITLE,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            line=TITLE_LINE,
            after=LINE,
        ),
        addressee=_style(doc, "公文主送", "GkAddressee"),
        body=_style(doc, "公文正文", "GkBody", first_line_chars=2),
        signature=_style(
            doc, "公文署名", "GkSignature", align=right, right_chars=4, before=Pt(LINE.pt * 2)
        ),
        date=_style(doc, "公文成文日期", "GkDate", align=right, right_chars=4),
        contact=_style(
            doc, "公文联系方式", "GkContact", SMALL, align=WD_ALIGN_PARAGRAPH.LEFT, before=LINE
        ),
        page_odd=_style(
            doc, "公文页码（单页）", "GkPageOdd", PAGE_NUMBER, align=right, right_chars=1
        ),
        page_even=_style(
            doc,
            "公文页码（双页）",
            "GkPageEven",
            PAGE_NUMBER,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            left_chars=1,
        ),
    )


def _add(
    container: Any, style: Any, look: _Look, runs: tuple[Run, ...] | str, *, keep: bool = False
) -> Any:
    """A paragraph in ``style`` whose runs also carry their fonts and size, so that the letter
    keeps its look when pasted into another document. ``keep``: kept with the next."""
    paragraph = container.add_paragraph(style=style)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    for item in (Run(runs),) if isinstance(runs, str) else runs:
        lines = item.text.split("\n")
        for i, text in enumerate(lines):
            run = paragraph.add_run(text)
            look.apply(run._r.get_or_add_rPr())
            if item.bold:
                run.bold = True
            if i < len(lines) - 1:
                run.add_break()
    return paragraph


def _page_number(paragraph: Any) -> None:
    """— N —: the page number (a PAGE field) between two 一字线."""

    def run(text: str = "", xml: str = "") -> None:
        r = paragraph.add_run(text)
        PAGE_NUMBER.apply(r._r.get_or_add_rPr())
        if xml:
            r._r.append(parse_xml(xml))

    run("— ")
    run(xml=f'<w:fldChar {_W} w:fldCharType="begin"/>')
    run(xml=f'<w:instrText {_W} xml:space="preserve"> PAGE </w:instrText>')
    run(xml=f'<w:fldChar {_W} w:fldCharType="separate"/>')
    run("2")
    run(xml=f'<w:fldChar {_W} w:fldCharType="end"/>')
    run(" —")


def _setup_page(doc: Any, styles: _Styles) -> None:
    """A4, the GB/T 9704 margins; page numbers from the second page on, odd pages on the right
    and even on the left, one character in, their line 7 mm below the type area."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = PAGE_WIDTH
    section.page_height = PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(21)
    section.different_first_page_header_footer = True
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, style in (
        (section.footer, styles.page_odd),
        (section.even_page_footer, styles.page_even),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.style = style
        _page_number(paragraph)
    section.first_page_footer.paragraphs[0].style = styles.page_odd


def _setup_font_table(doc: Any) -> None:
    """Declare the Chinese fonts with their other names and the GB2312 character set: where a
    font is not installed, Word and WPS put a Chinese font in its place."""
    part = next(
        (p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
        None,
    )
    if part is None:
        return
    root = parse_xml(part.blob)
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        root.append(
            parse_xml(
                f'<w:font {_W} w:name="{name}"><w:altName w:val="{alt}"/>'
                f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
                f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>'
                '<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000"'
                ' w:csb0="00040000" w:csb1="00000000"/></w:font>'
            )
        )
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _deterministic_zip(data: bytes, when: date) -> bytes:
    """The same package with every entry dated ``when``: python-docx stamps entries with the
    time of saving."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def to_docx(letter: RenderedLetter, context: Mapping[str, Any]) -> bytes:
    """The letter as an editable Word/WPS document, the same bytes for the same letter."""
    fields = context.get("letter", {})
    agency = context.get("agency", {})
    number = str(fields.get("number", ""))
    signed_by = str(agency.get("name", ""))
    when = letter_date(str(fields.get("date", "")))

    doc = Document()
    styles = _setup_styles(doc)
    _setup_page(doc, styles)
    _setup_font_table(doc)
    for paragraph in list(doc.paragraphs):  # the template's one empty paragraph
        paragraph._p.getparent().remove(paragraph._p)

    _add(doc, styles.number, BODY, number)
    _add(doc, styles.title, TITLE, letter.title, keep=True)
    _add(doc, styles.addressee, BODY, f"{fields.get('addressee', '')}：")
    blocks = body_blocks(letter.body_html)
    for i, block in enumerate(blocks):
        # The last paragraph goes with the signature: no page holds the signature alone.
        _add(doc, styles.body, BODY, block.runs, keep=i == len(blocks) - 1)
    _add(doc, styles.signature, BODY, signed_by, keep=True)
    _add(doc, styles.date, BODY, str(fields.get("date", "")))
    lines = []
    if agency.get("address"):
        postcode = f"（邮编：{agency['postcode']}）" if agency.get("postcode") else ""
        lines.append(f"联系地址：{agency['address']}{postcode}")
    if agency.get("phone"):
        lines.append(f"联系电话：{agency['phone']}")
    if lines:
        _add(doc, styles.contact, SMALL, "\n".join(lines))

    props = doc.core_properties
    stamp = datetime(when.year, when.month, when.day)
    props.title = letter.title
    props.subject = number
    props.author = signed_by
    props.last_modified_by = signed_by
    props.comments = ""
    props.keywords = "政府信息公开"
    props.category = letter.kind
    props.language = "zh-CN"
    props.revision = 1
    props.created = props.modified = props.last_printed = stamp

    buffer = io.BytesIO()
    doc.save(buffer)
    return _deterministic_zip(buffer.getvalue(), when)


# --- PDF -------------------------------------------------------------------------------------------

_PROBE = (
    '<html lang="zh-CN"><body style="font-family: FangSong, STFangsong, FangSong_GB2312, '
    "'Noto Serif CJK SC', 'Source Han Serif SC', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'WenQuanYi Micro Hei', 'WenQuanYi Zen Hei', serif\">政府信息公开申请答复书</body></html>"
)
_INSTALL = "apt-get install fonts-noto-cjk"
_ENV_LOCK = threading.Lock()


def _weasyprint() -> Any:
    """The weasyprint module, or :class:`PdfUnavailable` naming what to install."""
    try:
        import weasyprint
    except ImportError:
        raise PdfUnavailable(
            "无法生成PDF：未安装 Python 包 weasyprint（pip install weasyprint）", field="pdf"
        ) from None
    except OSError as exc:  # Pango, HarfBuzz or fontconfig missing
        raise PdfUnavailable(
            "无法生成PDF：缺少 WeasyPrint 所需的系统库"
            "（apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0）："
            f"{exc}",
            field="pdf",
        ) from None
    return weasyprint


def _refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"a letter fetches no resource: {url}")


def _no_fetch(weasyprint: Any) -> Any:
    """A URL fetcher that fetches nothing: a letter is self-contained, and printing one (even
    from an agency's template) must never read a file or reach the network."""
    base = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if base is None:  # WeasyPrint before URLFetcher: a plain callable
        return _refuse

    class NoFetch(base):
        def fetch(self, url: str, headers: Any = None) -> Any:
            return _refuse(url)

    return NoFetch()


def _missing_glyphs(document: Any) -> int:
    return sum(len(getattr(font, "missing", ()) or ()) for font in document.fonts.values())


def _system_font_count() -> int | None:
    """How many fonts fontconfig knows (None: cannot tell). Pango crashes the process when it
    lays out text with no font at all, so this is asked before any rendering."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig

        config = ffi.gc(fontconfig.FcInitLoadConfigAndFonts(), fontconfig.FcConfigDestroy)
        fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        return 0 if fonts == ffi.NULL else int(fonts.nfont)
    except Exception:  # WeasyPrint's internals moved: let the probe find out
        return None


@cache
def _probe() -> tuple[bool, str]:
    try:
        weasyprint = _weasyprint()
    except PdfUnavailable as exc:
        return False, exc.message
    if _system_font_count() == 0:
        return False, f"无法生成PDF：系统中没有任何字体（{_INSTALL}）"
    try:
        document = weasyprint.HTML(string=_PROBE, url_fetcher=_no_fetch(weasyprint)).render()
        document.write_pdf()
    except Exception as exc:  # any failure here means no PDF
        return False, f"无法生成PDF：WeasyPrint 无法排版（{type(exc).__name__}: {exc}）"
    if not document.fonts or _missing_glyphs(document):
        return False, f"无法生成PDF：系统中没有中文字体（{_INSTALL}）"
    return True, ""


def pdf_available() -> tuple[bool, str]:
    """Whether :func:`to_pdf` can work here, and the reason (Chinese, naming what to install)
    when it cannot. The answer is worked out once a process."""
    return _probe()


@contextmanager
def _source_date(when: date) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` set to ``when`` while a PDF is written: without HarfBuzz's subsetter
    WeasyPrint subsets fonts with fontTools, which stamps each subset with the time unless it is
    set."""
    epoch = str(int(datetime(when.year, when.month, when.day, tzinfo=UTC).timestamp()))
    with _ENV_LOCK:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = before or epoch
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]


def to_pdf(letter: RenderedLetter) -> bytes:
    """The letter printed to PDF (A4, fonts embedded), the same bytes for the same letter.
    Raises :class:`PdfUnavailable` when WeasyPrint or a CJK font is missing."""
    ok, reason = pdf_available()
    if not ok:
        raise PdfUnavailable(reason, field="pdf")
    weasyprint = _weasyprint()
    when = _html_date(letter.html)
    document = weasyprint.HTML(
        string=letter.html, base_url=None, url_fetcher=_no_fetch(weasyprint)
    ).render()
    stamp = f"{when.isoformat()}T00:00:00+08:00"
    document.metadata.created = stamp
    document.metadata.modified = stamp
    identifier = hashlib.md5(letter.html.encode(), usedforsecurity=False).hexdigest().encode()
    with _source_date(when):
        return document.write_pdf(pdf_identifier=identifier)


# --- printing in helper processes -------------------------------------------------------------

_printers_lock = threading.Lock()
_printers: Any = None  # a ProcessPoolExecutor, made on first use


#: How often a helper looks whether the process that started it is still there.
PARENT_CHECK_EVERY = 1.0


def _leave_with(parent: int) -> None:
    """Exit once ``parent`` is gone. A worker killed outright (out of memory, ``SIGKILL``)
    cannot shut its helpers down, and they would not notice by themselves: each holds the
    writing end of the pool's job queue too, so waiting for the next job never ends. Without
    this every such death would leave a few hundred MB behind, once per restart."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_EVERY)
    os._exit(0)


def _start_helper(niceness: int) -> None:
    """A helper process's first acts: leave with its worker (:func:`_leave_with`), give way to
    the workers (``GKCASE_PDF_NICENESS``), then import WeasyPrint and load the fonts, so that
    the first letter does not pay for them."""
    watch = threading.Thread(target=_leave_with, args=(os.getppid(),), daemon=True)
    watch.start()
    if niceness:
        os.nice(niceness)
    pdf_available()


def _printer_pool(processes: int) -> Any:
    global _printers
    with _printers_lock:
        if _printers is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from gkcase.settings import get_settings

            _printers = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper,
                initargs=(get_settings().pdf_niceness,),
            )
        return _printers


def stop_printers() -> None:
    """Shut the helper processes down (they are made again on the next letter)."""
    global _printers
    with _printers_lock:
        pool, _printers = _printers, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _print_here(letter: RenderedLetter) -> tuple[bool, bytes | str]:
    """:func:`to_pdf` as a helper process runs it: the refusal's reason comes back as a value."""
    try:
        return True, to_pdf(letter)
    except PdfUnavailable as exc:
        return False, exc.message


def _both_here(letter: RenderedLetter, context: Mapping[str, Any]) -> tuple[bytes, bool, Any]:
    return (to_docx(letter, context), *_print_here(letter))


@dataclass(frozen=True)
class Printed:
    """A letter's files: the DOCX, and the PDF or why there is none (no WeasyPrint or font)."""

    docx: bytes
    pdf: bytes | None
    pdf_problem: str | None


def _in_helper(job: Any, *args: Any) -> Any:
    """``job(*args)`` in a helper process when ``GKCASE_PDF_PROCESSES`` > 0 and this process can
    print; None when the caller should do it itself: none configured, no PDF support here (the
    helpers would have none either; printing here says why), or the helper died (it is
    replaced on the next letter)."""
    from gkcase.settings import get_settings

    processes = get_settings().pdf_processes
    if processes <= 0 or not pdf_available()[0]:
        return None
    from concurrent.futures.process import BrokenProcessPool

    try:
        return _printer_pool(processes).submit(job, *args).result()
    except BrokenProcessPool:
        stop_printers()
        return None


def print_letter(letter: RenderedLetter, context: Mapping[str, Any]) -> Printed:
    """:func:`to_docx` and :func:`to_pdf` of a letter being issued, both in one helper process
    when ``GKCASE_PDF_PROCESSES`` > 0 (~50 and ~150 ms of CPU): see :func:`print_pdf`."""
    done = _in_helper(_both_here, letter, context)
    if done is not None:
        docx, ok, pdf = done
        return Printed(docx, pdf if ok else None, None if ok else str(pdf))
    docx = to_docx(letter, context)
    try:
        return Printed(docx, to_pdf(letter), None)
    except PdfUnavailable as exc:
        return Printed(docx, None, exc.message)


def print_pdf(letter: RenderedLetter) -> bytes:
    """:func:`to_pdf`, in a helper process when ``GKCASE_PDF_PROCESSES`` > 0 — the same bytes
    either way. Printing is pure CPU in Python and C that holds Python's lock for most of
    ~150 ms; in a worker's own process every other request of that worker waits for the lock
    in 5 ms turns meanwhile (docs/performance.md, "HTTP load"). The calling thread waits
    without holding it. A helper that dies is replaced, and that letter printed here."""
    done = _in_helper(_print_here, letter)
    if done is None:
        return to_pdf(letter)
    ok, result = done
    if not ok:
        raise PdfUnavailable(str(result), field="pdf")
    return result


def warm_printers() -> None:
    """Start the helper processes (when configured) and wait until they can print."""
    from gkcase.settings import get_settings

    processes = get_settings().pdf_processes
    if processes > 0:
        pool = _printer_pool(processes)
        for future in [pool.submit(pdf_available) for _ in range(processes)]:
            future.result()
