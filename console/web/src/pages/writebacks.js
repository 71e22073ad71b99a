// The failed write-backs work queue (发货回传失败): GET /operations/writebacks, redrive one or every
// failed one of a channel, each with a reason, and the result shown as the other queues do.
import { t } from "../i18n.js";
import { get, post } from "../api.js";
import { ask, errorText, h, message, orderLink, table, when } from "../ui.js";

const CHANNELS = ["shopify", "tmall", "jd", "douyin", "erp", "partner"];

function showResult(results, action, rows) {
  results.setAttribute("data-for-action", action);
  results.replaceChildren(
    h("h3", {}, t("result")),
    table(
      [
        { key: "id", label: t("writeback_id") },
        { key: "text", label: t("result"), cell: (r) => h("span", { class: r.ok ? "good" : "bad", "data-outcome": r.outcome }, r.text) },
      ],
      rows,
      { empty: t("nothing_redriven"), attributes: { "data-table": "results" } },
    ),
  );
}

// The tab keeps one element and shows in it the list last asked for: a channel picked while the
// list a redrive reloads is still on its way is not overwritten by it (each load replaced its own
// box, so a pick on a box being replaced was lost and its channel never shown).
export async function writebacksTab(results, channel = "") {
  const tab = h("div", { "data-writebacks-tab": "" });
  let asked = 0;
  const show = async (which) => {
    const ticket = ++asked;
    const box = await writebacksList(results, which, show);
    if (ticket === asked) tab.replaceChildren(box);
  };
  await show(channel);
  return tab;
}

async function writebacksList(results, channel, show) {
  const list = await get(`/operations/writebacks?limit=200${channel ? `&channel=${channel}` : ""}`);
  const box = h("div", { "data-writebacks": channel || "all" });
  const reload = () => show(picker.value);
  const redriveOne = async (w) => {
    const values = await ask(`${t("redrive")} ${w.writeback_id}`);
    if (!values) return;
    try {
      const answer = await post(`/operations/writebacks/${encodeURIComponent(w.writeback_id)}/redrive`, { reason: values.reason });
      showResult(results, "redrive", [{ id: w.writeback_id, ok: true, outcome: "done", text: `${t("redriven")} → ${t(`wb_${answer.state}`)}` }]);
    } catch (error) {
      showResult(results, "redrive", [{ id: w.writeback_id, ok: false, outcome: "failed", text: errorText(error) }]);
    }
    await reload();
  };
  const redriveAll = async () => {
    const which = picker.value;
    const values = await ask(`${t("redrive_all")} · ${which || t("all_channels")} (${list.writebacks.length})`);
    if (!values) return;
    try {
      const answer = await post("/operations/writebacks/redrive", { reason: values.reason, limit: 500, ...(which ? { channel: which } : {}) });
      showResult(results, "redrive-all", [
        ...answer.redriven.map((id) => ({ id, ok: true, outcome: "done", text: t("redriven") })),
        ...answer.skipped.map((id) => ({ id, ok: false, outcome: "skipped", text: t("skipped_meanwhile") })),
      ]);
    } catch (error) {
      showResult(results, "redrive-all", [{ id: which || t("all_channels"), ok: false, outcome: "failed", text: errorText(error) }]);
    }
    await reload();
  };
  const picker = h("select", { "data-field": "channel", onchange: () => reload() }, h("option", { value: "" }, t("all_channels")), CHANNELS.map((c) => h("option", { value: c, selected: c === channel }, c)));
  box.append(
    h("p", { class: "muted" }, t("writebacks_note")),
    h(
      "div",
      { class: "actions" },
      h("label", { class: "inline" }, `${t("channel")} `, picker),
      h("button", { "data-action": "redrive-all", disabled: !list.writebacks.length, onclick: redriveAll }, t("redrive_all")),
    ),
    table(
      [
        { key: "writeback_id", label: t("writeback_id") },
        { key: "order_id", label: t("order_id"), cell: (w) => orderLink(w.order_id) },
        { key: "channel", label: t("channel"), cell: (w) => `${w.channel}${w.shop ? ` · ${w.shop}` : ""}` },
        { key: "external_id", label: t("external_id") },
        { key: "tracking", label: t("tracking"), cell: (w) => `${w.warehouse_id} · ${[w.carrier, w.tracking_number].filter(Boolean).join(" ")}` },
        { key: "attempts", label: t("attempts") },
        { key: "last_error", label: t("last_error"), cell: (w) => h("span", { class: "bad" }, w.last_error || "—") },
        { key: "updated_at", label: t("failed_at"), cell: (w) => when(w.updated_at) },
        { key: "actions", label: "", cell: (w) => h("button", { "data-action": "redrive", "data-for": w.writeback_id, onclick: () => redriveOne(w) }, t("redrive")) },
      ],
      list.writebacks,
      { empty: t("empty_queue"), attributes: { "data-table": "writebacks" } },
    ),
  );
  return box;
}
