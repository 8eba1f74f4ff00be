"""Photo files for the 一寸照 tests, built at test time (nothing binary is committed)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def jpeg(size=(600, 800), *, color=(200, 180, 160), exif_gps: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "AcmeCam"  # Make
        exif[0x8825] = {1: "N", 2: (28.0, 13.0, 1.0), 3: "E", 4: (112.0, 56.0, 2.0)}  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes() if (exif_gps or orientation) else b"", quality=95)
    return out.getvalue()


def png(size=(600, 800), *, transparent: bool = False) -> bytes:
    image = Image.new("RGBA" if transparent else "RGB", size, (0, 0, 0, 0) if transparent else (90, 120, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def gif(size=(600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("P", size).save(out, format="GIF")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (a decompression bomb: the
    few hundred bytes of zeros would inflate to gigabytes if anyone decoded them)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    body = zlib.compress(b"\0" * 100_000, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
    + b"\0" * 400
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400"><script>alert(1)</script></svg>'
HTML_AS_JPEG = b"<html><body><script>alert(document.cookie)</script></body></html>"


def truncated_jpeg() -> bytes:
    data = jpeg()
    return data[: len(data) // 3]
