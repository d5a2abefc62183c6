"""Vega-Lite specs built in Python and rendered to SVG on the server (vl-convert-python)."""

import base64
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import vl_convert as vlc


def trend_spec(
    *,
    title: str,
    unit: str,
    points: list[tuple[str, float | None]],
    target: float | None,
    england: float | None = None,
    neighbours: float | None = None,
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
    # Comparators as labelled rules: England (green, solid), statistical neighbours (purple).
    for value, label, colour in (
        (england, "England", "#00703c"),
        (neighbours, "Statistical neighbours", "#4c2c92"),
    ):
        if value is not None:
            layers.append(
                {
                    "data": {"values": [{"value": value, "label": f"{label} {value:g}"}]},
                    "layer": [
                        {"mark": {"type": "rule", "color": colour},
                         "encoding": {"y": {"field": "value", "type": "quantitative"}}},
                        {"mark": {"type": "text", "align": "left", "dx": 4, "dy": -6,
                                  "color": colour, "x": 0},
                         "encoding": {"y": {"field": "value", "type": "quantitative"},
                                      "text": {"field": "label"}}},
                    ],
                }
            )  # fmt: skip
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
    return _render(json.dumps(spec, sort_keys=True))


@functools.lru_cache(maxsize=1024)
def _render(spec_json: str) -> str:
    """Rendering is the costly part of the page (about 0.1 s a chart): the same spec (same
    data) is rendered once per process."""
    svg = vlc.vegalite_to_svg(vl_spec=json.loads(spec_json))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def svg_data_uris(specs: list[dict[str, Any]]) -> list[str]:
    """Several charts at once: vl-convert renders outside the GIL, so threads overlap."""
    if len(specs) < 2:
        return [svg_data_uri(spec) for spec in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(svg_data_uri, specs))
