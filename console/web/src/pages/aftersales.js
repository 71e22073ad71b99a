// The order page's after-sales (售后) sections, from GET /operations/orders/{id}/aftersales:
// refunds, intercepts, returns (RMAs), its parcels' write-backs (a failed one with its reason and a
// redrive) and the notices sent to the customer. Each from the record that holds it.
import { currentLanguage, has, t } from "../i18n.js";
import { get, post } from "../api.js";
import { ask, errorText, h, message, orderLink, section, table, when } from "../ui.js";

const tr = (prefix, value) => (!value ? "—" : has(`${prefix}_${value}`) ? t(`${prefix}_${value}`) : value);

export async function loadAfterSales(orderId) {
  try {
    return { sales: await get(`/operations/orders/${encodeURIComponent(orderId)}/aftersales`) };
  } catch (error) {
    return { error };
  }
}

function refundLines(lines) {
  return (lines || []).map((l) => `${l.sku}×${l.quantity}`).join(", ") || t("whole_order");
}

function refunds(sales) {
  return table(
    [
      { key: "refund_id", label: t("refund_id") },
      { key: "kind", label: t("refund_kind"), cell: (r) => `${tr("kind", r.kind)}${r.everything ? ` · ${t("everything")}` : ""}` },
      { key: "stage", label: t("refund_stage"), cell: (r) => tr("stage", r.stage) },
      { key: "lines", label: t("lines"), cell: (r) => (r.everything ? t("whole_order") : refundLines(r.lines)) },
      { key: "amount", label: t("amount"), cell: (r) => (r.amount ? `${r.currency === "CNY" || !r.currency ? "¥" : r.currency} ${r.amount}` : "—") },
      { key: "state", label: t("refund_state"), cell: (r) => `${tr("refund_state", r.state)}${r.channel_status ? ` (${r.channel_status})` : ""}` },
      { key: "outcome", label: t("refund_outcome"), cell: (r) => h("span", { class: r.outcome === "too_late" ? "bad" : "", "data-outcome": r.outcome }, tr("outcome", r.outcome)) },
      { key: "related", label: t("related"), cell: (r) => related(r) },
      { key: "received_at", label: t("received_at"), cell: (r) => when(r.received_at) },
    ],
    sales.refunds,
    { empty: t("no_refunds"), attributes: { "data-table": "refunds" } },
  );
}

function related(r) {
  const parts = [];
  if (r.rma_id) parts.push(h("span", {}, `${t("rma_id")}: ${r.rma_id}`));
  if (r.merged_into) parts.push(h("span", {}, `${t("merged_into")}: `, orderLink(r.merged_into)));
  if (r.for_member) parts.push(h("span", {}, `${t("for_member")}: `, orderLink(r.for_member)));
  return parts.length ? h("span", { class: "stack" }, parts) : "—";
}

function intercepts(sales) {
  return table(
    [
      { key: "note_id", label: t("note_id") },
      { key: "refund_id", label: t("refund_id") },
      { key: "answer", label: t("intercept_answer"), cell: (i) => h("span", { class: i.answer === "intercepted" ? "good" : i.answer === "too_late" ? "bad" : "", "data-answer": i.answer }, tr("intercept", i.answer)) },
      { key: "merged_into", label: t("merged_into"), cell: (i) => (i.merged_into ? orderLink(i.merged_into) : "—") },
    ],
    sales.intercepts,
    { empty: t("no_intercepts"), attributes: { "data-table": "intercepts" } },
  );
}

function returns(sales) {
  return table(
    [
      { key: "rma_id", label: t("rma_id") },
      { key: "refund_id", label: t("refund_id") },
      { key: "warehouse_id", label: t("return_to") },
      { key: "lines", label: t("return_lines"), cell: (r) => r.lines.map((l) => `${l.sku}: ${t("expected")} ${l.expected} · ${t("sellable")} ${l.sellable} · ${t("unsellable")} ${l.unsellable}`).join("; ") },
      { key: "state", label: t("state"), cell: (r) => h("span", { class: r.state === "received" ? "good" : "", "data-state": r.state }, tr("rma", r.state)) },
      { key: "receipts", label: t("receipts"), cell: (r) => r.receipts.join(", ") || "—" },
      { key: "updated_at", label: t("updated_at"), cell: (r) => when(r.updated_at) },
    ],
    sales.returns,
    { empty: t("no_returns"), attributes: { "data-table": "returns" } },
  );
}

function writebacks(sales, result, onChanged) {
  if (!sales.writeback_needed) return h("p", { class: "muted", "data-empty": "" }, t("writeback_not_needed"));
  const redrive = async (w) => {
    const values = await ask(`${t("redrive")} ${w.writeback_id}`);
    if (!values) return;
    try {
      const answer = await post(`/operations/writebacks/${encodeURIComponent(w.writeback_id)}/redrive`, { reason: values.reason });
      result.replaceChildren(message(`${t("result")}: ${t("redriven")} — ${w.writeback_id} → ${tr("wb", answer.state)}`, "good"));
      onChanged();
    } catch (error) {
      result.replaceChildren(message(errorText(error), "error"));
    }
  };
  return h(
    "div",
    {},
    table(
      [
        { key: "writeback_id", label: t("writeback_id") },
        { key: "note_id", label: t("note_id") },
        { key: "tracking", label: t("tracking"), cell: (w) => [w.carrier, w.tracking_number].filter(Boolean).join(" ") || "—" },
        { key: "state", label: t("state"), cell: (w) => h("span", { class: w.state === "FAILED" ? "bad" : w.state === "DONE" ? "good" : "", "data-state": w.state }, tr("wb", w.state)) },
        { key: "attempts", label: t("attempts") },
        { key: "last_error", label: t("last_error"), cell: (w) => w.last_error || "—" },
        { key: "platform_reference", label: t("platform_reference"), cell: (w) => w.platform_reference || "—" },
        { key: "updated_at", label: t("updated_at"), cell: (w) => when(w.updated_at) },
        { key: "actions", label: "", cell: (w) => (w.state === "FAILED" ? h("button", { "data-action": "redrive", "data-for": w.writeback_id, onclick: () => redrive(w) }, t("redrive")) : "") },
      ],
      sales.writebacks,
      { empty: t("no_writebacks"), attributes: { "data-table": "writebacks" } },
    ),
  );
}

function notices(sales) {
  return table(
    [
      { key: "kind", label: t("notice_kind"), cell: (n) => tr("notice", n.kind) },
      { key: "channel", label: t("notice_channel"), cell: (n) => `${n.channel.toUpperCase()}${n.to ? ` → ${n.to}` : ""}` },
      { key: "state", label: t("state"), cell: (n) => h("span", { class: n.state === "SENT" ? "good" : n.state === "NOT_SENT" ? "bad" : "", "data-state": n.state }, tr("notice_state", n.state)) },
      { key: "text", label: t("notice_text") },
      { key: "why_not_sent", label: t("why_not_sent"), cell: (n) => n.why_not_sent || "—" },
      { key: "sent_at", label: t("at"), cell: (n) => when(n.sent_at || n.claimed_at) },
    ],
    sales.notices,
    { empty: t("no_notices"), attributes: { "data-table": "notices" } },
  );
}

// The sections, or one message saying why they are missing. `reload` reads them again (after a redrive).
export function afterSalesSections(orderId, loaded) {
  const box = h("div", { "data-section": "aftersales" });
  const result = h("div", { "data-result": "writeback" });
  const fill = ({ sales, error }) => {
    if (error) {
      box.replaceChildren(section(t("aftersales"), message(errorText(error), "error")));
      return;
    }
    const failed = sales.writebacks.filter((w) => w.state === "FAILED").length;
    const summary = h(
      "p",
      { class: "muted", "data-aftersales-summary": "" },
      `${t("refunds")}: ${sales.refunds.length} · ${t("returns")}: ${sales.returns.length} · ${t("intercepts")}: ${sales.intercepts.length} · ${t("writebacks")}: ${sales.writebacks.length}`,
      failed ? h("span", { class: "bad", "data-failed-writebacks": failed }, ` · ${t("failed_writebacks")}: ${failed}`) : null,
      ` · ${t("notices")}: ${sales.notices.length}`,
    );
    box.replaceChildren(
      h("section", { class: "panel", "data-section": "refunds" }, h("h2", {}, t("aftersales")), summary, h("h3", {}, t("refunds")), refunds(sales), h("h3", {}, t("intercepts")), intercepts(sales)),
      h("section", { class: "panel", "data-section": "returns" }, h("h2", {}, t("returns")), returns(sales)),
      h("section", { class: "panel", "data-section": "writebacks" }, h("h2", {}, t("writebacks")), writebacks(sales, result, () => loadAfterSales(orderId).then(fill)), result),
      h("section", { class: "panel", "data-section": "notices" }, h("h2", {}, t("notices")), notices(sales)),
    );
    box.setAttribute("data-loaded", currentLanguage());
  };
  fill(loaded);
  return box;
}
