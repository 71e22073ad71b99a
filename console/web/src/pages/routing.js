// 路由模拟: a candidate routing policy (strategy, split limit, carrier rules) replayed on the last N
// stored orders against the policy in force, priced in yuan (POST /routing/whatif), the form filled
// from GET /routing/policy. Reads only: any signed-in group may run it; nothing changes in force.
import { t } from "../i18n.js";
import { get, post } from "../api.js";
import { card, errorText, h, message, num, orderLink, section, table } from "../ui.js";

const money = (v) => `¥ ${num(v, 2)}`;
const signed = (v) => (Number(v) > 0 ? `+${money(v)}` : money(v));

function candidateFrom(form, policy) {
  const candidate = {};
  if (form.strategy.value) candidate.strategy = form.strategy.value;
  if (form.maxPackages.value) candidate.max_packages = Number(form.maxPackages.value);
  const carriers = {};
  for (const w of policy.warehouses) {
    const chosen = policy.carriers.map((c) => c.carrier_id).filter((id) => form.carriers[w.warehouse_id][id].checked);
    const same = chosen.length === w.carriers.length && chosen.every((id) => w.carriers.includes(id));
    if (!same) carriers[w.warehouse_id] = chosen;
  }
  if (Object.keys(carriers).length) candidate.carriers = carriers;
  return candidate;
}

function plan(brief) {
  if (!brief) return h("span", { class: "muted" }, t("backordered_here"));
  return `${brief.warehouses.join(" + ")} · ${brief.packages} ${t("packages")} · ${money(brief.total_cost)}${brief.late_packages ? ` · ${t("late")} ${brief.late_packages}` : ""}`;
}

function report(answer) {
  const sides = [
    ["routed", (s) => String(s.routed)],
    ["backordered", (s) => String(s.backordered)],
    ["total_cost", (s) => money(s.total_cost)],
    ["cost_per_order", (s) => money(s.cost_per_order)],
    ["packages", (s) => String(s.packages)],
    ["late_orders", (s) => String(s.late_orders)],
    ["gap_to_optimum", (s) => `${num(Number(s.gap_to_optimum) * 100, 2)}%`],
  ];
  const warehouses = [...new Set([...Object.keys(answer.in_force.load), ...Object.keys(answer.candidate.load)])].sort();
  return h(
    "div",
    { "data-routing-whatif": answer.changed_count },
    h("p", { class: "muted", "data-whatif": "summary" }, `${t("candidate_policy")}: ${answer.candidate_description} · ${t("orders_replayed")}: ${answer.orders} · ${t("orders_compared")}: ${answer.compared}`),
    h(
      "div",
      { class: "cards" },
      card(t("cost_delta_total"), signed(answer.cost_delta_total), { "data-figure": "cost_delta_total" }),
      card(t("cost_delta_per_order"), signed(answer.cost_delta_per_order), { "data-figure": "cost_delta_per_order" }),
      card(t("orders_changed"), String(answer.changed_count), { "data-figure": "orders_changed" }),
    ),
    section(
      t("whatif_sides"),
      table(
        [
          { key: "label", label: "" },
          { key: "in_force", label: t("before") },
          { key: "candidate", label: t("after") },
        ],
        sides.map(([key, show]) => ({ label: t(`side_${key}`), in_force: show(answer.in_force), candidate: show(answer.candidate), key })),
        { attributes: { "data-table": "sides" }, rowAttributes: (row) => ({ "data-side": row.key }) },
      ),
      h("p", { class: "muted" }, t("whatif_sides_note")),
    ),
    section(
      t("load_per_warehouse"),
      table(
        [
          { key: "warehouse", label: t("warehouse") },
          { key: "in_force", label: t("before") },
          { key: "candidate", label: t("after") },
        ],
        warehouses.map((w) => ({ warehouse: w, in_force: answer.in_force.load[w] ?? 0, candidate: answer.candidate.load[w] ?? 0 })),
        { attributes: { "data-table": "load" }, rowAttributes: (row) => ({ "data-warehouse": row.warehouse }) },
      ),
    ),
    section(
      t("orders_that_change"),
      answer.changed_count > answer.changed.length ? message(`${t("changed_listed")}: ${answer.changed.length} / ${answer.changed_count}`) : null,
      table(
        [
          { key: "order_id", label: t("order_id"), cell: (c) => orderLink(c.order_id) },
          { key: "channel", label: t("channel") },
          { key: "external_id", label: t("external_id") },
          { key: "in_force", label: t("before"), cell: (c) => plan(c.in_force) },
          { key: "candidate", label: t("after"), cell: (c) => plan(c.candidate) },
          { key: "cost_delta", label: t("cost_delta"), cell: (c) => (c.cost_delta === null ? "—" : signed(c.cost_delta)) },
          { key: "explanation", label: t("explanation"), cell: (c) => c.explanation },
        ],
        answer.changed,
        { attributes: { "data-table": "changed" }, rowAttributes: (c) => ({ "data-changed": c.order_id }), empty: t("nothing_changes") },
      ),
    ),
  );
}

export async function routingPage() {
  let policy;
  try {
    policy = await get("/routing/policy");
  } catch (error) {
    return section(t("nav_routing"), message(errorText(error), "error"));
  }
  const inForce = policy.strategy_by_channel && Object.keys(policy.strategy_by_channel).length
    ? `${policy.default_strategy}; ${Object.entries(policy.strategy_by_channel).map(([c, s]) => `${c}: ${s}`).join(", ")}`
    : policy.default_strategy;
  const form = {
    strategy: h(
      "select",
      { "data-field": "strategy" },
      h("option", { value: "" }, `${t("as_in_force")} (${inForce})`),
      policy.strategies.map((s) => h("option", { value: s.name }, `${s.name} — ${s.objective.join(" › ")}${s.description ? ` — ${s.description}` : ""}`)),
    ),
    maxPackages: h(
      "select",
      { "data-field": "max-packages" },
      h("option", { value: "" }, t("as_in_force")),
      Array.from({ length: 10 }, (_, i) => h("option", { value: String(i + 1) }, i === 0 ? `1 (${t("never_split")})` : String(i + 1))),
    ),
    last: h("input", { type: "number", min: 1, max: 2000, value: 200, "data-field": "routing-last" }),
    carriers: {},
  };
  for (const w of policy.warehouses) {
    form.carriers[w.warehouse_id] = Object.fromEntries(
      policy.carriers.map((c) => [c.carrier_id, h("input", { type: "checkbox", checked: w.carriers.includes(c.carrier_id), "data-carrier": `${w.warehouse_id}:${c.carrier_id}` })]),
    );
  }
  const result = h("div", { "data-result": "" });
  const run = async () => {
    const bare = policy.warehouses.filter((w) => !policy.carriers.some((c) => form.carriers[w.warehouse_id][c.carrier_id].checked));
    if (bare.length) {
      // The server refuses a warehouse without a carrier ("lists no carrier"): say so before asking.
      result.replaceChildren(message(`${t("carrier_needed")}: ${bare.map((w) => w.warehouse_id).join(", ")}`, "error"));
      return;
    }
    const candidate = candidateFrom(form, policy);
    result.replaceChildren(message(t("replaying")));
    try {
      const answer = await post("/routing/whatif", { candidate, last: Math.min(2000, Math.max(1, Number(form.last.value) || 200)) });
      result.replaceChildren(report(answer));
    } catch (error) {
      result.replaceChildren(message(errorText(error), "error"));
    }
  };
  return h(
    "div",
    { "data-routing": "" },
    h("p", { class: "muted" }, t("routing_note")),
    section(
      t("candidate_policy"),
      h("label", {}, t("strategy"), form.strategy),
      h("label", {}, t("split_limit"), form.maxPackages),
      h("h3", {}, t("carrier_rules")),
      table(
        [{ key: "warehouse", label: t("warehouse"), cell: (w) => `${w.warehouse_id} ${w.name}` }, ...policy.carriers.map((c) => ({ key: c.carrier_id, label: `${c.name} (${c.carrier_id})`, cell: (w) => form.carriers[w.warehouse_id][c.carrier_id] }))],
        policy.warehouses,
        { attributes: { "data-table": "carriers" } },
      ),
      h("label", {}, t("whatif_last"), form.last),
      h("div", { class: "actions" }, h("button", { "data-action": "routing-whatif", onclick: run }, t("whatif"))),
    ),
    result,
  );
}
