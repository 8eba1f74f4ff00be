"""The 干部任免审批表 exchange file (.lrmx): one person's file, or a village's or a township's people
as one zip. Scoped (another township's person, village or township answers 404 to a clerk) and
logged like every export. A .lrmx carries the full ID number and the photo, which the software
needs to match and print the form: roles that see masked personal data (auditors …) are not
offered it (403), rather than given a file with a masked number that no department can import."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import quote

from django.http import HttpResponse

from core import dates as core_dates
from core.access import require
from core.exports import log_export
from core.views import PageView

from .. import lrmx, selectors

EXPORT_ACTION = "cadres.export_lrmx"
LRMX_CONTENT_TYPE = "application/xml; charset=utf-8"
ZIP_CONTENT_TYPE = "application/zip"
EXPORT_REFUSED = "干部任免审批表（.lrmx）含完整身份证号和照片，只有可查看个人信息的人员可以导出。"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def register() -> None:
    from core.access import register_action
    from core.conf import personal_data_permission

    register_action(EXPORT_ACTION, perm=personal_data_permission(), message=EXPORT_REFUSED)


def lrmx_file_name(person) -> str:
    """张三.lrmx (in a zip, a second 张三 gets the last 4 digits of the ID number, see lrmx_zip)."""
    return f"{_UNSAFE.sub('', person.name) or '未命名'}.lrmx"


def _attachment(response: HttpResponse, stem: str, suffix: str) -> HttpResponse:
    stamp = core_dates.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stem)}-{stamp}{suffix}"
    return response


def lrmx_zip(documents: list) -> bytes:
    buf = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for person, doc in documents:
            name = lrmx_file_name(person)
            if name in names:
                name = f"{name[:-5]}-{person.id_number[-4:]}.lrmx"
            names.add(name)
            archive.writestr(name, lrmx.to_xml(doc))
    return buf.getvalue()


class PersonLrmxView(PageView):
    """一人的任免审批表文件 (.lrmx)."""

    def get(self, request, pk):
        person = selectors.person_get(user=request.user, pk=pk)
        require(request.user, EXPORT_ACTION, person)
        people = selectors.lrmx_people(user=request.user, person=person)
        [(person, doc)] = selectors.lrmx_documents(user=request.user, people=people)
        log_export(user=request.user, what=f"任免审批表(.lrmx)：{person.name}", filters={"person": person.pk}, rows=1)
        response = HttpResponse(lrmx.to_xml(doc), content_type=LRMX_CONTENT_TYPE)
        return _attachment(response, lrmx_file_name(person)[:-5] + "-任免审批表", ".lrmx")


class PlaceLrmxView(PageView):
    """The people holding a post in one village or township today, one .lrmx each, as one zip."""

    place = "village"  # or "township"

    def get(self, request, pk):
        user = request.user
        if self.place == "village":
            place = selectors.village_get(user=user, pk=pk)
            people = selectors.lrmx_people(user=user, village=place)
        else:
            place = selectors.township_get(user=user, pk=pk)
            people = selectors.lrmx_people(user=user, township=place)
        require(user, EXPORT_ACTION, place)
        documents = selectors.lrmx_documents(user=user, people=people)
        log_export(user=user, what=f"任免审批表(.lrmx)：{place.name}", filters={self.place: place.pk}, rows=len(documents))
        response = HttpResponse(lrmx_zip(documents), content_type=ZIP_CONTENT_TYPE)
        return _attachment(response, f"{place.name}-任免审批表", ".zip")
