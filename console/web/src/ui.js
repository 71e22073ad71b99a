// Small DOM helpers: no framework.
import { t } from "./i18n.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function table(columns, rows, options = {}) {
  if (!rows.length) return h("p", { class: "muted", "data-empty": "" }, options.empty || t("no_data"));
  return h(
    "table",
    { class: "grid", ...(options.attributes || {}) },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c.label)))),
    h("tbody", {}, rows.map((row) => h("tr", options.rowAttributes ? options.rowAttributes(row) : {}, columns.map((c) => h("td", c.cell ? { "data-col": c.key || "" } : { "data-col": c.key || "" }, c.cell ? c.cell(row) : fmt(row[c.key])))))),
  );
}

// A link to an order's page.
export function orderLink(id) {
  return h("a", { href: `#/order/${encodeURIComponent(id)}`, "data-order": id }, id);
}

export function fmt(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function num(value, places) {
  if (value === null || value === undefined) return t("no_data");
  const n = Number(value);
  if (Number.isNaN(n)) return String(value);
  return places === undefined ? String(n) : n.toFixed(places);
}

// The API's times are UTC (…Z): shown in this browser's time zone with its offset ("2026-12-05 10:00:00 +08"),
// as the team reads a clock; the console's "today" is China's day (decision 265).
const pad = (n) => String(n).padStart(2, "0");

export function when(iso) {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const minutes = -at.getTimezoneOffset();
  const zone = `${minutes < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(minutes) / 60))}${Math.abs(minutes) % 60 ? `:${pad(Math.abs(minutes) % 60)}` : ""}`;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}\u00a0${zone}`;
}

// A day picked in a date field ("2026-12-05") as the instants its first and last millisecond are in
// this browser's time zone, in the API's form: the day a person in Beijing means, not the UTC day.
export function dayBound(day, end = false) {
  const at = new Date(`${day}T${end ? "23:59:59.999" : "00:00:00.000"}`);
  return Number.isNaN(at.getTime()) ? day : at.toISOString();
}

export function card(label, value, extra = {}) {
  return h("div", { class: "card", ...extra }, h("div", { class: "card-label" }, label), h("div", { class: "card-value" }, value));
}

export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}

export function message(text, kind = "info") {
  return h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function errorText(error) {
  if (error && error.notAvailable) return t("not_available");
  if (error && error.status === 403) return `${t("forbidden")}: ${error.message}`;
  if (error && error.status === 401) return t("unauthorized");
  const details = error && error.body && Array.isArray(error.body.errors) ? ` — ${error.body.errors.map((e) => e.message || JSON.stringify(e)).join("; ")}` : "";
  return `${t("error")}: ${error ? error.message : ""}${details}`;
}

// Asks for a reason (and optional extra fields) in a dialog; resolves to the values or null.
export function ask(title, fields = []) {
  return new Promise((resolve) => {
    const reason = h("textarea", { name: "reason", rows: 3, "data-field": "reason", required: true });
    const inputs = fields.map((f) => [f, h("input", { name: f.name, value: f.value ?? "", "data-field": f.name })]);
    const warning = h("div", { class: "muted" });
    const dialog = h(
      "dialog",
      { class: "ask" },
      h("h3", {}, title),
      ...inputs.map(([f, input]) => h("label", {}, f.label, input)),
      h("label", {}, t("reason_prompt"), reason),
      warning,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", "data-action": "confirm", onclick: () => {
          if (!reason.value.trim()) { warning.textContent = t("reason_required"); return; }
          const values = { reason: reason.value.trim() };
          for (const [f, input] of inputs) values[f.name] = input.value;
          dialog.close(); dialog.remove(); resolve(values);
        } }, t("confirm")),
        h("button", { type: "button", class: "secondary", onclick: () => { dialog.close(); dialog.remove(); resolve(null); } }, t("cancel")),
      ),
    );
    document.body.append(dialog);
    dialog.showModal();
    reason.focus();
  });
}
