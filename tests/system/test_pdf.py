"""core.pdf: the one PDF renderer of the forms (no database)."""

import pytest

from core import pdf
from tests.pdf_text import A4_PORTRAIT, page_sizes, pdf_fonts, pdf_text


def test_the_renderer_never_reaches_the_network(monkeypatch):
    import urllib.request

    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: calls.append(a) or pytest.fail("network"))
    data = pdf.html_to_pdf('<html><body><p>县委组织部</p><img src="http://127.0.0.1:9/seal.png"></body></html>')
    assert calls == []
    assert "县委组织部" in pdf_text(data)


def test_a_form_is_a4_with_page_numbers_and_only_subset_embedded_fonts():
    css = pdf.inline_css(pdf.PRINT_CSS, pdf.FORMS_CSS)
    rows = "".join(f"<tr><td>第{i}行</td></tr>" for i in range(120))
    html = (
        f'<html><head><style>{css}</style></head><body class="print-page"><main class="sheet">'
        f'<table class="grid"><thead><tr><th>表头甲</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>'
    )
    data = pdf.html_to_pdf(html)
    pages = [p.replace(" ", "") for p in pdf_text(data).split("表头甲")[1:]]
    assert len(pages) >= 2  # the header starts every page's part of the table
    assert set(page_sizes(data)) == {A4_PORTRAIT}
    assert "第1页，共" in pdf_text(data)
    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] and f["subset"] for f in fonts), fonts
