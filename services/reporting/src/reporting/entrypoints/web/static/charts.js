// ECharts options for each panel, and one place that mounts a chart on an element.
// Tooltips render as rich text inside the canvas: no HTML, so the strict CSP (no inline style) holds.

import { monthShort, num, pct, t, term } from "./i18n.js";

export const COLORS = {
  teal: "#0d9488",
  blue: "#2563eb",
  amber: "#f59e0b",
  red: "#dc2626",
  green: "#16a34a",
  violet: "#7c3aed",
  slate: "#94a3b8",
  sky: "#0ea5e9",
  ink: "#1e293b",
  grid: "#e2e8f0",
};
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", system-ui, sans-serif';
export const RISK_COLORS = { high: COLORS.red, medium: COLORS.amber, low: COLORS.green };
const TYPE_COLORS = { both_parents: COLORS.violet, father: COLORS.blue, mother: COLORS.sky };
const GUARDIAN_COLORS = { grandparent: COLORS.teal, relative: COLORS.blue, none: COLORS.red, other: COLORS.slate };

/** True when the chart library loaded. */
export function chartsAvailable() {
  return typeof window.echarts === "object" && typeof window.echarts.init === "function";
}

const observed = new WeakSet();

/** Draw an option on an element (reusing its chart), and route clicks to onClick(params). */
export function mount(el, option, onClick) {
  if (!chartsAvailable()) {
    el.classList.add("chart-off");
    el.textContent = t("err.chart_off");
    return null;
  }
  const chart = window.echarts.getInstanceByDom(el) ?? window.echarts.init(el, null, { renderer: "canvas" });
  const common = { textStyle: { fontFamily: FONT }, animationDuration: 500 };
  const full = option.baseOption ? { ...option, baseOption: { ...common, ...option.baseOption } } : { ...common, ...option };
  chart.setOption(full, { notMerge: true });
  chart.off("click");
  if (onClick) chart.on("click", onClick);
  if (!observed.has(el)) {
    new ResizeObserver(() => chart.resize()).observe(el);
    observed.add(el);
  }
  return chart;
}

/** Route a click anywhere in a category chart's grid (not only on a bar or a dot) to onIndex(index). */
export function onGridClick(chart, onIndex) {
  if (!chart) return;
  const zr = chart.getZr();
  zr.off("click");
  zr.on("click", (event) => {
    const at = [event.offsetX, event.offsetY];
    if (!chart.containPixel("grid", at)) return;
    const point = chart.convertFromPixel({ gridIndex: 0 }, at);
    const index = Array.isArray(point) ? Math.round(point[0]) : NaN;
    if (Number.isInteger(index)) onIndex(index);
  });
}

// At a phone's width (ECharts media queries follow the chart's own size, on every resize).
const NARROW = { maxWidth: 440 };
const responsive = (baseOption, narrow) => ({ baseOption, media: [{ query: NARROW, option: narrow }] });

const percent = (r) => (r === null || r === undefined ? null : Math.round(r * 1000) / 10);
const tooltip = (extra = {}) => ({ renderMode: "richText", confine: true, ...extra });
const fade = (hex) => ({
  type: "linear",
  x: 0,
  y: 0,
  x2: 0,
  y2: 1,
  colorStops: [
    { offset: 0, color: `${hex}40` },
    { offset: 1, color: `${hex}00` },
  ],
});

function line(name, data, color, area = false) {
  return {
    name,
    type: "line",
    smooth: true,
    data,
    symbolSize: 7,
    yAxisIndex: 0,
    lineStyle: { width: 3, color },
    itemStyle: { color },
    areaStyle: area ? { color: fade(color) } : null,
    tooltip: { valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v.toFixed(1)}%`) },
  };
}

/** Twelve months: children as bars, archive, coverage and compliance as lines (percent). */
export function trendOption(trend) {
  const narrow = {
    grid: { top: 64 },
    legend: { itemGap: 8, textStyle: { fontSize: 11 } },
    series: [{}, { symbolSize: 4 }, { symbolSize: 4 }, { symbolSize: 4 }],
  };
  return responsive(trendBase(trend), narrow);
}

function trendBase(trend) {
  return {
    grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
    legend: { top: 0, left: "center", icon: "roundRect", itemWidth: 14, itemHeight: 8 },
    tooltip: tooltip({ trigger: "axis" }),
    xAxis: {
      type: "category",
      data: trend.map((f) => monthShort(f.month)),
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: COLORS.grid } },
      axisLabel: { color: "#475569" },
      triggerEvent: true,
    },
    yAxis: [
      {
        type: "value",
        min: 0,
        max: 100,
        axisLabel: { formatter: "{value}%", color: "#64748b" },
        splitLine: { lineStyle: { type: "dashed", color: COLORS.grid } },
      },
      { type: "value", minInterval: 1, splitLine: { show: false }, axisLabel: { color: "#94a3b8" } },
    ],
    series: [
      {
        name: t("series.children"),
        type: "bar",
        yAxisIndex: 1,
        data: trend.map((f) => f.children),
        barWidth: "46%",
        itemStyle: { color: "#dbe4ff", borderRadius: [4, 4, 0, 0] },
        tooltip: { valueFormatter: (v) => num(v) },
      },
      line(t("series.coverage"), trend.map((f) => percent(f.coverage)), COLORS.teal, true),
      line(t("series.compliance"), trend.map((f) => percent(f.compliance)), COLORS.blue),
      line(t("series.archive"), trend.map((f) => percent(f.archive_rate)), COLORS.amber),
    ],
  };
}

/** The colour of a share: red below 60 %, amber below 85 %, green above. */
export function shareColor(r) {
  if (r === null || r === undefined) return COLORS.slate;
  if (r < 0.6) return COLORS.red;
  if (r < 0.85) return COLORS.amber;
  return COLORS.green;
}

/** Sub-units as horizontal bars on one metric (already sorted, best first). */
export function rankOption(rows, metric) {
  const narrow = { xAxis: { splitNumber: 2 }, yAxis: { axisLabel: { width: 84 } } };
  return responsive(rankBase(rows, metric), narrow);
}

function rankBase(rows, metric) {
  const share = metric.share;
  return {
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: tooltip({ trigger: "item" }),
    xAxis: {
      type: "value",
      max: share ? 100 : null,
      minInterval: share ? null : 1,
      axisLabel: { formatter: share ? "{value}%" : "{value}", color: "#64748b" },
      splitLine: { lineStyle: { type: "dashed", color: COLORS.grid } },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: rows.map((r) => r.unit.name),
      axisLabel: { width: 120, overflow: "truncate", color: COLORS.ink },
      axisTick: { show: false },
      axisLine: { lineStyle: { color: COLORS.grid } },
      triggerEvent: true,
    },
    series: [
      {
        type: "bar",
        name: t(metric.label),
        barMaxWidth: 22,
        data: rows.map((r) => {
          const raw = metric.value(r.figures);
          return {
            value: share ? percent(raw) : raw,
            itemStyle: { color: share ? shareColor(raw) : metric.color, borderRadius: [0, 6, 6, 0] },
          };
        }),
        label: {
          show: true,
          position: "right",
          color: COLORS.ink,
          formatter: (p) => (share ? pct(metric.value(rows[p.dataIndex].figures)) : num(p.value)),
        },
        tooltip: { valueFormatter: (v) => (share ? (v === null ? "—" : `${v.toFixed(1)}%`) : num(v)) },
      },
    ],
  };
}

function donut(entries, colors, family) {
  const narrow = {
    series: [{ radius: ["36%", "66%"], label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: 600 } }],
  };
  return responsive(donutBase(entries, colors, family), narrow);
}

function donutBase(entries, colors, family) {
  const data = entries.map(([code, n]) => ({
    name: term(family, code),
    value: n,
    code,
    itemStyle: { color: colors[code] ?? COLORS.slate },
  }));
  return {
    tooltip: tooltip({ trigger: "item" }),
    legend: { bottom: 0, icon: "circle", itemWidth: 10, itemHeight: 10 },
    series: [
      {
        type: "pie",
        radius: ["38%", "60%"],
        center: ["50%", "44%"],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: "#fff", borderWidth: 3, borderRadius: 6 },
        label: { formatter: "{b}\n{c}", color: COLORS.ink, lineHeight: 16, overflow: "none", edgeDistance: 4 },
        labelLine: { length: 8, length2: 8 },
        data,
      },
    ],
  };
}

/** Risk levels, high first. */
export function riskOption(risk) {
  const order = ["high", "medium", "low"];
  const entries = Object.entries(risk).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  return donut(entries, RISK_COLORS, "risk");
}

/** Left-behind types. */
export function typeOption(types) {
  return donut(Object.entries(types), TYPE_COLORS, "lbt");
}

/** Guardian situations as bars (the seed's mix: grandparents, nobody, other relatives). */
export function guardianOption(guardians) {
  const order = ["grandparent", "relative", "none", "other"];
  const entries = Object.entries(guardians).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  return {
    grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
    tooltip: tooltip({ trigger: "item" }),
    xAxis: {
      type: "category",
      data: entries.map(([code]) => term("guardian", code)),
      axisTick: { show: false },
      axisLine: { lineStyle: { color: COLORS.grid } },
      axisLabel: { interval: 0, color: COLORS.ink },
    },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { type: "dashed", color: COLORS.grid } } },
    series: [
      {
        type: "bar",
        barMaxWidth: 44,
        data: entries.map(([code, n]) => ({
          value: n,
          code,
          itemStyle: { color: GUARDIAN_COLORS[code] ?? COLORS.slate, borderRadius: [6, 6, 0, 0] },
        })),
        label: { show: true, position: "top", color: COLORS.ink },
      },
    ],
  };
}

/** Each duty this month: met and not yet met, stacked, the rate at the end. */
export function dutyOption(duties) {
  const narrow = { xAxis: { splitNumber: 3 }, yAxis: { axisLabel: { width: 96 } } };
  return responsive(dutyBase(duties), narrow);
}

function dutyBase(duties) {
  return {
    grid: { left: 8, right: 64, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, icon: "roundRect", itemWidth: 14, itemHeight: 8 },
    tooltip: tooltip({ trigger: "axis", axisPointer: { type: "shadow" } }),
    xAxis: {
      type: "value",
      minInterval: 1,
      axisLabel: { hideOverlap: true },
      splitLine: { lineStyle: { type: "dashed", color: COLORS.grid } },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: duties.map((d) => term("duty", d.duty)),
      axisLabel: { width: 130, overflow: "break", color: COLORS.ink, lineHeight: 14 },
      axisTick: { show: false },
    },
    series: [
      {
        name: t("series.met"),
        type: "bar",
        stack: "due",
        barMaxWidth: 22,
        data: duties.map((d) => d.met),
        itemStyle: { color: COLORS.green },
      },
      {
        name: t("series.unmet"),
        type: "bar",
        stack: "due",
        barMaxWidth: 22,
        data: duties.map((d) => d.due - d.met),
        itemStyle: { color: COLORS.amber, borderRadius: [0, 6, 6, 0] },
        label: {
          show: true,
          position: "right",
          color: COLORS.ink,
          formatter: (p) => pct(duties[p.dataIndex].rate),
        },
      },
    ],
  };
}

/** A KPI card's twelve-month sparkline (silent: a click is the card's). */
export function sparkOption(values, color) {
  return {
    animation: false,
    grid: { left: 0, right: 0, top: 4, bottom: 2 },
    xAxis: { type: "category", show: false, boundaryGap: false, data: values.map((_, i) => i) },
    yAxis: { type: "value", show: false, scale: true },
    series: [
      {
        type: "line",
        data: values,
        smooth: true,
        symbol: "none",
        silent: true,
        lineStyle: { width: 2, color },
        areaStyle: { color: fade(color) },
      },
    ],
  };
}
