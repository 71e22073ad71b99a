import { statusName, t } from "../i18n.js";
import { get, post } from "../api.js";
import { session } from "../session.js";
import { ask, errorText, h, message, orderLink, table, when } from "../ui.js";
import { writebacksTab } from "./writebacks.js";

const TABS = [
  ["review", "review_queue"],
  ["exceptions", "exception_queue"],
  ["stuck", "stuck_queue"],
  ["backorders", "backorder_queue"],
  ["writebacks", "writeback_queue"],
];

// Runs one action per order, one after the other, and lists each order's result.
async function runEach(ids, call, results) {
  const rows = [];
  for (const id of ids) {
    try {
      const answer = await call(id);
      rows.push({ id, ok: true, text: answer && answer.status ? statusName(answer.status) : t("done") });
    } catch (error) {
      rows.push({ id, ok: false, text: errorText(error) });
    }
    results.replaceChildren(
      h("h3", {}, t("result")),
      table([{ key: "id", label: t("order_id") }, { key: "text", label: t("result"), cell: (r) => h("span", { class: r.ok ? "good" : "bad", "data-outcome": r.ok ? "done" : "failed" }, r.text) }], rows, { attributes: { "data-table": "results" } }),
    );
  }
}

// A queue longer than the page the tab loaded says so (the API's next_token), instead of passing
// for the whole queue.
function moreWaiting(page, rows) {
  return page.next_token ? h("p", { class: "muted", "data-more-waiting": "" }, t("more_waiting").replace("{n}", String(rows.length))) : null;
}

function selectable(rows, columns, name) {
  const boxes = new Map();
  const all = h("input", { type: "checkbox", "data-select": "all", onchange: () => boxes.forEach((box) => (box.checked = all.checked)) });
  const selectColumn = { key: "select", label: all, cell: (row) => { const box = h("input", { type: "checkbox", "data-select": row.order_id }); boxes.set(row.order_id, box); return box; } };
  const rendered = table([selectColumn, ...columns], rows, { empty: t("empty_queue"), attributes: { "data-table": name } });
  return { element: rendered, selected: () => [...boxes].filter(([, box]) => box.checked).map(([id]) => id) };
}

async function reviewTab(results) {
  const queue = await get("/review-queue?limit=200");
  const operator = session().username;
  const decide = (id, decision, note, corrections) => post(`/orders/${encodeURIComponent(id)}/review`, { decision, operator, note, ...(corrections ? { corrections } : {}) });
  const one = async (id, decision) => {
    const values = await ask(`${t(decision)} ${id}`);
    if (values) await runEach([id], (oid) => decide(oid, decision, values.reason), results);
  };
  const withCorrections = async (held) => {
    const details = await get(`/orders/${encodeURIComponent(held.order_id)}`);
    const receiver = details.order.order.receiver || {};
    const fields = ["name", "phone", "province", "city", "district", "detail"].map((name) => ({ name, label: t(name === "detail" ? "address_detail" : name), value: receiver[name] || "" }));
    const values = await ask(`${t("approve_with_corrections")} ${held.order_id}`, fields);
    if (!values) return;
    const corrected = { ...receiver };
    for (const f of fields) corrected[f.name] = values[f.name];
    await runEach([held.order_id], (oid) => decide(oid, "approve", values.reason, { receiver: corrected }), results);
  };
  const list = selectable(
    queue.held,
    [
      { key: "order_id", label: t("order_id"), cell: (o) => orderLink(o.order_id) },
      { key: "channel", label: t("channel") },
      { key: "external_id", label: t("external_id") },
      { key: "held_since", label: t("held_since"), cell: (o) => `${when(o.held_since)}${o.escalated ? ` (${t("escalated")})` : ""}` },
      { key: "reasons", label: t("reasons"), cell: (o) => o.reasons.map((r) => `${r.rule_id || ""}: ${(document.documentElement.lang === "en" ? r.reason_en || r.message : r.reason_zh || r.message) || ""}`).join("; ") },
      {
        key: "actions",
        label: "",
        cell: (o) => h(
          "span",
          { class: "actions" },
          h("button", { "data-action": "approve", "data-for": o.order_id, onclick: () => one(o.order_id, "approve") }, t("approve")),
          h("button", { class: "secondary", "data-action": "approve-corrections", "data-for": o.order_id, onclick: () => withCorrections(o) }, t("approve_with_corrections")),
          h("button", { class: "danger", "data-action": "reject", "data-for": o.order_id, onclick: () => one(o.order_id, "reject") }, t("reject")),
        ),
      },
    ],
    "review",
  );
  const bulk = async (decision) => {
    const ids = list.selected();
    if (!ids.length) return;
    const values = await ask(`${t(decision === "approve" ? "bulk_approve" : "bulk_reject")} (${ids.length})`);
    if (values) await runEach(ids, (id) => decide(id, decision, values.reason), results);
  };
  return h(
    "div",
    {},
    h("div", { class: "actions" }, h("button", { "data-action": "bulk-approve", onclick: () => bulk("approve") }, t("bulk_approve")), h("button", { class: "danger", "data-action": "bulk-reject", onclick: () => bulk("reject") }, t("bulk_reject"))),
    moreWaiting(queue, queue.held),
    list.element,
  );
}

async function statusTab(status, results, { retry = false } = {}) {
  const page = await get(`/operations/orders?status=${status}&limit=200`);
  const retryOne = (id, reason) => post(`/orders/${encodeURIComponent(id)}/retry`, { reason, operator: session().username });
  const columns = [
    { key: "order_id", label: t("order_id"), cell: (o) => orderLink(o.order_id) },
    { key: "channel", label: t("channel"), cell: (o) => o.order.channel },
    { key: "external_id", label: t("external_id"), cell: (o) => o.order.external_id },
    { key: "updated_at", label: t("since"), cell: (o) => when(o.updated_at) },
  ];
  if (retry) {
    columns.push({
      key: "actions",
      label: "",
      cell: (o) => h("button", { "data-action": "retry", "data-for": o.order_id, onclick: async () => { const v = await ask(`${t("retry")} ${o.order_id}`); if (v) await runEach([o.order_id], (id) => retryOne(id, v.reason), results); } }, t("retry")),
    });
  }
  const list = selectable(page.orders, columns, status.toLowerCase());
  const bulk = retry
    ? h("div", { class: "actions" }, h("button", { "data-action": "bulk-retry", onclick: async () => { const ids = list.selected(); if (!ids.length) return; const v = await ask(`${t("bulk_retry")} (${ids.length})`); if (v) await runEach(ids, (id) => retryOne(id, v.reason), results); } }, t("bulk_retry")))
    : null;
  return h("div", {}, bulk, moreWaiting(page, page.orders), list.element);
}

async function stuckTab() {
  const stuck = await get("/operations/stuck?limit=200");
  return h(
    "div",
    {},
    h("p", { class: "muted" }, t("stuck_note")),
    table(
      [
        { key: "order_id", label: t("order_id"), cell: (o) => orderLink(o.order_id) },
        { key: "status", label: t("status"), cell: (o) => statusName(o.status) },
        { key: "channel", label: t("channel") },
        { key: "external_id", label: t("external_id") },
        { key: "since", label: t("since"), cell: (o) => when(o.since) },
        { key: "limit_minutes", label: t("limit_minutes") },
      ],
      stuck.orders,
      { empty: t("empty_queue"), attributes: { "data-table": "stuck" } },
    ),
  );
}

export async function queuesPage(args) {
  const current = TABS.find(([key]) => key === args[0]) ? args[0] : "review";
  const results = h("div", { class: "results", "data-results": "" });
  let body;
  try {
    if (current === "review") body = await reviewTab(results);
    else if (current === "exceptions") body = await statusTab("EXCEPTION", results, { retry: true });
    else if (current === "stuck") body = await stuckTab();
    else if (current === "writebacks") body = await writebacksTab(results);
    else body = await statusTab("BACKORDERED", results);
  } catch (error) {
    body = message(errorText(error), "error");
  }
  return h(
    "div",
    {},
    h("nav", { class: "tabs" }, TABS.map(([key, label]) => h("a", { href: `#/queues/${key}`, class: key === current ? "active" : "", "data-tab": key }, t(label)))),
    h("section", { class: "panel" }, h("h2", {}, t(TABS.find(([key]) => key === current)[1])), body, results),
  );
}
