// Apache ECharts, only the parts the console draws (tree-shaken by Vite).
import * as echarts from "echarts/core";
import { BarChart, GaugeChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { h } from "./ui.js";

echarts.use([BarChart, GaugeChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

// A chart box; the chart is drawn once the box is in the page (it needs its size).
export function chart(option, { height = 260, name = "" } = {}) {
  const box = h("div", { class: "chart", style: `height:${height}px`, "data-chart": name });
  const draw = () => {
    if (!box.isConnected) return requestAnimationFrame(draw);
    const instance = echarts.init(box, null, { renderer: "canvas" });
    instance.setOption({ animation: false, ...option });
    new ResizeObserver(() => instance.resize()).observe(box);
  };
  requestAnimationFrame(draw);
  return box;
}

export function gauge(value, title) {
  return chart(
    {
      series: [
        {
          type: "gauge",
          min: 0,
          max: 100,
          progress: { show: true, width: 14 },
          axisLine: { lineStyle: { width: 14, color: [[0.8, "#d9534f"], [0.95, "#f0ad4e"], [1, "#5cb85c"]] } },
          pointer: { show: false },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          detail: { valueAnimation: false, fontSize: 32, offsetCenter: [0, "10%"], formatter: (v) => (v === null ? "—" : `${v}`) },
          title: { offsetCenter: [0, "60%"], fontSize: 13 },
          data: [{ value: value === null || value === undefined ? null : Number(value), name: title }],
        },
      ],
    },
    { height: 220, name: "health-gauge" },
  );
}

export function bars(categories, series, { name = "", stacked = false, height = 260, horizontal = false } = {}) {
  const categoryAxis = { type: "category", data: categories, axisLabel: { interval: 0, rotate: horizontal ? 0 : categories.length > 8 ? 45 : 0, fontSize: 10 } };
  const valueAxis = { type: "value", minInterval: 1 };
  return chart(
    {
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 50, right: 16, top: series.length > 1 ? 30 : 16, bottom: 50 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series.map((s) => ({ type: "bar", name: s.name, data: s.data, stack: stacked ? "all" : undefined })),
    },
    { name, height },
  );
}

export function lines(categories, series, { name = "", height = 240, min, max } = {}) {
  return chart(
    {
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 50, right: 16, top: 30, bottom: 40 },
      xAxis: { type: "category", data: categories, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", min, max },
      series: series.map((s) => ({ type: "line", name: s.name, data: s.data, connectNulls: true, showSymbol: categories.length < 40 })),
    },
    { name, height },
  );
}

export function pie(entries, { name = "", height = 240 } = {}) {
  return chart(
    {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: entries.map(([label, value]) => ({ name: label, value })) }],
    },
    { name, height },
  );
}
