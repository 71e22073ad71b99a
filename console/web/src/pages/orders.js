import { STATUSES, statusName, t } from "../i18n.js";
import { get, post } from "../api.js";
import { ask, dayBound, errorText, fmt, h, message, num, orderLink, section, table, when } from "../ui.js";
import { afterSalesSections, loadAfterSales } from "./aftersales.js";

const CHANNELS = ["own_shop", "erp", "shopify", "tmall", "jd", "douyin", "partner"];

function orderTable(orders) {
  return table(
    [
      { key: "order_id", label: t("order_id"), cell: (o) => orderLink(o.order_id) },
      { key: "channel", label: t("channel"), cell: (o) => o.order.channel },
      { key: "external_id", label: t("external_id"), cell: (o) => o.order.external_id },
      { key: "status", label: t("status"), cell: (o) => h("span", { class: `status s-${o.status}` }, statusName(o.status)) },
      { key: "buyer", label: t("buyer"), cell: (o) => o.order.buyer.buyer_id },
      { key: "created_at", label: t("created_at"), cell: (o) => when(o.created_at) },
      { key: "updated_at", label: t("updated_at"), cell: (o) => when(o.updated_at) },
    ],
    orders,
    { empty: t("no_orders"), attributes: { "data-table": "orders" } },
  );
}

export async function ordersPage() {
  const field = (name, attributes = {}) => h("input", { name, "data-field": name, ...attributes });
  const q = field("q", { placeholder: t("search_hint") });
  const buyer = field("buyer");
  const phone = field("phone_last4", { maxlength: 4, pattern: "\\d{4}" });
  const from = field("created_from", { type: "date" });
  const to = field("created_to", { type: "date" });
  const channel = h("select", { name: "channel", "data-field": "channel" }, h("option", { value: "" }, t("any")), CHANNELS.map((c) => h("option", { value: c }, c)));
  const status = h("select", { name: "status", "data-field": "status" }, h("option", { value: "" }, t("any")), STATUSES.map((s) => h("option", { value: s }, statusName(s))));
  const results = h("div", { "data-results": "" });
  const title = h("h2", {}, t("newest_orders"));
  let nextToken = null;
  let asked = 0; // the search asked last is the one shown (an earlier one answering later is dropped)

  async function run(append = false) {
    const ticket = ++asked;
    const params = new URLSearchParams();
    for (const [name, input] of [["q", q], ["buyer", buyer], ["phone_last4", phone], ["channel", channel], ["status", status]]) if (input.value.trim()) params.set(name, input.value.trim());
    if (from.value) params.set("created_from", dayBound(from.value));
    if (to.value) params.set("created_to", dayBound(to.value, true));
    if (append && nextToken) params.set("next_token", nextToken);
    title.textContent = params.toString() ? t("results") : t("newest_orders");
    if (!append) results.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      const page = await get(`/operations/orders?${params}`);
      if (ticket !== asked) return;
      nextToken = page.next_token;
      const more = nextToken ? h("button", { class: "secondary", "data-action": "more", onclick: () => run(true) }, t("more")) : null;
      if (append) results.querySelector("[data-action=more]")?.remove();
      const rendered = orderTable(page.orders);
      if (append && rendered.tagName === "TABLE") results.querySelector("tbody")?.append(...rendered.querySelectorAll("tbody tr"));
      else results.replaceChildren(rendered);
      if (more) results.append(more);
    } catch (error) {
      if (ticket === asked) results.replaceChildren(message(errorText(error), "error"));
    }
  }

  const form = h(
    "form",
    { class: "search", onsubmit: (event) => { event.preventDefault(); run(); } },
    h("label", {}, t("search_hint"), q),
    h("label", {}, t("channel"), channel),
    h("label", {}, t("status"), status),
    h("label", {}, t("buyer"), buyer),
    h("label", {}, t("phone_last4"), phone),
    h("label", {}, t("date_from"), from),
    h("label", {}, t("date_to"), to),
    h("button", { type: "submit", "data-action": "search" }, t("search")),
  );
  run();
  return h("div", {}, section(t("search"), form), h("section", { class: "panel" }, title, results));
}

function costExplanation(timeline) {
  const routed = [...timeline].reverse().find((e) => e.kind === "transition" && e.to_status === "ROUTED");
  const decision = routed && routed.details && routed.details.decision;
  if (!decision) return h("p", { class: "muted" }, t("no_data"));
  const money = (v) => `¥ ${num(v)}`;
  return h(
    "div",
    { "data-section": "cost-explanation" },
    h("p", {}, `${t("strategy")}: ${decision.strategy} · ${t("objective")}: ${decision.objective.join(" → ")} · ${t("total_cost")}: ${money(decision.chosen.total_cost)} (${t("extra_package_penalty")}: ${money(decision.chosen.extra_package_penalty)})`),
    table(
      [
        { key: "warehouse_id", label: t("warehouse") },
        { key: "carrier", label: t("carrier") },
        { key: "zone", label: t("zone") },
        { key: "billed_kg", label: t("billed_kg") },
        { key: "handling", label: t("handling"), cell: (c) => money(c.handling) },
        { key: "first_kg", label: t("first_kg"), cell: (c) => money(c.first_kg) },
        { key: "additional_kg", label: t("additional_kg"), cell: (c) => money(c.additional_kg) },
        { key: "late_penalty", label: t("late_penalty"), cell: (c) => money(c.late_penalty) },
        { key: "total", label: t("package_cost"), cell: (c) => money(c.total) },
      ],
      decision.chosen.costs || [],
      { attributes: { "data-table": "package-costs" } },
    ),
    h("h3", {}, t("runners_up")),
    table(
      [
        { key: "warehouses", label: t("warehouse"), cell: (r) => r.warehouses.join(" + ") },
        { key: "total_cost", label: t("total_cost"), cell: (r) => money(r.total_cost) },
        { key: "why_not", label: t("why_not") },
      ],
      decision.runners_up || [],
      { attributes: { "data-table": "runners-up" } },
    ),
    (decision.excluded || []).length ? h("p", { class: "muted" }, `${t("excluded")}: ${decision.excluded.map((x) => `${x.warehouse_id} (${x.reason})`).join("; ")}`) : null,
  );
}

export async function orderPage(orderId) {
  let details;
  const afterSales = loadAfterSales(orderId); // read beside the order: the page shows both at once
  try {
    details = await get(`/orders/${encodeURIComponent(orderId)}`);
  } catch (error) {
    return message(errorText(error), "error");
  }
  const sales = await afterSales;
  const { order, timeline, outbound_notes: notes } = details;
  const content = order.order;
  const result = h("div", { "data-result": "" });
  const receiver = content.receiver || {};
  const plan = order.plan;

  async function act(kind) {
    const values = await ask(kind === "cancel" ? t("cancel_order") : t("retry"));
    if (!values) return;
    try {
      const path = `/orders/${encodeURIComponent(orderId)}/${kind}`;
      const answer = await post(path, kind === "cancel" ? { reason: values.reason, operator: "console" } : { reason: values.reason });
      result.replaceChildren(message(`${t("result")}: ${t("done")} — ${JSON.stringify(answer)}`, "good"));
    } catch (error) {
      result.replaceChildren(message(errorText(error), "error"));
    }
  }

  return h(
    "div",
    { class: "order", "data-order-id": orderId },
    h("a", { href: "#/orders" }, `← ${t("back")}`),
    h("h1", {}, `${t("order")} ${orderId} `, h("span", { class: `status s-${order.status}`, "data-status": order.status }, statusName(order.status))),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("channel")), h("dd", {}, content.channel),
      h("dt", {}, t("external_id")), h("dd", {}, content.external_id),
      h("dt", {}, t("buyer")), h("dd", {}, `${content.buyer.buyer_id} ${content.buyer.name || ""}`),
      h("dt", {}, t("receiver")), h("dd", {}, [receiver.name, receiver.phone, receiver.province, receiver.city, receiver.district, receiver.detail].filter(Boolean).join(" ")),
      h("dt", {}, t("created_at")), h("dd", {}, when(order.created_at)),
      order.merge_id ? h("dt", {}, t("merge_record")) : null,
      order.merge_id ? h("dd", {}, h("a", { href: "#/merges", "data-merge": order.merge_id }, order.merge_id)) : null,
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { "data-action": "cancel-order", onclick: () => act("cancel") }, t("cancel_order")),
      order.status === "EXCEPTION" ? h("button", { "data-action": "retry-order", onclick: () => act("retry") }, t("retry")) : null,
    ),
    result,
    section(t("lines"), table([{ key: "sku", label: t("sku") }, { key: "quantity", label: t("quantity") }, { key: "unit_price", label: t("unit_price"), cell: (l) => fmt(l.unit_price) }], content.lines, { attributes: { "data-table": "lines" } })),
    section(
      t("plan"),
      plan
        ? h(
            "div",
            {},
            h("p", {}, `${t("strategy")}: ${plan.strategy} · ${t("total_cost")}: ¥ ${num(plan.total_cost)}`),
            table(
              [
                { key: "warehouse_id", label: t("warehouse") },
                { key: "distance_km", label: t("distance_km"), cell: (s) => num(s.distance_km, 1) },
                { key: "carrier", label: t("carrier") },
                { key: "cost", label: t("package_cost"), cell: (s) => `¥ ${num(s.cost)}` },
                { key: "lines", label: t("lines"), cell: (s) => s.lines.map((l) => `${l.sku}×${l.quantity}`).join(", ") },
              ],
              plan.shipments,
              { attributes: { "data-table": "plan" } },
            ),
            h("h3", {}, t("cost_explanation")),
            costExplanation(timeline),
          )
        : h("p", { class: "muted" }, t("no_plan")),
    ),
    section(
      t("outbound_notes"),
      table(
        [
          { key: "note_id", label: t("note_id") },
          { key: "warehouse_id", label: t("warehouse") },
          { key: "state", label: t("state") },
          { key: "tracking_number", label: t("tracking"), cell: (n) => [n.carrier, n.tracking_number].filter(Boolean).join(" ") || "—" },
          { key: "created_at", label: t("created_at"), cell: (n) => when(n.created_at) },
        ],
        notes,
        { attributes: { "data-table": "notes" } },
      ),
    ),
    afterSalesSections(orderId, sales),
    section(
      t("timeline"),
      table(
        [
          { key: "at", label: t("at"), cell: (e) => when(e.at) },
          { key: "change", label: t("from_to"), cell: (e) => (e.kind === "note" ? `${statusName(e.to_status)} (${t("timeline_note")})` : `${e.from_status ? statusName(e.from_status) : "∅"} → ${statusName(e.to_status)}`) },
          { key: "cause", label: t("cause") },
          { key: "actor", label: t("actor"), cell: (e) => `${e.actor.kind}: ${e.actor.name}` },
          { key: "details", label: t("details"), cell: (e) => (Object.keys(e.details || {}).length ? h("details", {}, h("summary", {}, t("details")), h("pre", {}, JSON.stringify(e.details, null, 2))) : "") },
        ],
        timeline,
        { attributes: { "data-table": "timeline" } },
      ),
    ),
  );
}
