"""The ranking chart of an indicator page: wijken ranked by value, each a dot coloured by its
band with its 95% interval, and a dashed line at the gemeente value (Plotly JSON, drawn by the
page's plotly.js). The table under it gives the same figures."""

from __future__ import annotations

from dashboards.palette import FILL


def ranking_figure(rows: list[dict], reference: float | None, unit: str) -> dict:
    """Wijken ranked by value, dots coloured by band, with their intervals."""
    ranked = sorted(
        (r for r in rows if r["value"] == r["value"] and r["value"] is not None),
        key=lambda r: r["value"],
    )
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": [round(r["value"], 3) for r in ranked],
        "y": [r["name"] for r in ranked],
        "marker": {
            "color": [FILL[r["band_key"]] for r in ranked],
            "size": 11,
            "line": {"color": "#333333", "width": 1},
        },
        "customdata": [
            r["value_text"] + (f" ({r['interval_text']})" if r["interval_text"] else "")
            for r in ranked
        ],
        "hovertemplate": "%{y}: %{customdata}<extra></extra>",
    }
    if any(r["interval_text"] for r in ranked):
        trace["error_x"] = {
            "type": "data",
            "symmetric": False,
            "array": [_gap(r["ci_high"], r["value"]) for r in ranked],
            "arrayminus": [_gap(r["value"], r["ci_low"]) for r in ranked],
            "color": "#555555",
            "thickness": 1.5,
            "width": 4,
        }
    layout = {
        "height": 120 + 22 * len(ranked),
        "margin": {"l": 190, "r": 20, "t": 10, "b": 50},
        "xaxis": {
            "title": {"text": unit},
            "zeroline": False,
            "gridcolor": "#e5e5e5",
        },
        "yaxis": {"automargin": True},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, sans-serif", "color": "#1a1a1a"},
        "showlegend": False,
    }
    if reference is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": reference,
                "x1": reference,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#1a1a1a", "dash": "dash", "width": 1.5},
            }
        ]
    return {"data": [trace], "layout": layout}


def _gap(a, b) -> float:
    if a is None or b is None or a != a or b != b:
        return 0.0
    return round(a - b, 3)
