"""The Teams app's two icons, drawn in code: `python -m adapters.teams.icons` rewrites them.

Teams wants a 192x192 full-colour icon and a 32x32 outline icon, white on transparent. Both
show the same glyph (a speech bubble with a tick), so they are drawn from one shape here,
anti-aliased by supersampling, and written as PNG with zlib alone (no imaging library).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["ACCENT", "APP_DIR", "color_icon", "main", "outline_icon", "png"]

APP_DIR = Path(__file__).resolve().parent / "app"
# The manifest's accentColor and the colour icon's background (Slack's background_color too).
ACCENT = (0x1D, 0x35, 0x57)
_WHITE = (0xFF, 0xFF, 0xFF)
_SAMPLES = 4  # per axis: 16 samples per pixel smooth the edges

# The glyph in unit coordinates (x right, y down): a rounded bubble, a tail, a tick cut out.
_BUBBLE = (0.14, 0.16, 0.86, 0.68, 0.13)  # left, top, right, bottom, corner radius
_TAIL = ((0.28, 0.60), (0.48, 0.60), (0.24, 0.86))
_TICK = ((0.32, 0.42), (0.45, 0.54), (0.68, 0.30))
_TICK_HALF_WIDTH = 0.055


def _in_rounded_rect(x: float, y: float) -> bool:
    left, top, right, bottom, r = _BUBBLE
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + r), right - r)
    cy = min(max(y, top + r), bottom - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_triangle(x: float, y: float) -> bool:
    (ax, ay), (bx, by), (cx, cy) = _TAIL

    def side(px: float, py: float, qx: float, qy: float) -> float:
        return (qx - px) * (y - py) - (qy - py) * (x - px)

    d1, d2, d3 = side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
    return (d1 >= 0 and d2 >= 0 and d3 >= 0) or (d1 <= 0 and d2 <= 0 and d3 <= 0)


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> bool:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= _TICK_HALF_WIDTH**2


def _in_glyph(x: float, y: float) -> bool:
    if _near_segment(x, y, _TICK[0], _TICK[1]) or _near_segment(x, y, _TICK[1], _TICK[2]):
        return False
    return _in_rounded_rect(x, y) or _in_triangle(x, y)


def _coverage(size: int) -> list[list[float]]:
    """How much of each pixel the glyph covers, 0.0-1.0."""
    step = 1.0 / (size * _SAMPLES)
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = sum(
                _in_glyph((px * _SAMPLES + sx + 0.5) * step, (py * _SAMPLES + sy + 0.5) * step)
                for sy in range(_SAMPLES)
                for sx in range(_SAMPLES)
            )
            row.append(hits / _SAMPLES**2)
        rows.append(row)
    return rows


def png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG of `pixels` (rows of (r, g, b, a))."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(v for p in row for v in p) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def color_icon() -> bytes:
    """The 192x192 colour icon: the white glyph on the accent colour, opaque."""
    rows = []
    for row in _coverage(192):
        line = []
        for c in row:
            r, g, b = (round(a + (w - a) * c) for a, w in zip(ACCENT, _WHITE, strict=True))
            line.append((r, g, b, 255))
        rows.append(line)
    return png(rows)


def outline_icon() -> bytes:
    """The 32x32 outline icon: the glyph in white, everything else transparent."""
    return png([[(*_WHITE, round(255 * c)) for c in row] for row in _coverage(32)])


def main() -> None:
    """Rewrite color.png and outline.png beside the manifest."""
    (APP_DIR / "color.png").write_bytes(color_icon())
    (APP_DIR / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    main()
