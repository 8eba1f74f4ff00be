"""Printable forms as PDF: one HTML template → an A4 PDF, the download logged.

Library: WeasyPrint (see cadres.views.people.PersonPdfView). It lays out the same HTML/CSS as the
print view, repeats a table's ``<thead>`` on every page it spans, numbers the pages from the
``@page`` rules of the style sheet and embeds a *subset* of the CJK font it uses (only the glyphs
on the page), so the file reads on any computer, offline. Everything the document needs is
inline: the renderer never reaches the network or the file system.

``pdf_download`` is the one way a form leaves the system as a PDF: the caller has already loaded
its objects through the scoped selectors (404 outside the scope) and checked the gate; this
renders, logs the download (core.exports.log_export) and answers with the file.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

from .dates import today
from .exports import log_export

PDF = "application/pdf"
PRINT_CSS = "css/print.css"  # the 一人一档 sheet and the shared page rules
FORMS_CSS = "css/forms.css"  # official forms (备案表, 联审表, 测评票, 代发表)


@functools.cache
def _static_text(path: str) -> str:
    with open(finders.find(path), encoding="utf-8") as fh:
        return fh.read()


def inline_css(*paths: str) -> str:
    """The style sheets' text, to put inside the document (read once per process)."""
    return "\n".join(_static_text(p) for p in paths)


@functools.cache
def _data_only_fetcher():
    """WeasyPrint's fetcher of external resources, reading ``data:`` URIs (the person's photo)
    and refusing every other URL: everything a form needs is inline, so the renderer never
    reaches the network or the disk. A refused image or style sheet is left out with a warning."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict, *, request=None, css: tuple[str, ...] = (PRINT_CSS,)) -> bytes:
    """Render ``template_name`` with ``pdf=True`` and the style sheets inline, then lay it out."""
    html = render_to_string(template_name, {**context, "pdf": True, "inline_css": inline_css(*css)}, request=request)
    return html_to_pdf(html)


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF)
    stamp = today().strftime("%Y%m%d")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}-{stamp}.pdf"
    return response


def pdf_download(
    *,
    request,
    template_name: str,
    context: dict,
    filename: str,
    what: str,
    filters: dict,
    rows: int,
    css: tuple[str, ...] = (PRINT_CSS, FORMS_CSS),
) -> HttpResponse:
    """Render the form, log the download (who, what, which object, how many rows, masked or
    not) and answer with the file as an attachment."""
    data = render_pdf(template_name, context, request=request, css=css)
    log_export(user=request.user, what=what, filters=filters, rows=rows)
    return pdf_response(data, filename)
