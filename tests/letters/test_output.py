"""DOCX and PDF output of letters: read back, laid out after GB/T 9704-2012, byte for byte the same
on every render.

The PDF tests need WeasyPrint's system libraries and a CJK font (Debian: fonts-noto-cjk). Where
they are missing the tests skip, except under CI (``CI`` set) or with ``GKCASE_REQUIRE_PDF=1``,
where missing PDF support is a failure: CI never skips them silently.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from importlib import resources

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from gkcase.letters import output
from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import sample_context
from gkcase.letters.elements import lookup
from gkcase.letters.output import (
    PdfUnavailable,
    body_blocks,
    letter_date,
    pdf_available,
    to_docx,
    to_pdf,
)
from gkcase.letters.render import render_letter

WANTED = (
    "receipt",
    "correction_notice",
    "fee_notice",
    "reply_disclosed",
    "reply_withheld",
    "reply_partially_disclosed",
)


def _has_template(kind: str) -> bool:
    path = resources.files("gkcase.letters") / "templates" / CATALOGUE[kind].template
    return path.is_file()


# The wanted kinds whose body templates are shipped (others come as their templates land).
KINDS = [kind for kind in WANTED if _has_template(kind)]
assert KINDS, "no letter template shipped"


def _letter(kind: str, source: str | None = None):
    spec = CATALOGUE[kind]
    context = sample_context(spec)
    return spec, context, render_letter(spec, context, source)


def _squash(text: str) -> str:
    """Text with all white space removed: a PDF breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def _required_values(spec, context) -> list[str]:
    """Every value the catalogue says the letter must show."""
    values = []
    for element in spec.elements:
        value = lookup(context, element.path)
        values += [str(v) for v in (value if isinstance(value, list) else [value])]
    return values


# --- the body --------------------------------------------------------------------------------------


def test_body_blocks_paragraphs_items_and_bold():
    blocks = body_blocks(
        "<p>本机关  于<strong>2026年3月20日</strong>\n作出决定。</p>\n"
        "<ol>\n<li>1. 甲&amp;乙</li>\n<li>2. <b>丙</b></li>\n</ol>\n<p> </p>"
    )
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", "本机关 于2026年3月20日 作出决定。"),
        ("li", "1. 甲&乙"),
        ("li", "2. 丙"),
    ]
    assert [(r.text, r.bold) for r in blocks[0].runs] == [
        ("本机关 于", False),
        ("2026年3月20日", True),
        (" 作出决定。", False),
    ]
    assert blocks[2].runs[-1].bold


def test_body_blocks_line_breaks():
    (block,) = body_blocks("<p>第一行<br>第二行<br></p>")
    assert [r.text for r in block.runs] == ["第一行", "\n", "第二行"]


def test_letter_date():
    assert letter_date("2026年3月20日").isoformat() == "2026-03-20"
    assert letter_date("").isoformat() == "1980-01-01"


# --- DOCX ------------------------------------------------------------------------------------------


def _docx(kind: str, source: str | None = None):
    spec, context, letter = _letter(kind, source)
    data = to_docx(letter, context)
    return spec, context, letter, data, Document(io.BytesIO(data))


@pytest.mark.parametrize("kind", KINDS)
def test_docx_reads_back(kind):
    spec, context, letter, _, doc = _docx(kind)
    texts = [p.text for p in doc.paragraphs]
    blocks = [b.text for b in body_blocks(letter.body_html)]
    number = context["letter"]["number"]
    assert texts[:3] == [number, spec.title, f"{context['letter']['addressee']}："]
    assert texts[3 : 3 + len(blocks)] == blocks
    assert texts[3 + len(blocks) : 5 + len(blocks)] == [
        context["agency"]["name"],
        context["letter"]["date"],
    ]
    whole = "\n".join(texts)
    for value in _required_values(spec, context):
        assert value in whole, value
    if spec.remedy:
        assert context["remedy"]["text"] in texts
        assert "行政复议" in context["remedy"]["text"]
    assert f"联系电话：{context['agency']['phone']}" in whole


@pytest.mark.parametrize("kind", KINDS)
def test_docx_layout(kind):
    _, _, _, _, doc = _docx(kind)
    section = doc.sections[0]
    # Twips in the file: within a twip (0.018 mm) of the standard's millimetres.
    for length, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(length - Mm(mm)) <= Pt(0.05), (length.mm, mm)
    number, title, addressee, first = doc.paragraphs[:4]
    assert number.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert addressee.style.paragraph_format.first_line_indent is None
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = first.style.paragraph_format
    assert first.style.name == "公文正文"
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert body.line_spacing == Pt(28.9)
    assert body.first_line_indent == Pt(32)
    ind = first.style.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"  # two characters
    signature, date_line = (
        p for p in doc.paragraphs if p.style.name in ("公文署名", "公文成文日期")
    )
    for paragraph in (signature, date_line):
        assert paragraph.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert paragraph.style.paragraph_format.right_indent == Pt(64)  # 4 characters


def _east_asia(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


@pytest.mark.parametrize("kind", KINDS)
def test_docx_east_asian_fonts(kind):
    _, _, _, data, doc = _docx(kind)
    title = doc.paragraphs[1]
    assert {_east_asia(r) for r in title.runs} == {"方正小标宋简体"}
    assert {r.font.size for r in title.runs} == {Pt(22)}
    body = [p for p in doc.paragraphs if p.style.name == "公文正文"]
    assert body
    for paragraph in body:
        assert {_east_asia(r) for r in paragraph.runs} == {"仿宋"}
        assert {r.font.size for r in paragraph.runs} == {Pt(16)}
        hints = {r._r.rPr.find(qn("w:rFonts")).get(qn("w:hint")) for r in paragraph.runs}
        assert hints == {"eastAsia"}  # full-width punctuation in 仿宋, not the Latin font
    # The styles say the same, and the defaults are Chinese 仿宋 16pt.
    assert _style_east_asia(doc, "公文正文") == "仿宋"
    assert _style_east_asia(doc, "公文标题") == "方正小标宋简体"
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:rFonts')}").get(qn("w:eastAsia")) == "仿宋"
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    # Fonts declared with their other names and the GB2312 character set, for substitution.
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        fonts = package.read("word/fontTable.xml").decode()
    for name, alt in (("仿宋", "FangSong"), ("方正小标宋简体", "FZXiaoBiaoSong-B05S")):
        entry = re.search(rf'<w:font w:name="{name}">(.*?)</w:font>', fonts, re.S)
        assert entry, name
        assert alt in entry.group(1)
        assert '<w:charset w:val="86"/>' in entry.group(1)


def _style_east_asia(doc, name: str) -> str:
    return doc.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_docx_bold_runs_and_list_items():
    source = "<p>经审查，<strong>决定不予公开</strong>。</p><ol><li>1. 理由一</li><li>2. 理由二</li></ol>"
    _, _, _, _, doc = _docx("reply_withheld", source)
    texts = [p.text for p in doc.paragraphs]
    assert texts[3:6] == ["经审查，决定不予公开。", "1. 理由一", "2. 理由二"]
    runs = [(r.text, bool(r.bold)) for r in doc.paragraphs[3].runs]
    assert runs == [("经审查，", False), ("决定不予公开", True), ("。", False)]
    assert all(p.style.name == "公文正文" for p in doc.paragraphs[3:6])


def test_docx_page_numbers_from_the_second_page():
    _, _, _, _, doc = _docx("reply_withheld")
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert doc.settings.odd_and_even_pages_header_footer
    assert section.first_page_footer.paragraphs[0].text == ""
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in footer.paragraphs[0].text


def test_docx_signature_kept_with_the_text():
    doc = _docx("reply_withheld")[-1]
    body = [p for p in doc.paragraphs if p.style.name == "公文正文"]
    signature = next(p for p in doc.paragraphs if p.style.name == "公文署名")
    assert body[-1].paragraph_format.keep_with_next
    assert signature.paragraph_format.keep_with_next


@pytest.mark.parametrize("kind", KINDS)
def test_docx_is_deterministic(kind):
    spec, context, letter = _letter(kind)
    first = to_docx(letter, context)
    again = to_docx(render_letter(spec, sample_context(spec)), sample_context(spec))
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    # Nothing from the clock: every zip entry and the core properties carry the letter's date.
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 3, 20, 0, 0, 0)}
    props = Document(io.BytesIO(first)).core_properties
    assert props.created.date().isoformat() == props.modified.date().isoformat() == "2026-03-20"
    assert props.title == spec.title
    assert props.author == context["agency"]["name"]
    assert props.revision == 1


def test_docx_differs_when_the_letter_does():
    _, context, letter = _letter("receipt")
    base = to_docx(letter, context)
    context["letter"]["date"] = "2026年3月21日"
    assert to_docx(letter, context) != base


# --- PDF -------------------------------------------------------------------------------------------

SKIP_REASON = "WeasyPrint/CJK font missing: apt-get install fonts-noto-cjk"


def _pdf_required() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in ("CI", "GKCASE_REQUIRE_PDF")
    )


@pytest.fixture(scope="module")
def pdf_support():
    ok, reason = pdf_available()
    if not ok:
        if _pdf_required():
            pytest.fail(f"PDF output is required here (CI / GKCASE_REQUIRE_PDF): {reason}")
        pytest.skip(f"{SKIP_REASON} ({reason})")


@pytest.fixture(scope="module")
def pdfs(pdf_support):
    """One rendered PDF per kind, shared by the tests that only read it."""
    cache = {}

    def get(kind):
        if kind not in cache:
            cache[kind] = to_pdf(_letter(kind)[2])
        return cache[kind]

    return get


def _pdf_text(data: bytes) -> tuple[str, object]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_text_reads_back(pdfs, kind):
    spec, context, _ = _letter(kind)
    text, _ = _pdf_text(pdfs(kind))
    flat = _squash(text)
    for value in (
        spec.title,
        context["letter"]["number"],
        f"{context['letter']['addressee']}：",
        context["agency"]["name"],
        context["letter"]["date"],
        *_required_values(spec, context),
    ):
        assert _squash(value) in flat, value
    if spec.remedy:
        assert _squash(context["remedy"]["text"]) in flat


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_a4_with_embedded_cjk_font(pdfs, kind):
    _, reader = _pdf_text(pdfs(kind))
    fonts = {}
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595.28) < 0.5 and abs(float(box.height) - 841.89) < 0.5
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        assert "/ToUnicode" in font  # the text can be searched and copied
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())  # embedded
    assert any(
        "CJK" in str(f["/BaseFont"]) or "Song" in str(f["/BaseFont"]) for f in fonts.values()
    )


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_deterministic(pdfs, kind):
    first = pdfs(kind)
    again = to_pdf(_letter(kind)[2])
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    _, reader = _pdf_text(first)
    assert reader.metadata["/CreationDate"].startswith("D:20260320")
    assert reader.metadata["/ModDate"].startswith("D:20260320")


def test_pdf_page_numbers_and_signature_with_text(pdfs):
    _, reader = _pdf_text(pdfs("reply_withheld"))
    pages = [page.extract_text() for page in reader.pages]
    assert "— 1 —" not in pages[0]  # no number on the first page
    for number, page in enumerate(pages[1:], start=2):
        assert f"— {number} —" in page
    signed = next(page for page in pages if "某市发展和改革委员会" in page)
    # The page with the signature also carries text of the body.
    assert _squash(signed).index("某市发展和改革委员会") > 10


def _sha_in_fresh_process(seed: str) -> str:
    code = (
        "import hashlib\n"
        "from gkcase.letters.catalogue import CATALOGUE\n"
        "from gkcase.letters.context import sample_context\n"
        "from gkcase.letters.render import render_letter\n"
        "from gkcase.letters.output import to_docx, to_pdf\n"
        "spec = CATALOGUE['receipt']; context = sample_context(spec)\n"
        "letter = render_letter(spec, context)\n"
        "print(hashlib.sha256(to_docx(letter, context)).hexdigest(),"
        " hashlib.sha256(to_pdf(letter)).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_same_bytes_across_processes(pdf_support):
    _, context, letter = _letter("receipt")
    here = [
        hashlib.sha256(to_docx(letter, context)).hexdigest(),
        hashlib.sha256(to_pdf(letter)).hexdigest(),
    ]
    assert _sha_in_fresh_process("1") == here
    assert _sha_in_fresh_process("2") == here


@pytest.mark.slow
def test_pdf_font_subset_stamped_with_the_letter_date(pdf_support, monkeypatch):
    """Without libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools, which stamps each
    subset with the time of day unless SOURCE_DATE_EPOCH is set: to_pdf sets it, to the letter's
    date, and only while it writes."""
    fonts = pytest.importorskip("weasyprint.pdf.fonts")
    if not hasattr(fonts, "harfbuzz_subset"):
        pytest.skip("this WeasyPrint has no HarfBuzz subsetting switch")
    from fontTools.misc.timeTools import timestampFromString
    from fontTools.ttLib import TTFont

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _, reader = _pdf_text(to_pdf(_letter("receipt", "<p>特此告知。</p>")[2]))
    assert "SOURCE_DATE_EPOCH" not in os.environ
    stamps = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                data = descriptor[key].get_object().get_data()
                stamps.add(TTFont(io.BytesIO(data))["head"].modified)
    assert stamps == {timestampFromString("Fri Mar 20 00:00:00 2026")}


def test_pdf_fetches_nothing(pdf_support):
    """An agency's template cannot make the PDF read a local file or reach the network."""
    source = (
        '<p>正文<img src="file:///etc/hostname"><img src="http://127.0.0.1:9/x.png"></p>'
        '<p style="background: url(file:///etc/hostname)">再一段</p>'
    )
    data = to_pdf(_letter("receipt", source)[2])
    _, reader = _pdf_text(data)
    for page in reader.pages:
        assert not page["/Resources"].get("/XObject")  # no image


# --- PDF support missing -------------------------------------------------------------------------


def test_to_pdf_raises_a_clear_error_when_unavailable(monkeypatch):
    reason = "无法生成PDF：系统中没有中文字体（apt-get install fonts-noto-cjk）"
    monkeypatch.setattr(output, "pdf_available", lambda: (False, reason))
    with pytest.raises(PdfUnavailable) as caught:
        to_pdf(_letter("receipt")[2])
    assert caught.value.code == "letter.pdf_unavailable"
    assert "fonts-noto-cjk" in caught.value.message
    assert caught.value.as_dict()["code"] == "letter.pdf_unavailable"


def _available_with_fonts(conf: str, tmp_path) -> list[str]:
    path = tmp_path / "fonts.conf"
    path.write_text(f'<?xml version="1.0"?>\n<fontconfig>{conf}</fontconfig>\n', encoding="utf-8")
    code = "from gkcase.letters.output import pdf_available; print(repr(pdf_available()))"
    env = {**os.environ, "FONTCONFIG_FILE": str(path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_pdf_available_names_the_missing_font(pdf_support, tmp_path):
    cache = f"<cachedir>{tmp_path / 'cache'}</cachedir>"
    answer = _available_with_fonts(cache, tmp_path)  # no font at all
    assert answer.startswith("(False,") and "fonts-noto-cjk" in answer
    latin = "/usr/share/fonts/truetype/dejavu"
    if os.path.isdir(latin):  # fonts, but none with Chinese characters
        answer = _available_with_fonts(f"<dir>{latin}</dir>{cache}", tmp_path)
        assert answer.startswith("(False,") and "中文字体" in answer and "fonts-noto-cjk" in answer
