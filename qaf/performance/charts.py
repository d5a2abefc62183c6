"""Vega-Lite specs built in Python and rendered to SVG on the server (vl-convert-python)."""

import base64
from typing import Any

import vl_convert as vlc


def trend_spec(
    *, title: str, unit: str, points: list[tuple[str, float | None]], target: float | None
) -> dict[str, Any]:
    values = [{"month": month, "value": value} for month, value in points if value is not None]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "point": True, "color": "#1d70b8"},
            "encoding": {
                "x": {"field": "month", "type": "ordinal", "title": "Month"},
                "y": {"field": "value", "type": "quantitative", "title": unit},
            },
        }
    ]
    if target is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": "#505a5f", "strokeDash": [4, 4]},
                "encoding": {"y": {"datum": target}},
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": 480,
        "height": 180,
        "data": {"values": values},
        "layer": layers,
        "config": {"font": "Arial"},
    }


def svg_data_uri(spec: dict[str, Any]) -> str:
    svg = vlc.vegalite_to_svg(vl_spec=spec)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
