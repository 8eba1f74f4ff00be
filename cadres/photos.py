"""一寸照 (the ID photo of a person's file): check an uploaded file and re-encode it.

No ORM here: :func:`photo_normalize` takes the uploaded bytes and the file's name (for the
message only) and returns a clean JPEG, or raises ``ValidationError`` with a Chinese message that
names the file. The file is judged by its content, never by its name: the first bytes must be a
JPEG or PNG signature and Pillow must read it as that format. The pixel size is checked from the
header *before* any pixel is decoded, so a decompression bomb (a small PNG that declares a huge
image) is refused without being inflated. The result is cropped to the 一寸 ratio (25 × 35 mm)
around the centre, scaled to 295 × 413 pixels (300 dpi) and saved as a fresh JPEG: EXIF (GPS
position, camera, date), ICC profiles and comments are not carried over.
"""

from __future__ import annotations

import contextlib
import io
import warnings

from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024  # 2 MB
MIN_WIDTH, MIN_HEIGHT = 150, 200  # smaller cannot print legibly at 一寸
MAX_SIDE = 6000  # a phone photo is ~4000 × 3000; anything beyond is not a 证件照
MAX_PIXELS = 24_000_000
OUT_SIZE = (295, 413)  # 一寸 (25 × 35 mm) at 300 dpi
OUT_QUALITY = 90
FORMATS = {"JPEG": "JPG", "PNG": "PNG"}
SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

NOT_IMAGE = "照片须为 JPG 或 PNG 图片：所选文件「{name}」不是 JPG 或 PNG 图片（按文件内容判断，与扩展名无关）。"
BROKEN = "照片须为 JPG 或 PNG 图片：所选文件「{name}」已损坏，无法读取。"
EMPTY = "所选文件「{name}」为空，请重新选择照片。"
TOO_BIG = "照片不能超过 2 MB：所选文件「{name}」有 {size}。请压缩后再上传。"
TOO_SMALL = "照片尺寸过小：所选文件「{name}」为 {w} × {h} 像素，一寸照至少需要 {min_w} × {min_h} 像素。"
TOO_LARGE = "照片尺寸过大：所选文件「{name}」为 {w} × {h} 像素，每边不能超过 {max_side} 像素。"
BOMB = "照片尺寸过大：所选文件「{name}」声明的像素数远超证件照，已拒收。"


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


@contextlib.contextmanager
def _strict_decoding():
    """Refuse truncated files. WeasyPrint (the dossier PDF) turns Pillow's process-wide
    ``LOAD_TRUNCATED_IMAGES`` on when it is imported, which would let half a file through as a
    grey-filled photo; the check turns it off for the decoding of one upload."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def photo_normalize(data: bytes, name: str) -> bytes:
    """The uploaded photo as a clean 295 × 413 JPEG, or ValidationError (Chinese, names the file)."""
    name = name or "未命名文件"
    if not data:
        raise ValidationError(EMPTY.format(name=name))
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG.format(name=name, size=size_text(len(data))))
    if not data.startswith(SIGNATURES):
        raise ValidationError(NOT_IMAGE.format(name=name))
    try:
        with warnings.catch_warnings(), _strict_decoding():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            width, height = image.size  # from the header: nothing decoded yet
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise ValidationError(TOO_LARGE.format(name=name, w=width, h=height, max_side=MAX_SIDE))
            if width < MIN_WIDTH or height < MIN_HEIGHT:
                raise ValidationError(TOO_SMALL.format(name=name, w=width, h=height, min_w=MIN_WIDTH, min_h=MIN_HEIGHT))
            image.load()
            image = ImageOps.exif_transpose(image)  # a phone photo taken upright stays upright
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(BOMB.format(name=name)) from None
    except UnidentifiedImageError:
        raise ValidationError(NOT_IMAGE.format(name=name)) from None
    except (OSError, SyntaxError, ValueError, EOFError):  # truncated or corrupt data
        raise ValidationError(BROKEN.format(name=name)) from None
    return _encode(image)


def _encode(image: Image.Image) -> bytes:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))  # transparent → white, like a 证件照 background
    else:
        image = image.convert("RGB")
    image = ImageOps.fit(image, OUT_SIZE, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=OUT_QUALITY, optimize=True, dpi=(300, 300))
    return out.getvalue()
