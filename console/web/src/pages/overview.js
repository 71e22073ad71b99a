import { t, statusName } from "../i18n.js";
import { get } from "../api.js";
import { bars, gauge, lines, pie } from "../charts.js";
import { card, errorText, h, message, num, section, table, when } from "../ui.js";

// The API's hours are UTC ("2026-12-01T23"): shown in this browser's time, as its team reads a clock
// (China's +8 is whole hours, so each bar is still one local hour).
function localHour(utcHour) {
  const at = new Date(`${utcHour}:00:00Z`);
  return Number.isNaN(at.getTime()) ? `${utcHour.slice(11)}:00` : `${String(at.getHours()).padStart(2, "0")}:00`;
}

const KPI_PLACES = { avg_processing_seconds: 3, manual_intervention_pct: 2, order_error_pct: 2, cost_per_order: 2, peak_orders_per_second: 0, automation_pct: 2 };
const FLOW_COLUMNS = ["health", "automation_pct", "manual_intervention_pct", "cost_per_order", "packages_per_order", "o2o_p50_seconds", "o2o_p95_seconds"];

function flowTable(kind, rows) {
  const label = (key) => (key === "health" ? t("health_index") : t(`kpi_${key}`));
  return table(
    [{ key: "name", label: t(kind) }, ...FLOW_COLUMNS.map((key) => ({ key, label: label(key), cell: (row) => num(row[key]) }))],
    Object.entries(rows).map(([name, values]) => ({ name, ...values })),
    { attributes: { "data-table": kind } },
  );
}

function kpiTable(kpis) {
  const direction = (d) => (d === "no data" ? t("no_data") : t(d));
  return table(
    [
      { key: "name", label: t("kpi"), cell: (k) => t(`kpi_${k.name}`) },
      { key: "baseline", label: t("baseline"), cell: (k) => num(k.baseline) },
      { key: "target", label: t("target"), cell: (k) => num(k.target) },
      { key: "today", label: t("today"), cell: (k) => h("span", { class: k.meets_target === null ? "" : k.meets_target ? "good" : "bad", "data-kpi": k.name }, num(k.today, k.today === null ? undefined : KPI_PLACES[k.name])) },
      { key: "period", label: t("window_value"), cell: (k) => num(k.period, k.period === null ? undefined : KPI_PLACES[k.name]) },
      { key: "anchor", label: t("anchor"), cell: (k) => (k.anchor ? h("span", { class: k.anchor_met ? "good" : "bad" }, `${document.documentElement.lang === "en" ? k.anchor.name : k.anchor.name_zh}: ${k.anchor.target} (${k.anchor.by}) — ${k.anchor_met === null ? t("no_data") : k.anchor_met ? t("met") : t("not_met")}`) : "—") },
      { key: "trend", label: t("trend"), cell: (k) => direction(k.direction) },
    ],
    kpis,
    { attributes: { "data-table": "kpis" } },
  );
}

function perDimension(kind, rows) {
  const keys = ["automation_pct", "manual_intervention_pct", "order_error_pct", "cost_per_order", "avg_processing_seconds", "packages_per_order"];
  return table(
    [{ key: "name", label: t(kind === "by_ruleset" ? "version" : "strategy") }, ...keys.map((key) => ({ key, label: t(`kpi_${key}`), cell: (row) => num(row[key]) }))],
    Object.entries(rows).map(([name, values]) => ({ name, ...values })),
    { attributes: { "data-table": kind } },
  );
}

export async function overviewPage() {
  let data, kpis;
  try {
    [data, kpis] = await Promise.all([get("/operations/overview"), get("/operations/kpis")]);
  } catch (error) {
    return message(errorText(error), "error");
  }
  const health = data.health;
  const stuckTotal = Object.values(data.stuck_by_status).reduce((a, b) => a + Number(b), 0);
  const openTotal = Object.values(data.open_by_status).reduce((a, b) => a + Number(b), 0);
  const today = data.today.all;
  const figure = (name, label, value) => card(label, h("span", { "data-figure": name }, value));
  const minutes = data.health_history.minutes;
  const days = data.health_history.days;
  const channels = Object.keys(data.orders_per_hour.by_channel);
  return h(
    "div",
    { class: "overview" },
    h("p", { class: "muted" }, `${t("generated_at")} ${when(data.generated_at)}`),
    h(
      "div",
      { class: "row" },
      h("div", { class: "panel gauge-panel" }, h("h2", {}, t("health_index")), gauge(health.index, t("health_now")), h("div", { class: "big", "data-figure": "health_index" }, num(health.index))),
      h(
        "div",
        { class: "cards" },
        figure("open_orders", t("open_orders"), openTotal),
        figure("stuck_orders", t("stuck_orders"), stuckTotal),
        figure("exceptions", t("exceptions"), data.exceptions),
        figure("backorders", t("backorders"), data.backorders),
        figure("received_today", t("received_today"), data.today.received),
        figure("o2o_p50", t("o2o_p50"), today.o2o_p50_seconds === null ? t("no_data") : `≤ ${num(today.o2o_p50_seconds)} s`),
        figure("o2o_p95", t("o2o_p95"), today.o2o_p95_seconds === null ? t("no_data") : `≤ ${num(today.o2o_p95_seconds)} s`),
        figure("automation_rate", t("automation_rate"), today.automation_pct === null ? t("no_data") : `${num(today.automation_pct)} %`),
        figure("manual_rate", t("manual_rate"), today.manual_intervention_pct === null ? t("no_data") : `${num(today.manual_intervention_pct)} %`),
        figure("cost_per_order", t("cost_per_order"), today.cost_per_order === null ? t("no_data") : `¥ ${num(today.cost_per_order)}`),
        figure("packages_per_order", t("packages_per_order"), num(today.packages_per_order)),
      ),
    ),
    h(
      "div",
      { class: "row" },
      section(t("health_history_minutes"), lines(minutes.map((m) => m.at.slice(11)), [{ name: t("health_index"), data: minutes.map((m) => Number(m.index)) }], { name: "health-minutes", min: 0, max: 100 })),
      section(t("health_history_days"), lines(days.map((d) => d.day), [{ name: t("today"), data: days.map((d) => Number(d.last)) }, { name: t("worst"), data: days.map((d) => Number(d.worst)) }], { name: "health-days", min: 0, max: 100 })),
    ),
    h(
      "div",
      { class: "row" },
      section(t("orders_per_hour"), bars(data.orders_per_hour.hours.map(localHour), channels.map((c) => ({ name: c, data: data.orders_per_hour.by_channel[c] })), { stacked: true, name: "orders-per-hour" })),
      section(t("status_counts"), bars(Object.keys(data.open_by_status).map(statusName), [{ name: t("open_orders"), data: Object.values(data.open_by_status).map(Number) }], { name: "status-counts" })),
    ),
    h(
      "div",
      { class: "row" },
      section(t("stuck_by_status"), Object.keys(data.stuck_by_status).length ? bars(Object.keys(data.stuck_by_status).map(statusName), [{ name: t("stuck_orders"), data: Object.values(data.stuck_by_status).map(Number) }], { name: "stuck-by-status" }) : h("p", { class: "muted" }, "0")),
      section(t("holds_by_age"), pie(Object.entries(data.holds_by_age).map(([k, v]) => [t(k), Number(v)]), { name: "holds-by-age" })),
      section(t("today_by_status"), bars(Object.keys(data.today_by_status).map(statusName), [{ name: t("today"), data: Object.values(data.today_by_status).map(Number) }], { name: "today-by-status" })),
    ),
    section(t("kpis_title"), kpiTable(kpis.kpis)),
    h("div", { class: "row" }, section(t("by_channel"), flowTable("channel", data.today.by_channel)), section(t("by_warehouse"), flowTable("warehouse", data.today.by_warehouse))),
    h("div", { class: "row" }, section(t("by_ruleset"), perDimension("by_ruleset", kpis.by_ruleset)), section(t("by_policy"), perDimension("by_policy", kpis.by_policy))),
  );
}
