"""Draw the Teams app icons without any imaging library: `python deploy/teams/make_icons.py`.

color.png: 192x192, full colour. outline.png: 32x32, white on transparent (Teams' rules).
The shape is a shield with a check mark, drawn from a few distance tests per pixel.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
Pixel = tuple[int, int, int, int]
NAVY: Pixel = (0x1B, 0x36, 0x5D, 255)
AMBER: Pixel = (0xFF, 0xC0, 0x00, 255)
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG; `pixel` gets coordinates in 0..1 (pixel centres)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel((x + 0.5) / width, (y + 0.5) / height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def in_shield(x: float, y: float) -> bool:
    """A shield: straight top, sides that curve into a point at the bottom."""
    if not 0.2 <= y <= 0.86:
        return False
    if y <= 0.5:
        return 0.24 <= x <= 0.76
    half = 0.26 * (1 - ((y - 0.5) / 0.36) ** 2) ** 0.5
    return abs(x - 0.5) <= half


def on_check(x: float, y: float, width: float) -> bool:
    """A check mark: two strokes, (0.36, 0.5) → (0.47, 0.62) → (0.66, 0.38)."""

    def near(ax: float, ay: float, bx: float, by: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        return ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5 <= width

    return near(0.36, 0.5, 0.47, 0.62) or near(0.47, 0.62, 0.66, 0.38)


def color_pixel(x: float, y: float) -> Pixel:
    if on_check(x, y, 0.035) and in_shield(x, y):
        return NAVY
    if in_shield(x, y):
        return AMBER
    return NAVY


def outline_pixel(x: float, y: float) -> Pixel:
    edge = in_shield(x, y) and not all(
        in_shield(x + dx, y + dy) for dx in (-0.06, 0.06) for dy in (-0.06, 0.06)
    )
    return WHITE if edge or (on_check(x, y, 0.045) and in_shield(x, y)) else CLEAR


def main() -> None:
    (HERE / "color.png").write_bytes(png(192, 192, color_pixel))
    (HERE / "outline.png").write_bytes(png(32, 32, outline_pixel))


if __name__ == "__main__":
    main()
