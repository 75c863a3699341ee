"""The annual report's bar charts, drawn with Pillow as PNG data URIs.

Pillow already comes with WeasyPrint; a plotting library would add about 60 MiB to the
service's memory for three bar charts (measured by bench/rss.py). PNGs, not SVGs: WeasyPrint
lays them out far faster.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

BLUE, GREEN, RED = "#2b6cb0", "#68d391", "#e53e3e"
INK, GRID, MUTED = "#1a202c", "#cbd5e0", "#718096"
NO_DATA = "brak danych"
SCALE = 2  # drawn at twice the size shown, so print stays sharp
FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/dejavu/DejaVuSans.ttf")


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size * SCALE)
        except OSError:
            continue
    return ImageFont.load_default(size * SCALE)


def _amount(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _png(image: Image.Image) -> str:
    out = io.BytesIO()
    # zlib's default level: `optimize=True` took 2-3 times as long for 1 % fewer bytes
    image.save(out, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _canvas(width: int, height: int, title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    draw.text((width * SCALE // 2, 6 * SCALE), title, fill=INK, font=_font(13), anchor="ma")
    return image, draw


def _no_data(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
    draw.text((width * SCALE // 2, height * SCALE // 2), NO_DATA, fill=MUTED, font=_font(12),
              anchor="mm")


def horizontal_stacked(title: str, labels: Sequence[str],
                       series: Sequence[tuple[str, str, Sequence[float]]]) -> str:
    """One bar per label, its parts (name, colour, values) laid end to end."""
    row, top, left, right = 22, 40, 190, 80
    width, height = 760, top + max(len(labels), 1) * row + 40
    image, draw = _canvas(width, height, title)
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    peak = max(totals, default=0) or 1.0
    span = width - left - right
    if not any(totals):
        _no_data(draw, width, height)
        return _png(image)
    for i, label in enumerate(labels):
        y = (top + i * row) * SCALE
        draw.text(((left - 8) * SCALE, y + 4 * SCALE), label, fill=INK, font=_font(10),
                  anchor="ra")
        x = left * SCALE
        for _, colour, values in series:
            length = int(values[i] / peak * span * SCALE)
            if length:
                draw.rectangle([x, y + 3 * SCALE, x + length, y + (row - 3) * SCALE],
                               fill=colour)
            x += length
        draw.text((x + 6 * SCALE, y + 4 * SCALE), _amount(totals[i]), fill=INK,
                  font=_font(10))
    legend_y = (height - 24) * SCALE
    x = left * SCALE
    for name, colour, _ in series:
        draw.rectangle([x, legend_y, x + 12 * SCALE, legend_y + 12 * SCALE], fill=colour)
        draw.text((x + 18 * SCALE, legend_y), name, fill=INK, font=_font(10))
        x += (30 + 8 * len(name)) * SCALE
    return _png(image)


def vertical(title: str, labels: Sequence[str], values: Sequence[float],
             colours: Sequence[str] | str = BLUE, width: int = 760) -> str:
    """One bar per label, its value written above it."""
    height, top, bottom, side = 300, 40, 40, 30
    image, draw = _canvas(width, height, title)
    peak = max(values, default=0) or 1.0
    if not any(values):
        _no_data(draw, width, height)
    slot = (width - 2 * side) / max(len(labels), 1)
    base = (height - bottom) * SCALE
    draw.line([side * SCALE, base, (width - side) * SCALE, base], fill=GRID, width=SCALE)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        colour = colours if isinstance(colours, str) else colours[i % len(colours)]
        x0 = int((side + i * slot + slot * 0.15) * SCALE)
        x1 = int((side + (i + 1) * slot - slot * 0.15) * SCALE)
        y = base - int(value / peak * (height - top - bottom - 20) * SCALE)
        if value:
            draw.rectangle([x0, y, x1, base], fill=colour)
        centre = (x0 + x1) // 2
        if any(values):
            draw.text((centre, y - 4 * SCALE), _amount(value), fill=INK, font=_font(9),
                      anchor="md")
        draw.text((centre, base + 6 * SCALE), label, fill=INK, font=_font(10), anchor="ma")
    return _png(image)
