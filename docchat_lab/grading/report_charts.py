"""Inline SVG charts for the class report: no scripts, no network, readable when printed."""

import html

_BAR_HEIGHT, _LABEL_WIDTH, _BAR_WIDTH = 18, 330, 360


def bar_chart(rows: list[tuple[str, float]]) -> str:
    """Horizontal bars for rates between 0 and 1."""
    height = _BAR_HEIGHT * len(rows) + 10
    parts = [
        f'<svg role="img" width="{_LABEL_WIDTH + _BAR_WIDTH + 60}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
    ]
    for index, (label, rate) in enumerate(rows):
        y = index * _BAR_HEIGHT + 5
        width = max(0.0, min(rate, 1.0)) * _BAR_WIDTH
        colour = "#1a7f37" if rate >= 0.8 else "#bf8700" if rate >= 0.5 else "#cf222e"
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">'
            f"{html.escape(label[:55])}</text>"
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{_BAR_WIDTH}" height="14" fill="#eaeef2"/>'
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="14" fill="{colour}"/>'
        )
        parts.append(f'<text x="{_LABEL_WIDTH + _BAR_WIDTH + 6}" y="{y + 12}">{rate:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(totals: list[float], maximum: float, bins: int = 10) -> str:
    """How many learners scored in each tenth of the maximum."""
    counts = [0] * bins
    for total in totals:
        index = min(int(bins * total / maximum), bins - 1) if maximum else 0
        counts[index] += 1
    tallest = max(counts) or 1
    width, height, bar = 40 * bins + 40, 170, 36
    parts = [
        f'<svg role="img" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        'font-size="11" font-family="sans-serif">'
    ]
    for index, count in enumerate(counts):
        x = 20 + index * 40
        bar_height = 120 * count / tallest
        parts.append(
            f'<rect x="{x}" y="{130 - bar_height:.1f}" width="{bar}" '
            f'height="{bar_height:.1f}" fill="#0969da"/>'
        )
        parts.append(
            f'<text x="{x + bar / 2}" y="{125 - bar_height:.1f}" text-anchor="middle">'
            f"{count or ''}</text>"
        )
        low = maximum * index / bins
        parts.append(f'<text x="{x + bar / 2}" y="148" text-anchor="middle">{low:g}</text>')
    parts.append(
        f'<text x="{width / 2}" y="165" text-anchor="middle">'
        f"points (bins of {maximum / bins:g})</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
