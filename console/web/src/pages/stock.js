import { t } from "../i18n.js";
import { del, get, post } from "../api.js";
import { ask, errorText, h, message, section, table } from "../ui.js";

export async function stockPage(args) {
  const sku = h("input", { name: "sku", value: args[0] || "", "data-field": "sku", placeholder: "SKU" });
  const results = h("div", { "data-results": "" });
  const feedback = h("div", { "data-feedback": "" });

  async function load() {
    if (!sku.value.trim()) return;
    results.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      const stock = await get(`/operations/stock/${encodeURIComponent(sku.value.trim())}`);
      results.replaceChildren(
        table(
          [
            { key: "warehouse_id", label: t("warehouse"), cell: (w) => `${w.warehouse_id} ${w.name || ""}` },
            { key: "on_hand", label: t("on_hand") },
            { key: "reserved", label: t("reserved") },
            { key: "safety_stock", label: t("safety_stock") },
            { key: "available", label: t("available") },
            { key: "buckets", label: t("buckets") },
            {
              key: "actions",
              label: "",
              cell: (w) => h(
                "span",
                { class: "actions" },
                h("button", { "data-action": "split", "data-for": w.warehouse_id, onclick: () => split(w.warehouse_id) }, t("split")),
                w.buckets ? h("button", { class: "secondary", "data-action": "merge", "data-for": w.warehouse_id, onclick: () => merge(w.warehouse_id) }, t("merge")) : null,
              ),
            },
          ],
          stock.warehouses,
          { empty: t("no_stock"), attributes: { "data-table": "stock" } },
        ),
      );
    } catch (error) {
      results.replaceChildren(message(errorText(error), "error"));
    }
  }
  const path = (warehouse) => `/stock/${encodeURIComponent(sku.value.trim())}/${encodeURIComponent(warehouse)}/buckets`;
  async function split(warehouse) {
    const values = await ask(`${t("split")} ${sku.value} @ ${warehouse}`, [{ name: "buckets", label: t("bucket_count"), value: "4" }]);
    if (!values) return;
    try {
      const answer = await post(path(warehouse), { buckets: Number(values.buckets) });
      feedback.replaceChildren(message(`${t("result")}: ${t("done")} — ${JSON.stringify(answer)}`, "good"));
      await load();
    } catch (error) {
      feedback.replaceChildren(message(errorText(error), "error"));
    }
  }
  async function merge(warehouse) {
    const values = await ask(`${t("merge")} ${sku.value} @ ${warehouse}`);
    if (!values) return;
    try {
      const answer = await del(path(warehouse));
      feedback.replaceChildren(message(`${t("result")}: ${t("done")} — ${JSON.stringify(answer)}`, "good"));
      await load();
    } catch (error) {
      feedback.replaceChildren(message(errorText(error), "error"));
    }
  }
  load();
  return section(
    t("stock_title"),
    h("form", { class: "search", onsubmit: (event) => { event.preventDefault(); load(); } }, h("label", {}, "SKU", sku), h("button", { type: "submit", "data-action": "load-stock" }, t("search"))),
    feedback,
    results,
  );
}
