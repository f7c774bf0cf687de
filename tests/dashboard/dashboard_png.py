"""A tiny PNG decoder (8-bit RGB/RGBA, non-interlaced, what Chromium writes) for screenshot checks."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, prior: bytearray, bpp: int) -> bytearray:
    if kind == 0:
        return line
    if kind == 2:
        return bytearray((x + b) & 0xFF for x, b in zip(line, prior, strict=True))
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prior[i]
        if kind == 1:
            out[i] = (out[i] + a) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((a + b) >> 1)) & 0xFF
        else:
            c = prior[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(a, b, c)) & 0xFF
    return out


def pixels(path: Path) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, RGB pixels) of a PNG file."""
    data = path.read_bytes()
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path} is not a PNG file")
    pos, idat, header = len(_SIGNATURE), bytearray(), b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color not in _CHANNELS or interlace:
        raise ValueError(
            f"{path}: unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})"
        )
    bpp = _CHANNELS[color]
    raw, stride = zlib.decompress(bytes(idat)), 1 + width * bpp
    prior, result = bytearray(width * bpp), []
    for row in range(height):
        start = row * stride
        prior = _unfilter(raw[start], bytearray(raw[start + 1 : start + stride]), prior, bpp)
        result += [tuple(prior[i : i + 3]) for i in range(0, len(prior), bpp)]
    return width, height, result


def colour_summary(path: Path) -> tuple[float, Counter[tuple[int, ...]]]:
    """Share of pixels that differ from the most common colour, and the colour counts."""
    _, _, rgb = pixels(path)
    counts = Counter(rgb)
    background = counts.most_common(1)[0][1]
    return 1 - background / len(rgb), counts
