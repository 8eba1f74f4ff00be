"""Pages as the browser shows them once their deferred sections have loaded."""

from __future__ import annotations

import re

from django.urls import reverse

_DEFERRED = re.compile(r'<div hx-get="([^"]+)" hx-trigger="load" hx-swap="innerHTML">')


def person_page(client, person_id: int) -> str:
    """The person page (一人一档) with its deferred parts filled in — 变更记录 (cadres:person_history)
    and the deferred sections (cadres:person_section) — as htmx does after the page shows (a GET
    of each with HX-Request, its answer swapped into the placeholder)."""
    html = client.get(reverse("cadres:person_detail", args=[person_id])).content.decode()
    while match := _DEFERRED.search(html):
        response = client.get(match.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200, (match.group(1), response.status_code)
        closed = html.index("</div>", match.end())
        html = html[: match.start()] + "<div>" + response.content.decode() + html[closed:]
    return html
