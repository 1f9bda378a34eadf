"""HTML → DOCX (python-docx): the Word version of a document, for the office to edit before
signing, with the same text and layout as its PDF.

The documents' HTML (templates/pdf/*) is a small subset, and this converter reads exactly
that: the two-column header table, ``h1``/``h2``, ``p``, ``div``, tables (``table.grid`` with
borders, the header and signature tables without), ``b``/``strong``, ``i``/``em``, ``br``,
``ul``/``ol``/``li``, ``colspan``, and the template's own stylesheet for what each class looks
like (font size, bold, italic, alignment, indent, margins, colour, borders) — so a template
that changes a class's style changes the Word version too. ``@page`` gives the paper size,
orientation and margins; the page number (``#page-number``) becomes a centred PAGE field in
the header from page 2 on. Text is in Times New Roman (Liberation Serif, the PDF's font, is
metric-compatible with it; Nghị định 30/2020 asks for Times New Roman). xhtml2pdf's own
tags (``pdf:*``) are ignored.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import tinycss2
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import html as lxml_html

FONT = "Times New Roman"
BLOCK_TAGS = {"div", "p", "h1", "h2", "h3", "table", "ul", "ol", "li", "section", "body"}
ALIGN = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
         "left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
DEFAULT_MARGINS = (20.0, 20.0, 20.0, 30.0)  # top, right, bottom, left (mm)
INHERITED = {"font-size", "font-weight", "font-style", "text-align", "color", "line-height",
             "font-family"}


# -- a tiny stylesheet reader ----------------------------------------------------------------

@dataclass(frozen=True)
class _Selector:
    parts: tuple[tuple[str | None, str | None, str | None], ...]  # (tag, class, id) chain
    specificity: tuple[int, int, int]


def _parse_selector(text: str) -> _Selector | None:
    parts = []
    for token in text.split():
        match = re.fullmatch(r"([a-z0-9]+|\*)?(?:\.([\w-]+))?(?:#([\w-]+))?", token.lower())
        if not match or not any(match.groups()):
            return None
        tag, cls, ident = match.groups()
        parts.append((None if tag == "*" else tag, cls, ident))
    ids = sum(1 for _t, _c, i in parts if i)
    classes = sum(1 for _t, c, _i in parts if c)
    tags = sum(1 for t, _c, _i in parts if t)
    return _Selector(tuple(parts), (ids, classes, tags)) if parts else None


def _declarations(tokens) -> dict[str, str]:
    out = {}
    for item in tinycss2.parse_declaration_list(tokens, skip_whitespace=True,
                                                skip_comments=True):
        if item.type == "declaration":
            out[item.lower_name] = tinycss2.serialize(item.value).strip()
    return out


@dataclass
class _Stylesheet:
    rules: list[tuple[_Selector, int, dict[str, str]]] = field(default_factory=list)
    page: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, css: str) -> _Stylesheet:
        sheet = cls()
        for order, rule in enumerate(tinycss2.parse_stylesheet(css, skip_whitespace=True,
                                                               skip_comments=True)):
            if rule.type == "at-rule":
                if rule.lower_at_keyword == "page" and not tinycss2.serialize(
                        rule.prelude).strip() and rule.content is not None:
                    sheet.page = _declarations(rule.content)
                continue
            if rule.type != "qualified-rule":
                continue
            declarations = _declarations(rule.content)
            for text in tinycss2.serialize(rule.prelude).split(","):
                selector = _parse_selector(text.strip())
                if selector is not None:
                    sheet.rules.append((selector, order, declarations))
        return sheet

    def style(self, element, parent_style: dict[str, str]) -> dict[str, str]:
        style = {k: v for k, v in parent_style.items() if k in INHERITED}
        matched = sorted(((s.specificity, order, decl) for s, order, decl in self.rules
                          if _matches(s, element)), key=lambda m: (m[0], m[1]))
        for _spec, _order, declarations in matched:
            style.update(declarations)
        inline = element.get("style")
        if inline:
            style.update(_declarations(tinycss2.parse_component_value_list(inline)))
        return style


def _simple_match(part, element) -> bool:
    tag, cls, ident = part
    if tag and element.tag != tag:
        return False
    if cls and cls not in (element.get("class") or "").split():
        return False
    return not (ident and element.get("id") != ident)


def _matches(selector: _Selector, element) -> bool:
    parts = list(selector.parts)
    if not _simple_match(parts.pop(), element):
        return False
    ancestor = element.getparent()
    while parts and ancestor is not None:
        if isinstance(ancestor.tag, str) and _simple_match(parts[-1], ancestor):
            parts.pop()
        ancestor = ancestor.getparent()
    return not parts


def _length_pt(value: str | None) -> float | None:
    if not value:
        return None
    match = re.match(r"(-?[\d.]+)\s*(pt|mm|cm|px|in)?", value.strip())
    if not match:
        return None
    number = float(match.group(1))
    return number * {"pt": 1, "mm": 72 / 25.4, "cm": 72 / 2.54, "px": 0.75, "in": 72,
                     None: 1}[match.group(2)]


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    """A CSS margin shorthand in points: top, right, bottom, left."""
    if not value:
        return None
    values = [_length_pt(v) or 0.0 for v in value.split()]
    if not values:
        return None
    top, right, bottom, left = (values * 4)[:4] if len(values) == 1 else (
        values[0], values[1], values[0], values[1]) if len(values) == 2 else (
        values[0], values[1], values[2], values[1]) if len(values) == 3 else values[:4]
    return top, right, bottom, left


def _colour(value: str | None) -> RGBColor | None:
    match = re.search(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", value or "")
    if not match:
        return None
    code = match.group(1)
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    return RGBColor.from_string(code.upper())


# -- the converter ---------------------------------------------------------------------------

def from_html(html: str) -> bytes:
    """The DOCX bytes of a document's HTML (one of templates/pdf/*, rendered)."""
    html = unicodedata.normalize("NFC", html)
    root = lxml_html.document_fromstring(html.encode("utf-8"),
                                         parser=lxml_html.HTMLParser(encoding="utf-8"))
    css = "\n".join(style.text_content() for style in root.iter("style"))
    sheet = _Stylesheet.parse(css)
    document = Document()
    _set_up(document, sheet, root)
    body = root.find("body")
    builder = _Builder(document, sheet)
    if body is not None:
        body_style = sheet.style(body, {})
        builder.blocks(body, document, body_style)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _set_up(document, sheet: _Stylesheet, root) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    section = document.sections[0]
    size = sheet.page.get("size", "a4").lower()
    landscape = "landscape" in size
    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    margins = _box(sheet.page.get("margin"))
    top, right, bottom, left = ((m * 25.4 / 72 for m in margins) if margins
                                else DEFAULT_MARGINS)
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        document.core_properties.title = title.text_content().strip()
    document.core_properties.language = root.get("lang") or "vi"
    if root.find(".//*[@id='page-number']") is not None:
        # Page numbers from page 2 on, centred in the top margin (Nghị định 30/2020).
        section.different_first_page_header_footer = True
        section.header_distance = Mm(10)
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        page_style = sheet.style(root.find(".//*[@id='page-number']"), {})
        _page_field(paragraph.add_run(), _length_pt(page_style.get("font-size")) or 13)


def _page_field(run, size: float) -> None:
    run.font.size = Pt(size)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"),
                       ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


@dataclass
class _Inline:
    bold: bool = False
    italic: bool = False
    size: float | None = None
    colour: RGBColor | None = None


class _Builder:
    def __init__(self, document, sheet: _Stylesheet):
        self.document = document
        self.sheet = sheet

    # blocks ---------------------------------------------------------------------------

    def blocks(self, element, container, style: dict[str, str]) -> None:
        """The children of a block element, into ``container`` (the document or a cell)."""
        inline_run: list = []  # loose inline content between blocks
        for child in _children(element):
            if isinstance(child, str):
                inline_run.append(child)
                continue
            tag = child.tag
            if not isinstance(tag, str) or tag.startswith("pdf:") or tag in (
                    "style", "script", "title", "head", "meta"):
                continue
            if child.get("id") == "page-number":
                continue
            child_style = self.sheet.style(child, style)
            if tag in BLOCK_TAGS:
                self._flush(inline_run, element, container, style)
                inline_run = []
                if tag == "table":
                    self.table(child, container, child_style)
                elif tag in ("ul", "ol"):
                    self.list_items(child, container, child_style, ordered=tag == "ol")
                elif _has_block_children(child):
                    self.blocks(child, container, child_style)
                else:
                    self.paragraph(child, container, child_style)
            else:
                inline_run.append(child)
        self._flush(inline_run, element, container, style)

    def _flush(self, pieces: list, parent, container, style: dict[str, str]) -> None:
        if not pieces:
            return
        if all(isinstance(p, str) and not p.strip() for p in pieces):
            return
        if all(not isinstance(p, str) and p.tag == "br" for p in pieces if
               not isinstance(p, str) or p.strip()):
            # Blank lines (the room left for the signature): keep them as empty lines.
            count = sum(1 for p in pieces if not isinstance(p, str))
            for _ in range(count):
                paragraph = container.add_paragraph()
                _apply_paragraph(paragraph, style, self.sheet)
            return
        paragraph = container.add_paragraph()
        _apply_paragraph(paragraph, style, self.sheet)
        base = _inline_from(style, _Inline())
        for piece in pieces:
            if isinstance(piece, str):
                _add_text(paragraph, piece, base)
            else:
                self.inline(piece, paragraph, base, style)

    def paragraph(self, element, container, style: dict[str, str]) -> None:
        paragraph = container.add_paragraph()
        _apply_paragraph(paragraph, style, self.sheet, own=True)
        if element.tag in ("h1", "h2", "h3"):
            paragraph.paragraph_format.keep_with_next = True
        base = _inline_from(style, _Inline())
        if element.text:
            _add_text(paragraph, element.text, base)
        for child in element:
            self.inline(child, paragraph, base, style)
            if child.tail:
                _add_text(paragraph, child.tail, base)
        _strip_trailing_break(paragraph)

    def inline(self, element, paragraph, base: _Inline, parent_style: dict[str, str]) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag.startswith("pdf:"):
            return
        if tag == "br":
            paragraph.add_run().add_break(WD_BREAK.LINE)
            return
        style = self.sheet.style(element, parent_style)
        current = _inline_from(style, _Inline(base.bold or tag in ("b", "strong"),
                                              base.italic or tag in ("i", "em"), base.size,
                                              base.colour))
        if element.text:
            _add_text(paragraph, element.text, current)
        for child in element:
            self.inline(child, paragraph, current, style)
            if child.tail:
                _add_text(paragraph, child.tail, current)

    def list_items(self, element, container, style, *, ordered: bool) -> None:
        for number, item in enumerate((c for c in element if c.tag == "li"), start=1):
            item_style = self.sheet.style(item, style)
            paragraph = container.add_paragraph()
            _apply_paragraph(paragraph, item_style, self.sheet)
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.paragraph_format.first_line_indent = Pt(-12)
            base = _inline_from(item_style, _Inline())
            _add_text(paragraph, f"{number}. " if ordered else "- ", base)
            if item.text:
                _add_text(paragraph, item.text, base)
            for child in item:
                self.inline(child, paragraph, base, item_style)
                if child.tail:
                    _add_text(paragraph, child.tail, base)

    # tables ---------------------------------------------------------------------------

    def table(self, element, container, style: dict[str, str]) -> None:
        rows = [tr for tr in element.iter("tr") if _owning_table(tr) is element]
        if not rows:
            return
        columns = max(sum(int(c.get("colspan") or 1) for c in _cells(tr)) for tr in rows)
        table = container.add_table(rows=len(rows), cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        bordered = any(self._cell_has_border(c, style) for tr in rows for c in _cells(tr))
        _table_borders(table, bordered)
        widths = _column_widths(rows, columns, _text_width(self.document))
        _fixed_widths(table, widths)
        for r, tr in enumerate(rows):
            row_style = self.sheet.style(tr, style)
            column = 0
            if r == 0 and element.get("repeat"):
                _repeat_header(table.rows[0])
            _cant_split(table.rows[r])
            for td in _cells(tr):
                span = int(td.get("colspan") or 1)
                cell = table.cell(r, column)
                if span > 1:
                    cell = cell.merge(table.cell(r, column + span - 1))
                cell_style = self.sheet.style(td, row_style)
                cell.width = Mm(sum(widths[column:column + span]))
                _cell_padding(cell, cell_style)
                _valign(cell, cell_style)
                first = cell.paragraphs[0]
                before = len(cell.paragraphs)
                self.blocks(td, cell, cell_style)
                if len(cell.paragraphs) > before:  # drop the empty paragraph a cell starts with
                    first._element.getparent().remove(first._element)
                column += span
            for c in range(columns):
                table.cell(r, c).width = Mm(widths[c])
        if container is self.document:
            # The table's bottom margin, as a small empty paragraph (two tables in a row
            # would otherwise merge into one in Word).
            margin = (_box(style.get("margin")) or (0.0, 0.0, 4.0, 0.0))[2]
            spacer = self.document.add_paragraph()
            spacer.paragraph_format.line_spacing = Pt(max(margin, 1.0))

    def _cell_has_border(self, td, table_style) -> bool:
        style = self.sheet.style(td, table_style)
        return any(key.startswith("border") and "solid" in value
                   for key, value in style.items())


# -- helpers ---------------------------------------------------------------------------------

def _children(element):
    if element.text:
        yield element.text
    for child in element:
        yield child
        if child.tail:
            yield child.tail


def _has_block_children(element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element)


def _owning_table(tr):
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def _cells(tr):
    return [c for c in tr if c.tag in ("td", "th")]


def _text_width(document) -> float:
    section = document.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / 36000  # mm


def _column_widths(rows, columns: int, total: float) -> list[float]:
    """Column widths (mm) from the cells' width="…%" (the first row that gives each)."""
    percents: list[float | None] = [None] * columns
    for tr in rows:
        column = 0
        for td in _cells(tr):
            span = int(td.get("colspan") or 1)
            width = (td.get("width") or "").strip()
            if span == 1 and width.endswith("%") and percents[column] is None:
                percents[column] = float(width[:-1])
            column += span
    known = sum(p for p in percents if p is not None)
    unknown = [i for i, p in enumerate(percents) if p is None]
    rest = max(100 - known, 0) / len(unknown) if unknown else 0
    filled = [p if p is not None else (rest or 100 / columns) for p in percents]
    scale = total / sum(filled)
    return [p * scale for p in filled]


def _inline_from(style: dict[str, str], base: _Inline) -> _Inline:
    weight = style.get("font-weight", "")
    return _Inline(
        bold=base.bold or weight == "bold" or weight.isdigit() and int(weight) >= 600,
        italic=base.italic or style.get("font-style") == "italic",
        size=_length_pt(style.get("font-size")) or base.size,
        colour=_colour(style.get("color")) or base.colour)


def _add_text(paragraph, text: str, inline: _Inline) -> None:
    text = re.sub(r"[ \t\r\n]+", " ", text)
    if not text:
        return
    if not paragraph.runs or all(not r.text for r in paragraph.runs):
        text = text.lstrip(" ")
        if not text:
            return
    run = paragraph.add_run(text)
    run.bold = inline.bold or None
    run.italic = inline.italic or None
    if inline.size:
        run.font.size = Pt(inline.size)
    if inline.colour is not None:
        run.font.color.rgb = inline.colour


def _strip_trailing_break(paragraph) -> None:
    runs = paragraph.runs
    while runs:
        last = runs[-1]._r
        children = [c for c in last if c.tag != qn("w:rPr")]
        if children and all(c.tag == qn("w:br") for c in children) and not runs[-1].text:
            last.getparent().remove(last)
            runs = paragraph.runs
        else:
            break
    if paragraph.runs:
        last = paragraph.runs[-1]
        if last.text.endswith(" "):
            last.text = last.text.rstrip(" ")


def _apply_paragraph(paragraph, style: dict[str, str], sheet: _Stylesheet, *,
                     own: bool = False) -> None:
    """``own``: the style is the paragraph element's own (not its cell's): borders apply."""
    fmt = paragraph.paragraph_format
    align = style.get("text-align")
    if align in ALIGN:
        paragraph.alignment = ALIGN[align]
    indent = _length_pt(style.get("text-indent"))
    if indent:
        fmt.first_line_indent = Pt(indent)
    margins = _box(style.get("margin"))
    top = _length_pt(style.get("margin-top")) if "margin-top" in style else (
        margins[0] if margins else 0)
    bottom = _length_pt(style.get("margin-bottom")) if "margin-bottom" in style else (
        margins[2] if margins else 0)
    fmt.space_before = Pt(top or 0)
    fmt.space_after = Pt(bottom or 0)
    line_height = style.get("line-height")
    if line_height:
        try:
            # CSS counts in font sizes; Word's "multiple" in the font's own line height,
            # about 1.15 font sizes for Times New Roman.
            fmt.line_spacing = round(float(line_height) / 1.15, 3)
        except ValueError:
            pass
    if own and any(key.startswith("border") and "solid" in value
                   for key, value in style.items()):
        _paragraph_border(paragraph, _colour(style.get("border")) or RGBColor(0, 0, 0))


def _paragraph_border(paragraph, colour: RGBColor) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "12")
        edge.set(qn("w:space"), "2")
        edge.set(qn("w:color"), str(colour))
        borders.append(edge)
    p_pr.append(borders)


def _table_borders(table, bordered: bool) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if bordered else "nil")
        if bordered:
            edge.set(qn("w:sz"), "4")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        borders.append(edge)
    tbl_pr.append(borders)


def _fixed_widths(table, widths_mm: list[float]) -> None:
    """Word and LibreOffice lay a table out from its grid: fixed layout, the total width and
    each grid column's width (twentieths of a point)."""
    twips = [int(w * 72 / 25.4 * 20) for w in widths_mm]
    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:w"), str(sum(twips)))
    width.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for column, value in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), twips,
                             strict=True):
        column.set(qn("w:w"), str(value))


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _cell_padding(cell, style: dict[str, str]) -> None:
    padding = _box(style.get("padding"))
    if padding is None:
        return
    tc_pr = cell._tc.get_or_add_tcPr()
    margins = OxmlElement("w:tcMar")
    for side, value in zip(("top", "right", "bottom", "left"), padding, strict=True):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(int(value * 20)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tc_pr.append(margins)


def _valign(cell, style: dict[str, str]) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    if style.get("vertical-align") == "top":
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    elif style.get("vertical-align") == "middle":
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def text_of(data: bytes) -> str:
    """The text of a DOCX (body paragraphs and table cells, in order), for tests and
    previews."""
    document = Document(io.BytesIO(data))
    parts: list[str] = []

    def walk(container) -> None:
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    previous = None
                    for cell in row.cells:
                        if cell._tc is not previous:  # a merged cell repeats per column
                            walk(cell)
                        previous = cell._tc
            else:
                parts.append(block.text)

    walk(document)
    return "\n".join(parts)
