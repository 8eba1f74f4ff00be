"""The admin in Chinese: every page of every registered model (index, app pages, change lists
with their filters, add, change and history pages) on a small demo county, read as text, has no
English beyond an explicit list (user names, key names, the password hash line); raw policy codes
are shown by their names; history lists read 是/否 and choice labels; no page errors."""

import contextlib
import html
import io
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# Words that may appear: Django's own Chinese text names the keys (按住 Control 键或 Mac 上的
# Command 键) and LDAP; the user page shows the password algorithm; demo accounts' user names.
# The bank's batch number of a paid run (NSH…) and a browser's name in the login log are data.
ALLOWED = {"Control", "Mac", "Command", "LDAP", "NSH", "unknown"}
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
LOCALE_PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|textarea)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<bdi>[^<]*</bdi>", " ", page)  # the password hash: algorithm, salt, hash
    page = re.sub(r"欢迎，\s*<strong>[^<]*</strong>", " ", page)  # the signed-in user's name
    attrs = " ".join(re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attrs)


def admin_urls():
    urls = [reverse("admin:index")]
    urls += [reverse("admin:app_list", args=[app]) for app in sorted({m._meta.app_label for m in admin.site._registry})]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        obj = model.objects.order_by("-pk").first()
        if obj is not None:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"{prefix}_history", args=[obj.pk]))
    return urls


def test_every_admin_page_reads_in_chinese(client, admin_user, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", townships=2, stdout=io.StringIO())
    client.force_login(admin_user)
    user_names = sorted(get_user_model().objects.values_list("username", flat=True), key=len, reverse=True)  # data
    english: dict[str, set[str]] = {}
    pages = 0
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code != 200:
            continue  # an add page of rows only the services write
        pages += 1
        text = visible_text(response.content.decode())
        for name in user_names:
            text = text.replace(name, " ")
        for word in set(WORD.findall(text)) - ALLOWED:
            english.setdefault(word, set()).add(url)
    assert pages > 140
    assert not english, "\n".join(f"{word}: {sorted(urls)[:3]}" for word, urls in sorted(english.items()))


def test_policy_codes_are_listed_by_name_in_filters(client, admin_user, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", townships=2, stdout=io.StringIO())
    client.force_login(admin_user)
    text = visible_text(client.get(reverse("admin:cadres_appointment_changelist")).content.decode())
    assert "村党组织书记" in text and "secretary" not in text
    page = client.get(reverse("admin:cadres_appointment_changelist") + "?post=secretary")
    assert page.status_code == 200 and page.context["cl"].result_count > 0
    assert all(a.post == "secretary" for a in page.context["cl"].result_list)


def test_history_lists_read_yes_no_and_labels(client, admin_user, county_user, village_a):
    from cadres.models import Village

    village_a.is_active = not village_a.is_active if hasattr(village_a, "is_active") else None
    village = Village.objects.get(pk=village_a.pk)
    kind_field = Village._meta.get_field("kind")
    other = next(code for code, _ in kind_field.choices if code != village.kind)
    village.kind = other
    village.save()
    client.force_login(admin_user)
    text = visible_text(client.get(reverse("admin:cadres_village_history", args=[village.pk])).content.decode())
    assert str(dict(kind_field.flatchoices)[other]) in text
    assert f"→  {other}" not in text and f"→ {other}" not in text


def test_default_permissions_have_chinese_names():
    from django.contrib.auth.models import Permission

    names = dict(Permission.objects.filter(codename__in=["add_person", "view_accesslog"]).values_list("codename", "name"))
    assert names == {"add_person": "可以新增人员", "view_accesslog": "可以查看登录记录"}
    assert not Permission.objects.filter(name__startswith="Can ").exists()


def test_the_compiled_translations_match_the_po_file():
    """locale/…/django.mo is committed: it must hold every translation of django.po."""
    text = LOCALE_PO.read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "(.+)"\n(?:msgid_plural "[^"]*"\n)?msgstr(?:\[0\])? "(.+)"$', text, flags=re.M)
    assert len(pairs) > 40
    with translation.override("zh-hans"):
        for msgid, msgstr in pairs:
            assert translation.gettext(msgid.replace('\\"', '"')) == msgstr, msgid
