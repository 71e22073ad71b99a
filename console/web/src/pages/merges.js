// 合单: the open merges (members waiting in MERGED for their merged shipment), from
// GET /operations/merges: the shipment order, each member with its channel order, and the saving
// the priced plan explains (apart against together).
import { currentLanguage, statusName, t } from "../i18n.js";
import { get } from "../api.js";
import { card, errorText, h, message, num, orderLink, section, table, when } from "../ui.js";

const money = (v) => `¥ ${num(v, 2)}`;

function mergeBlock(m) {
  const plan = m.plan;
  const byId = Object.fromEntries(plan.members.map((p) => [p.order_id, p]));
  return h(
    "section",
    { class: "panel", "data-merge": m.merge_id },
    h("h2", {}, `${t("merge_record")} ${m.merge_id}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("shipment_order")), h("dd", {}, orderLink(m.shipment_order_id), " ", m.shipment_status ? h("span", { class: `status s-${m.shipment_status}`, "data-shipment-status": m.shipment_status }, statusName(m.shipment_status)) : h("span", { class: "muted" }, t("not_stored_yet"))),
      h("dt", {}, t("decided_by")), h("dd", {}, `${m.decided_by} · ${m.reason}`),
      h("dt", {}, t("created_at")), h("dd", {}, when(m.created_at)),
      h("dt", {}, t("saving")), h("dd", { "data-saving": plan.saving }, `${money(plan.saving)} (${num(Number(plan.saving_share) * 100, 1)}%) · ${t("apart")} ${money(plan.separate_cost)} / ${plan.separate_packages} ${t("packages")} → ${t("together")} ${money(plan.merged_cost)} / ${plan.merged_packages} ${t("packages")}`),
      h("dt", {}, t("explanation")), h("dd", { "data-explanation": "" }, plan.explanation[currentLanguage() === "zh" ? "zh" : "en"] || plan.explanation.en),
      plan.basis !== "stock now" ? h("dt", {}, t("basis")) : null,
      plan.basis !== "stock now" ? h("dd", {}, t("basis_plenty")) : null,
    ),
    h("h3", {}, t("members")),
    table(
      [
        { key: "order_id", label: t("order_id"), cell: (id) => orderLink(id) },
        { key: "channel", label: t("channel"), cell: (id) => (byId[id] ? byId[id].channel : "—") },
        { key: "external_id", label: t("external_id"), cell: (id) => (byId[id] ? byId[id].external_id : "—") },
        { key: "lines", label: t("lines"), cell: (id) => (byId[id] ? byId[id].lines.map((l) => `${l.sku}×${l.quantity}`).join(", ") : "—") },
        { key: "packages", label: t("packages_apart"), cell: (id) => (byId[id] ? byId[id].packages : "—") },
        { key: "cost", label: t("cost_apart"), cell: (id) => (byId[id] ? money(byId[id].cost) : "—") },
      ],
      m.members,
      { attributes: { "data-table": "members" } },
    ),
    h("h3", {}, t("merged_shipments")),
    table(
      [
        { key: "warehouse_id", label: t("warehouse") },
        { key: "carrier", label: t("carrier") },
        { key: "cost", label: t("package_cost"), cell: (s) => money(s.cost) },
        { key: "lines", label: t("lines"), cell: (s) => s.lines.map((l) => `${l.sku}×${l.quantity}`).join(", ") },
      ],
      plan.merged_shipments,
      { attributes: { "data-table": "merged-shipments" } },
    ),
  );
}

export async function mergesPage() {
  let answer;
  try {
    answer = await get("/operations/merges?limit=100");
  } catch (error) {
    return section(t("nav_merges"), message(errorText(error), "error"));
  }
  const merges = answer.merges;
  const saved = merges.reduce((sum, m) => sum + Number(m.plan.saving), 0);
  return h(
    "div",
    { "data-merges": merges.length },
    h("p", { class: "muted" }, t("merges_note")),
    h(
      "div",
      { class: "cards" },
      card(t("open_merges"), String(merges.length), { "data-figure": "open_merges" }),
      card(t("member_orders"), String(merges.reduce((n, m) => n + m.members.length, 0)), { "data-figure": "member_orders" }),
      card(t("saving_total"), money(saved), { "data-figure": "saving_total" }),
    ),
    answer.complete ? null : message(t("merges_incomplete")),
    merges.length ? merges.map(mergeBlock) : section(t("nav_merges"), h("p", { class: "muted", "data-empty": "" }, t("no_merges"))),
  );
}
