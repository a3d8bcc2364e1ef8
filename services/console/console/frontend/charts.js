// Draws every <div class="chart" data-chart="{...}"> on the page with ECharts.
// The page carries the figures as JSON in the attribute, so it needs no inline
// script (the console's Content-Security-Policy allows scripts from itself only).
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent,
  CanvasRenderer]);

function option(spec) {
  if (spec.type === "pie") {
    return {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "70%"],
        data: spec.labels.map((label, i) => ({ name: label, value: spec.series[0].values[i] })) }],
    };
  }
  return {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 24, bottom: 48 },
    xAxis: { type: "category", data: spec.labels },
    yAxis: { type: "value", name: spec.unit || "" },
    series: spec.series.map((s) => ({ name: s.name, type: spec.type || "bar", data: s.values,
      smooth: spec.type === "line" })),
  };
}

function draw(element) {
  const spec = JSON.parse(element.dataset.chart);
  const chart = echarts.init(element, null, { renderer: "canvas" });
  // No animation: a page shows its figures at once (and a screenshot shows them whole).
  chart.setOption({ animation: false, ...option(spec) });
  element.dataset.drawn = "true";
  window.addEventListener("resize", () => chart.resize());
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".chart[data-chart]").forEach(draw);
});
