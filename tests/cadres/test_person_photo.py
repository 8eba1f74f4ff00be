"""一寸照: the pure check and re-encoding (cadres.photos), the service (who may, history), the
scoped views (upload, replace, remove with confirmation, serving from private storage)."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from cadres import choices, photos, services
from cadres.selectors import person_history
from tests.factories import AppointmentFactory, PersonFactory

from .photo_files import EXE, HTML_AS_JPEG, SVG, gif, jpeg, png, png_declaring, truncated_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_photos(photo_storage):
    """Every test here writes its photos to a temporary folder."""


@pytest.fixture
def person(village_a):
    p = PersonFactory(name="周照片")
    AppointmentFactory(person=p, village=village_a, post=choices.SECRETARY)
    return p


def stored_files(storage) -> list[str]:
    root = storage.location
    import os

    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


def upload(data: bytes, name: str) -> ContentFile:
    return ContentFile(data, name=name)


# ---------------------------------------------------------------------------------------------
# cadres.photos: by content, bounded, re-encoded
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE, "照片.jpg", "照片须为 JPG 或 PNG 图片：所选文件「照片.jpg」不是 JPG 或 PNG 图片（按文件内容判断，与扩展名无关）。"),
        (SVG, "photo.png", "照片须为 JPG 或 PNG 图片：所选文件「photo.png」不是 JPG 或 PNG 图片"),
        (HTML_AS_JPEG, "a.jpeg", "照片须为 JPG 或 PNG 图片：所选文件「a.jpeg」不是 JPG 或 PNG 图片"),
        (gif(), "动图.png", "照片须为 JPG 或 PNG 图片：所选文件「动图.png」不是 JPG 或 PNG 图片"),
        (truncated_jpeg(), "半张.jpg", "照片须为 JPG 或 PNG 图片：所选文件「半张.jpg」已损坏，无法读取。"),
        (b"\xff\xd8\xff" + b"\0" * 50, "坏.jpg", "照片须为 JPG 或 PNG 图片：所选文件「坏.jpg」"),
        (b"", "空.jpg", "所选文件「空.jpg」为空，请重新选择照片。"),
        (png_declaring(50_000, 50_000), "bomb.png", "照片尺寸过大：所选文件「bomb.png」声明的像素数远超证件照，已拒收。"),
        (
            png_declaring(7_000, 7_000),
            "big.png",
            "照片尺寸过大：所选文件「big.png」为 7000 × 7000 像素，每边不能超过 6000 像素。",
        ),
        (png_declaring(5_000, 5_900), "wide.png", "照片尺寸过大：所选文件「wide.png」为 5000 × 5900 像素"),
        (jpeg((100, 140)), "小.jpg", "照片尺寸过小：所选文件「小.jpg」为 100 × 140 像素，一寸照至少需要 150 × 200 像素。"),
        (b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "大.jpg", "照片不能超过 2 MB：所选文件「大.jpg」有 2.0 MB。"),
    ],
)
def test_bad_files_are_refused_by_content_with_a_message_naming_the_file(data, name, message):
    with pytest.raises(ValidationError) as exc:
        photos.photo_normalize(data, name)
    assert exc.value.messages[0].startswith(message)


def test_a_truncated_file_is_refused_even_after_the_pdf_renderer_was_loaded():
    import weasyprint  # noqa: F401  (turns Pillow's LOAD_TRUNCATED_IMAGES on for the process)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(ValidationError, match="已损坏"):
        photos.photo_normalize(truncated_jpeg(), "半张.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (jpeg((600, 800)), "a.jpg"),
        (jpeg((1200, 800)), "landscape.jpg"),  # cropped to the 一寸 ratio around the centre
        (png((300, 420)), "a.png"),
        (png((600, 800), transparent=True), "transparent.png"),
        (jpeg((3000, 4000)), "phone.jpg"),
        (png((600, 800)), "named.exe"),  # the name does not matter, the content does
    ],
)
def test_good_files_become_a_295_by_413_jpeg(data, name):
    out = photos.photo_normalize(data, name)
    image = Image.open(io.BytesIO(out))
    assert (image.format, image.size, image.mode) == ("JPEG", (295, 413), "RGB")


def test_reencoding_drops_the_exif_gps_position_and_camera():
    source = jpeg(exif_gps=True)
    assert Image.open(io.BytesIO(source)).getexif().get(0x010F) == "AcmeCam"
    out = photos.photo_normalize(source, "gps.jpg")
    image = Image.open(io.BytesIO(out))
    assert dict(image.getexif()) == {}
    assert b"AcmeCam" not in out
    assert "exif" not in image.info and "icc_profile" not in image.info


def test_a_transparent_png_gets_a_white_background():
    out = photos.photo_normalize(png(transparent=True), "t.png")
    assert Image.open(io.BytesIO(out)).getpixel((150, 200)) == (255, 255, 255)


def test_the_exif_orientation_is_applied_before_cropping():
    # 800 × 600 stored sideways with "rotate 90°": upright it is 600 × 800, a portrait.
    sideways = Image.new("RGB", (800, 600), (255, 0, 0))
    sideways.paste((0, 0, 255), (0, 0, 400, 600))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    sideways.save(buf, format="JPEG", exif=exif.tobytes(), quality=95)
    out = Image.open(io.BytesIO(photos.photo_normalize(buf.getvalue(), "s.jpg")))
    top, bottom = out.getpixel((147, 20)), out.getpixel((147, 390))
    assert top[2] > 200 and top[0] < 60  # rotated: the blue half is now on top
    assert bottom[0] > 200 and bottom[2] < 60


# ---------------------------------------------------------------------------------------------
# The service: who may, history, files on disk
# ---------------------------------------------------------------------------------------------


def test_clerk_uploads_then_replaces_the_photo_and_history_keeps_who_and_when(
    person, clerk_a, photo_storage, django_capture_on_commit_callbacks
):
    services.person_photo_set(person=person, by=clerk_a, upload=upload(jpeg(), "a.jpg"))
    person.refresh_from_db()
    first = person.photo.name
    assert first.startswith("photos/") and first.endswith(".jpg")
    assert stored_files(photo_storage) == [first]

    with django_capture_on_commit_callbacks(execute=True):
        services.person_photo_set(person=person, by=clerk_a, upload=upload(png(), "b.png"))
    person.refresh_from_db()
    assert person.photo.name != first
    assert stored_files(photo_storage) == [person.photo.name]  # the replaced file is gone

    photo_entries = [e for e in person_history(user=clerk_a, person=person) if any(c[0] == "一寸照" for c in e["changes"])]
    assert [(e["user"], e["action"], e["changes"]) for e in photo_entries] == [
        (clerk_a, "修改", [("一寸照", "已上传", "已更换")]),
        (clerk_a, "修改", [("一寸照", "（空）", "已上传")]),
    ]


def test_a_refused_file_changes_nothing(person, clerk_a, photo_storage):
    services.person_photo_set(person=person, by=clerk_a, upload=upload(jpeg(), "a.jpg"))
    person.refresh_from_db()
    before, history_rows = person.photo.name, person.history.count()
    with pytest.raises(ValidationError) as exc:
        services.person_photo_set(person=person, by=clerk_a, upload=upload(EXE, "照片.jpg"))
    assert list(exc.value.message_dict) == ["photo"]
    person.refresh_from_db()
    assert person.photo.name == before
    assert person.history.count() == history_rows
    assert stored_files(photo_storage) == [before]


def test_clerk_of_another_township_and_auditor_may_not_set_the_photo(person, clerk_b, auditor, photo_storage):
    for user in (clerk_b, auditor):
        with pytest.raises(PermissionDenied):
            services.person_photo_set(person=person, by=user, upload=upload(jpeg(), "a.jpg"))
    person.refresh_from_db()
    assert not person.photo
    assert stored_files(photo_storage) == []


def test_remove_deletes_the_file_and_keeps_the_change_in_history(
    person, county_user, photo_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.person_photo_set(person=person, by=county_user, upload=upload(jpeg(), "a.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.person_photo_remove(person=person, by=county_user)
    person.refresh_from_db()
    assert not person.photo
    assert stored_files(photo_storage) == []
    latest = person.history.order_by("-history_id").first()
    assert (latest.history_user, latest.photo) == (county_user, "")


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


def test_upload_page_stores_the_photo_and_the_person_page_shows_it(client, clerk_a, person, photo_storage):
    client.force_login(clerk_a)
    url = reverse("cadres:person_photo_upload", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"photo": upload(jpeg(), "证件照.jpg")})
    assert response.status_code == 302
    assert response["Location"] == reverse("cadres:person_detail", args=[person.pk])
    person.refresh_from_db()
    assert person.photo

    page = client.get(reverse("cadres:person_detail", args=[person.pk])).content.decode()
    assert 'id="photo"' in page
    assert reverse("cadres:person_photo", args=[person.pk]) + "?v=" in page
    assert "更换照片" in page and "删除" in page

    photo = client.get(reverse("cadres:person_photo", args=[person.pk]))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert "private" in photo["Cache-Control"]
    assert photo["X-Content-Type-Options"] == "nosniff"
    body = b"".join(photo.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (295, 413)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE, "setup.jpg", "照片须为 JPG 或 PNG 图片：所选文件「setup.jpg」不是 JPG 或 PNG 图片"),
        (png_declaring(60_000, 60_000), "炸弹.png", "照片尺寸过大：所选文件「炸弹.png」声明的像素数远超证件照，已拒收。"),
    ],
)
def test_upload_page_shows_the_chinese_error_and_stores_nothing(client, clerk_a, person, photo_storage, data, name, message):
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:person_photo_upload", args=[person.pk]), {"photo": upload(data, name)})
    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert not person.photo
    assert stored_files(photo_storage) == []


def test_upload_without_a_file_asks_for_one(client, clerk_a, person):
    client.force_login(clerk_a)
    response = client.post(reverse("cadres:person_photo_upload", args=[person.pk]), {})
    assert "请选择要上传的照片。" in response.content.decode()


@pytest.mark.parametrize("url_name", ["cadres:person_photo", "cadres:person_photo_upload", "cadres:person_photo_remove"])
def test_clerk_of_another_township_gets_404(client, clerk_a, clerk_b, person, url_name):
    services.person_photo_set(person=person, by=clerk_a, upload=upload(jpeg(), "a.jpg"))
    client.force_login(clerk_b)
    url = reverse(url_name, args=[person.pk])
    assert client.get(url).status_code == 404
    post = {"photo": upload(jpeg(), "b.jpg")} if url_name.endswith("upload") else {"confirmed": "yes"}
    assert client.post(url, post).status_code == (405 if url_name == "cadres:person_photo" else 404)  # the photo is GET only
    person.refresh_from_db()
    assert person.photo


def test_auditor_sees_the_photo_but_gets_no_upload_buttons(client, clerk_a, auditor, person):
    services.person_photo_set(person=person, by=clerk_a, upload=upload(jpeg(), "a.jpg"))
    client.force_login(auditor)
    assert client.get(reverse("cadres:person_photo", args=[person.pk])).status_code == 200
    page = client.get(reverse("cadres:person_detail", args=[person.pk])).content.decode()
    assert "更换照片" not in page and reverse("cadres:person_photo_upload", args=[person.pk]) not in page
    assert (
        client.post(reverse("cadres:person_photo_upload", args=[person.pk]), {"photo": upload(jpeg(), "x.jpg")}).status_code
        == 403
    )


def test_without_a_photo_the_page_shows_a_placeholder(client, clerk_a, person):
    client.force_login(clerk_a)
    page = client.get(reverse("cadres:person_detail", args=[person.pk])).content.decode()
    assert "上传照片" in page and 'alt="暂无一寸照"' in page
    response = client.get(reverse("cadres:person_photo", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "private" in response["Cache-Control"]


def test_remove_asks_for_confirmation_first(client, clerk_a, person, photo_storage, django_capture_on_commit_callbacks):
    services.person_photo_set(person=person, by=clerk_a, upload=upload(jpeg(), "a.jpg"))
    client.force_login(clerk_a)
    url = reverse("cadres:person_photo_remove", args=[person.pk])
    response = client.post(url, {})
    assert response.status_code == 200
    assert "确认删除一寸照" in response.content.decode()
    person.refresh_from_db()
    assert person.photo

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.photo
    assert stored_files(photo_storage) == []
