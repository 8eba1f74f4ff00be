"""Reading back the PDFs the app writes: their text, and whether every font is embedded as a subset."""

from __future__ import annotations

import io

import pypdf


def pdf_reader(content: bytes) -> pypdf.PdfReader:
    assert content.startswith(b"%PDF"), content[:60]
    return pypdf.PdfReader(io.BytesIO(content))


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, spaces and line breaks removed (the layout splits runs of text)."""
    return ["".join(page.extract_text().split()) for page in pdf_reader(content).pages]


def pdf_text(content: bytes) -> str:
    return "".join(pdf_pages(content))


def pdf_fonts(content: bytes) -> list[dict]:
    """Every font of every page: its name, whether a font file is embedded, whether it is a subset
    (the ``ABCDEF+`` prefix of the base font name) and the page sizes in points."""
    fonts = {}
    for page in pdf_reader(content).pages:
        resources = page.get("/Resources") or {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            leaf = descendants[0].get_object() if descendants else font
            descriptor = leaf.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            name = str(leaf.get("/BaseFont") or font.get("/BaseFont")).lstrip("/")
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[name] = {"name": name, "embedded": embedded, "subset": len(name) > 7 and name[6] == "+" and name[:6].isupper()}
    return list(fonts.values())


def page_sizes(content: bytes) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pdf_reader(content).pages]


A4_PORTRAIT = (595, 842)
A4_LANDSCAPE = (842, 595)
