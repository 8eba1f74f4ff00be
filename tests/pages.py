"""Pages as the browser shows them once their deferred sections have loaded."""

from __future__ import annotations

from django.urls import reverse


def person_page(client, person_id: int) -> str:
    """The person page (一人一档) with its 变更记录 section filled in, as htmx does after the
    page shows (GET of cadres:person_history with HX-Request)."""
    html = client.get(reverse("cadres:person_detail", args=[person_id])).content.decode()
    url = reverse("cadres:person_history", args=[person_id])
    marker = f'hx-get="{url}"'
    if marker not in html:  # no permission to see the history: no section
        return html
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    opened = html.index(">", html.index(marker)) + 1
    closed = html.index("</div>", opened)
    return html[:opened] + fragment + html[closed:]
