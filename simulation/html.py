"""A self-contained HTML report: the KPI table and three ECharts plots (the day's curve, the
backlog, the cost distribution). ECharts is the npm package pinned in package.json; its minified
file is inlined, so the report opens offline (no CDN)."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ECHARTS = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"
ECHARTS_ENV = "OMS_ECHARTS"  # another copy of echarts.min.js


def echarts_source(path: Path | None = None) -> str:
    found = path or Path(os.environ.get(ECHARTS_ENV, ECHARTS))
    if not found.is_file():
        raise FileNotFoundError(f"{found} is missing: run `npm install` at the repository root (echarts is pinned in package.json) or set {ECHARTS_ENV}")
    return found.read_text("utf-8")


def _hours(count: int, bucket_seconds: int) -> list[str]:
    return [f"{(i * bucket_seconds) // 86400}d {(i * bucket_seconds % 86400) // 3600:02d}:{(i * bucket_seconds % 3600) // 60:02d}" for i in range(count)]


def charts(report: dict[str, Any]) -> dict[str, Any]:
    s = report["series"]
    x = _hours(len(s["placed"]), s["bucket_seconds"])
    minutes = s["bucket_seconds"] // 60
    line = lambda name, data: {"name": name, "type": "line", "showSymbol": False, "data": data}  # noqa: E731
    costs = sorted({int(k) for h in s["cost_histogram"].values() for k in h})
    return {
        "curve": {
            "title": {"text": f"The day's curve: orders per {minutes} minutes"},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 28}, "grid": {"top": 70},
            "xAxis": {"type": "category", "data": x}, "yAxis": {"type": "value"},
            "series": [line("placed", s["placed"])] + [line(f"released: {p}", v) for p, v in s["released"].items()],
        },
        "backlog": {
            "title": {"text": "Backlog: orders placed and not yet released or rejected"},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 28}, "grid": {"top": 70},
            "xAxis": {"type": "category", "data": x}, "yAxis": {"type": "value"},
            "series": [line(p, v) for p, v in s["backlog"].items()],
        },
        "cost": {
            "title": {"text": "Routing cost per released order (yuan, whole-yuan bins)"},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 28}, "grid": {"top": 70},
            "xAxis": {"type": "category", "data": [str(c) for c in costs]}, "yAxis": {"type": "value"},
            "series": [{"name": p, "type": "bar", "data": [h.get(str(c), 0) for c in costs]} for p, h in s["cost_histogram"].items()],
        },
    }  # fmt: skip


def render(report: dict[str, Any], echarts: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r['kpi'])}</td><td>{html.escape(r['traditional'])}</td><td>{html.escape(r['oms'])}</td>"
        f"<td>{html.escape(r['seed'])}</td><td class=how>{html.escape(r['how'])}</td></tr>"
        for r in report["rows"]
    )
    options = json.dumps(charts(report), ensure_ascii=False).replace("</", "<\\/")
    library = echarts.replace("</script", "<\\/script")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>oms simulate: seed {report['seed']}, {report['orders']:,} orders</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}.how{{font-size:85%;color:#555}}.chart{{height:380px;margin-top:2em}}</style>
<script>{library}</script></head><body>
<h1>A simulated promotion day: traditional vs oms</h1>
<p>Seed {report['seed']}, {report['days']} day(s), {report['orders']:,} orders, {len(report['warehouses'])} warehouses. Every row is computed from the simulated orders (docs/simulation.md).</p>
<table><tr><th>KPI</th><th>traditional</th><th>oms</th><th>seed's table</th><th>how</th></tr>{rows}</table>
<div id="curve" class="chart"></div><div id="backlog" class="chart"></div><div id="cost" class="chart"></div>
<script>const options = {options};
for (const id of ["curve", "backlog", "cost"]) echarts.init(document.getElementById(id)).setOption(options[id]);</script>
</body></html>
"""


def write(report: dict[str, Any], target: Path, echarts_path: Path | None = None) -> Path:
    target.write_text(render(report, echarts_source(echarts_path)), "utf-8")
    return target
