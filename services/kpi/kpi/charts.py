"""A bar chart of a metric's trend as SVG: no plotting library, no JavaScript,
opens in any browser and pastes into any document."""
from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

WIDTH, HEIGHT, MARGIN, AXIS = 720, 320, 40, 60


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    top = max([*values, Decimal(0)])
    bottom = min([*values, Decimal(0)])
    return (top, bottom) if top != bottom else (bottom + 1, bottom)


def bar_chart_svg(title: str, unit: str, points: list[tuple[str, Decimal | None]]) -> str:
    """One bar per (label, value); a period without data has no bar and says "—"."""
    known = [value for _, value in points if value is not None]
    top, bottom = _scale(known)
    plot_height = HEIGHT - 2 * MARGIN - AXIS / 2
    slot = (WIDTH - 2 * MARGIN) / max(len(points), 1)

    def y(value: Decimal) -> float:
        return MARGIN + float((top - value) / (top - bottom)) * plot_height

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
             f'<title>{escape(title)}</title>',
             f'<text x="{MARGIN}" y="{MARGIN / 2}" font-size="14">{escape(title)} ({escape(unit)})</text>',
             f'<line x1="{MARGIN}" y1="{y(Decimal(0)):.1f}" x2="{WIDTH - MARGIN}" y2="{y(Decimal(0)):.1f}" '
             'stroke="#888"/>']
    for index, (label, value) in enumerate(points):
        x = MARGIN + index * slot
        middle = x + slot / 2
        if value is not None:
            upper, lower = sorted((y(value), y(Decimal(0))))
            colour = "#4a7bd0" if value >= 0 else "#d0584a"
            parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{upper:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{max(lower - upper, 0.5):.1f}" fill="{colour}"><title>{escape(label)}: '
                         f'{value} {escape(unit)}</title></rect>')
        text = "—" if value is None else str(value)
        parts.append(f'<text x="{middle:.1f}" y="{HEIGHT - MARGIN / 2 - 14}" text-anchor="middle">'
                     f'{escape(label)}</text>')
        parts.append(f'<text x="{middle:.1f}" y="{HEIGHT - MARGIN / 2}" text-anchor="middle" fill="#555">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
