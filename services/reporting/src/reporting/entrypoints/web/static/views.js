// The dashboard's panels, drawn from one unit's KPIs and its sub-units' figures.
// `act.open(figure)` opens the children behind a figure; `act.drill(unit)` shows a sub-unit's dashboard.

import {
  chartsAvailable,
  COLORS,
  dutyOption,
  guardianOption,
  mount,
  onGridClick,
  rankOption,
  riskOption,
  sparkOption,
  trendOption,
  typeOption,
} from "./charts.js";
import { byId, clickable, fill, h } from "./dom.js";
import { monthShort, num, pct, t, term } from "./i18n.js";

// A figure that counts children (so its list's length is the figure) or windows and tasks (not).
const COUNTS_CHILDREN = new Set(["all", "paired", "unpaired", "archive_complete", "archive_incomplete"]);

/** A figure's description for the children list. */
export function figure(unit, month, code, { duty = null, count = null } = {}) {
  const childCount = COUNTS_CHILDREN.has(code) || code.includes(":") ? count : null;
  return { unitId: unit.unit_id, unitName: unit.name, month, figure: code, duty, count: childCount };
}

/** The list's title for a figure. */
export function figureLabel(code, duty) {
  let label;
  if (code.includes(":")) {
    const [family, value] = code.split(":");
    const terms = { type: "lbt", guardian: "guardian", risk: "risk" };
    label = t(`fig.${family}`, { v: term(terms[family], value) });
  } else {
    label = t(`fig.${code}`);
  }
  return duty ? `${label} · ${term("duty", duty)}` : label;
}

const KPIS = [
  {
    key: "children",
    color: COLORS.blue,
    value: (k) => k.children,
    text: num,
    spark: (f) => f.children,
    open: "all",
    count: (k) => k.children,
    foot: () => [{ text: t("kpi.children_hint") }],
  },
  {
    key: "archive",
    color: COLORS.amber,
    share: true,
    good: true,
    value: (k) => k.archive_rate,
    spark: (f) => f.archive_rate,
    open: "archive_incomplete",
    count: (k) => k.children - k.archive_complete,
    foot: (k) => [
      { text: t("kpi.complete", { n: num(k.archive_complete) }), figure: "archive_complete", count: k.archive_complete },
      { text: t("kpi.incomplete", { n: num(k.children - k.archive_complete) }), figure: "archive_incomplete", count: k.children - k.archive_complete },
    ],
  },
  {
    key: "coverage",
    color: COLORS.teal,
    share: true,
    good: true,
    value: (k) => k.coverage,
    spark: (f) => f.coverage,
    open: "unpaired",
    count: (k) => k.unpaired,
    foot: (k) => [
      { text: t("kpi.paired", { n: num(k.paired) }), figure: "paired", count: k.paired },
      { text: t("kpi.unpaired", { n: num(k.unpaired) }), figure: "unpaired", count: k.unpaired },
    ],
  },
  {
    key: "compliance",
    color: COLORS.green,
    share: true,
    good: true,
    value: (k) => k.compliance.rate,
    spark: (f) => f.compliance,
    open: "unmet",
    foot: (k) => [
      { text: t("kpi.met", { n: num(k.compliance.met) }), figure: "met" },
      { text: t("kpi.unmet", { n: num(k.compliance.due - k.compliance.met) }), figure: "unmet" },
      { text: t("kpi.missed", { n: num(k.compliance.missed) }), figure: "missed", alert: k.compliance.missed > 0 },
    ],
  },
  {
    key: "tasks_open",
    color: COLORS.violet,
    bad: true,
    value: (k) => k.tasks_open,
    text: num,
    spark: (f) => f.tasks_open,
    open: "tasks_open",
    foot: () => [{ text: t("kpi.tasks_hint") }],
  },
  {
    key: "tasks_overdue",
    color: COLORS.red,
    bad: true,
    value: (k) => k.tasks_overdue,
    text: num,
    spark: (f) => f.tasks_overdue,
    open: "tasks_overdue",
    foot: () => [{ text: t("kpi.overdue_hint") }],
  },
  {
    key: "risk_high",
    color: COLORS.red,
    bad: true,
    value: (k) => k.risk.high ?? 0,
    text: num,
    spark: (f) => f.risk_high,
    open: "risk:high",
    count: (k) => k.risk.high ?? 0,
    foot: (k) => [{ text: t("kpi.medium", { n: num(k.risk.medium ?? 0) }), figure: "risk:medium", count: k.risk.medium ?? 0 }],
  },
  {
    key: "no_guardian",
    color: "#e11d48",
    bad: true,
    value: (k) => k.by_guardian.none ?? 0,
    text: num,
    ofChildren: true,
    open: "guardian:none",
    count: (k) => k.by_guardian.none ?? 0,
    foot: (k) => [{ text: t("kpi.of_children", { p: pct(k.children ? (k.by_guardian.none ?? 0) / k.children : null) }) }],
  },
];
const LABEL = {
  children: "kpi.children",
  archive: "kpi.archive",
  coverage: "kpi.coverage",
  compliance: "kpi.compliance",
  tasks_open: "kpi.tasks_open",
  tasks_overdue: "kpi.tasks_overdue",
  risk_high: "kpi.risk_high",
  no_guardian: "kpi.no_guardian",
};

function delta(def, k) {
  if (!def.spark) return null;
  const [prev, cur] = k.trend.slice(-2).map(def.spark);
  if (prev === null || prev === undefined || cur === null || cur === undefined) return null;
  const d = def.share ? Math.round((cur - prev) * 1000) / 10 : cur - prev;
  if (d === 0) return null;
  const sign = d > 0 ? "+" : "−";
  const size = def.share ? t("kpi.pts", { n: Math.abs(d).toFixed(1) }) : num(Math.abs(d));
  const better = def.good ? d > 0 : def.bad ? d < 0 : null;
  const tone = better === null ? "neutral" : better ? "better" : "worse";
  return h("span", { class: `kpi-delta ${tone}` }, t("kpi.vs_last", { delta: `${sign}${size}` }));
}

/** The KPI cards: value, change on last month, twelve-month sparkline, and the figures they open. */
export function renderKpis(k, act) {
  const cards = KPIS.map((def) => {
    const value = def.value(k);
    const count = def.count ? def.count(k) : null; // the children the card's list holds, when it counts them
    const foot = def.foot(k).map((item) =>
      item.figure
        ? h(
            "button",
            {
              class: `kpi-link${item.alert ? " alert" : ""}`,
              type: "button",
              dataset: { figure: item.figure },
              onclick: (event) => {
                event.stopPropagation();
                act.open(figure(k.unit, k.month, item.figure, { count: item.count ?? null }));
              },
            },
            item.text,
          )
        : h("span", { class: "kpi-hint" }, item.text),
    );
    const spark = def.spark ? h("div", { class: "kpi-spark", "aria-hidden": "true" }) : null;
    const share = def.share ? value : def.ofChildren && k.children ? value / k.children : null;
    const meter = share === null ? null : h("div", { class: "meter" }, h("span"));
    if (meter) meter.firstChild.style.width = `${Math.round((share ?? 0) * 100)}%`;
    const card = h(
      "article",
      {
        class: `kpi kpi-${def.key}${def.bad && value > 0 ? " is-alert" : ""}`,
        role: "button",
        tabindex: "0",
        dataset: { kpi: def.key, value: value === null ? "" : String(value), figure: def.open },
      },
      h("div", { class: "kpi-top" }, h("span", { class: "kpi-label" }, t(LABEL[def.key])), delta(def, k)),
      h("div", { class: "kpi-value" }, def.share ? pct(value) : def.text(value)),
      meter,
      spark,
      h("div", { class: "kpi-foot" }, foot),
    );
    card.style.setProperty("--accent", def.color);
    clickable(card, () => act.open(figure(k.unit, k.month, def.open, { count })));
    return { card, spark, values: def.spark ? k.trend.map(def.spark) : [], color: def.color };
  });
  fill(byId("kpis"), cards.map((c) => c.card));
  for (const c of cards) {
    if (c.spark && chartsAvailable()) mount(c.spark, sparkOption(c.values, c.color));
    else c.spark?.remove(); // without the library the notice says so once, not on every card
  }
}

/** The twelve-month trend; a click on a month shows that month. */
export function renderTrend(k, act) {
  const labels = k.trend.map((f) => monthShort(f.month));
  const show = (index) => k.trend[index] && act.month(k.trend[index].month);
  const chart = mount(byId("chart-trend"), trendOption(k.trend), (p) => {
    if (p.componentType === "xAxis") show(labels.indexOf(p.value));
  });
  onGridClick(chart, show); // anywhere in a month's column, the lines' area included
}

export const RANK_METRICS = [
  { key: "coverage", label: "col.coverage", share: true, value: (f) => f.coverage },
  { key: "compliance", label: "col.compliance", share: true, value: (f) => f.compliance },
  { key: "archive", label: "col.archive", share: true, value: (f) => f.archive_rate },
  { key: "children", label: "col.children", value: (f) => f.children, color: COLORS.blue },
  { key: "tasks_overdue", label: "col.tasks_overdue", value: (f) => f.tasks_overdue, color: COLORS.red },
  { key: "risk_high", label: "col.risk_high", value: (f) => f.risk_high, color: COLORS.red },
];

// The sub-unit table's columns: the figure each shows and the children list each opens.
const COLUMNS = [
  { key: "children", label: "col.children", value: (f) => f.children, text: num, open: "all", count: (f) => f.children },
  { key: "archive", label: "col.archive", value: (f) => f.archive_rate, text: pct, open: "archive_incomplete", count: (f) => f.children - f.archive_complete },
  { key: "coverage", label: "col.coverage", value: (f) => f.coverage, text: pct, open: "unpaired", count: (f) => f.children - f.paired },
  { key: "compliance", label: "col.compliance", value: (f) => f.compliance, text: pct, open: "unmet" },
  { key: "tasks_open", label: "col.tasks_open", value: (f) => f.tasks_open, text: num, open: "tasks_open" },
  { key: "tasks_overdue", label: "col.tasks_overdue", value: (f) => f.tasks_overdue, text: num, open: "tasks_overdue" },
  { key: "risk_high", label: "col.risk_high", value: (f) => f.risk_high, text: num, open: "risk:high", count: (f) => f.risk_high },
];

function ranked(subs, metric) {
  const key = (s) => metric.value(s.figures);
  return [...subs].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return a.unit.code < b.unit.code ? -1 : 1;
    if (x === null) return 1;
    if (y === null) return -1;
    return y - x;
  });
}

/** Sub-units ranked on the chosen metric: bars and a table; a unit drills down, a number opens its list. */
export function renderRank(k, subs, rankKey, act) {
  const panel = byId("panel-rank");
  const none = byId("rank-none");
  panel.classList.toggle("is-empty", subs.length === 0);
  none.hidden = subs.length > 0;
  const metric = RANK_METRICS.find((m) => m.key === rankKey) ?? RANK_METRICS[0];
  fill(
    byId("rank-metrics"),
    RANK_METRICS.map((m) =>
      h(
        "button",
        {
          type: "button",
          class: `chip${m.key === metric.key ? " is-on" : ""}`,
          "aria-pressed": m.key === metric.key ? "true" : "false",
          dataset: { metric: m.key },
          onclick: () => act.rank(m.key),
        },
        t(m.label),
      ),
    ),
  );
  const rows = ranked(subs, metric);
  const chartEl = byId("chart-rank");
  chartEl.hidden = rows.length === 0;
  if (rows.length) {
    chartEl.style.height = `${Math.max(160, rows.length * 34 + 40)}px`;
    mount(chartEl, rankOption(rows, metric), (p) => {
      const index = p.componentType === "series" ? p.dataIndex : rows.findIndex((r) => r.unit.name === p.value);
      if (index >= 0) act.drill(rows[index].unit);
    });
  }
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, t("col.unit")),
    COLUMNS.map((c) => h("th", { scope: "col", class: "num" }, t(c.label))),
  );
  const body = rows.map((s) =>
    h(
      "tr",
      { dataset: { unitId: s.unit.unit_id } },
      h(
        "th",
        { scope: "row" },
        h("button", { type: "button", class: "unit-link", onclick: () => act.drill(s.unit) }, s.unit.name),
        h("span", { class: "kind" }, term("kind", s.unit.kind)),
      ),
      COLUMNS.map((c) => {
        const value = c.value(s.figures);
        const count = c.count ? c.count(s.figures) : null;
        return h(
          "td",
          { class: "num", dataset: { col: c.key, value: value === null ? "" : String(value) } },
          h(
            "button",
            {
              type: "button",
              class: "cell-link",
              title: figureLabel(c.open),
              onclick: () => act.open(figure(s.unit, k.month, c.open, { count })),
            },
            c.text(value),
          ),
        );
      }),
    ),
  );
  fill(byId("rank-table"), h("thead", {}, head), h("tbody", {}, body));
}

function chartOrEmpty(el, entries, option, onClick) {
  const empty = entries.every(([, n]) => !n);
  el.classList.toggle("is-empty", empty);
  el.dataset.empty = t("panel.empty");
  if (empty) {
    window.echarts?.getInstanceByDom(el)?.dispose();
    return;
  }
  mount(el, option, onClick);
}

/** Risk levels, left-behind types and guardians; a slice or bar opens its children. */
export function renderMix(k, act) {
  const open = (family) => (p) => {
    const code = p.data?.code;
    if (!code) return;
    act.open(figure(k.unit, k.month, `${family}:${code}`, { count: p.data.value }));
  };
  chartOrEmpty(byId("chart-risk"), Object.entries(k.risk), riskOption(k.risk), open("risk"));
  chartOrEmpty(byId("chart-type"), Object.entries(k.by_left_behind_type), typeOption(k.by_left_behind_type), open("type"));
  chartOrEmpty(byId("chart-guardian"), Object.entries(k.by_guardian), guardianOption(k.by_guardian), open("guardian"));
}

/** Each duty due this month: stacked bars and a table whose counts open the children. */
export function renderDuties(k, act) {
  const duties = k.compliance.by_duty;
  byId("duty-none").hidden = duties.length > 0;
  const chartEl = byId("chart-duty");
  chartEl.hidden = duties.length === 0;
  if (duties.length) {
    chartEl.style.height = `${Math.max(140, duties.length * 46 + 48)}px`;
    mount(chartEl, dutyOption(duties), (p) => {
      const d = duties[p.dataIndex];
      if (d) act.open(figure(k.unit, k.month, p.seriesIndex === 0 ? "met" : "unmet", { duty: d.duty }));
    });
  }
  const cell = (d, n, code) =>
    h(
      "td",
      { class: "num", dataset: { col: code } },
      code
        ? h(
            "button",
            { type: "button", class: "cell-link", onclick: () => act.open(figure(k.unit, k.month, code, { duty: d.duty })) },
            num(n),
          )
        : num(n),
    );
  const head = h(
    "tr",
    {},
    ["col.duty", "col.due", "col.met", "col.late", "col.missed", "col.unmet", "col.rate"].map((c, i) =>
      h("th", { scope: "col", class: i ? "num" : null }, t(c)),
    ),
  );
  const body = duties.map((d) =>
    h(
      "tr",
      { dataset: { duty: d.duty } },
      h("th", { scope: "row" }, term("duty", d.duty)),
      cell(d, d.due, null),
      cell(d, d.met, "met"),
      cell(d, d.late, null),
      cell(d, d.missed, "missed"),
      cell(d, d.due - d.met, "unmet"),
      h("td", { class: "num rate", dataset: { col: "rate", value: d.rate ?? "" } }, pct(d.rate)),
    ),
  );
  fill(byId("duty-table"), duties.length ? [h("thead", {}, head), h("tbody", {}, body)] : []);
}
