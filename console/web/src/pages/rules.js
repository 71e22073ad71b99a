import { t } from "../i18n.js";
import { get, post } from "../api.js";
import { isSupervisor } from "../session.js";
import { ask, errorText, h, message, section, table, when } from "../ui.js";

// A line diff (longest common subsequence) of two pretty-printed documents.
function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push([" ", a[i]]); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(["-", a[i++]]);
    else out.push(["+", b[j++]]);
  }
  while (i < n) out.push(["-", a[i++]]);
  while (j < m) out.push(["+", b[j++]]);
  return out;
}

function diffView(before, after) {
  const changed = lineDiff(before, after);
  const shown = changed.filter((line, index) => line[0] !== " " || changed.slice(Math.max(0, index - 2), index + 3).some((l) => l[0] !== " "));
  return h("pre", { class: "diff", "data-section": "diff" }, shown.map(([mark, text]) => h("div", { class: mark === "+" ? "add" : mark === "-" ? "del" : "" }, `${mark} ${text}`)));
}

// Marks the lines of the editor a problem points at (its rule's id), beside the text.
function problemsInPlace(text, problems) {
  const lines = text.split("\n");
  const marks = new Map();
  for (const problem of problems) {
    let line = -1;
    if (problem.rule_id) line = lines.findIndex((l) => l.includes(`"${problem.rule_id}"`));
    if (line < 0) {
      const last = String(problem.location || "").split(/[.[\]]/).filter((p) => p && !/^\d+$/.test(p) && p !== "$").pop();
      if (last) line = lines.findIndex((l) => l.includes(`"${last}"`));
    }
    const key = line < 0 ? 0 : line;
    marks.set(key, [...(marks.get(key) || []), problem]);
  }
  return h(
    "pre",
    { class: "annotated", "data-section": "problems" },
    lines.map((l, index) =>
      h(
        "div",
        { class: marks.has(index) ? "bad-line" : "" },
        h("span", { class: "lineno" }, String(index + 1).padStart(4, " ")),
        ` ${l}`,
        marks.has(index) ? h("span", { class: "problem", "data-problem": "" }, marks.get(index).map((p) => `  ⟵ ${p.location}: ${p.message}`).join(" ")) : null,
      ),
    ),
  );
}

export async function rulesPage() {
  let listing, active, audit;
  try {
    [listing, active, audit] = await Promise.all([get("/rulesets"), get("/rulesets/active"), get("/rulesets/audit?limit=20")]);
  } catch (error) {
    return message(errorText(error), "error");
  }
  const supervisor = isSupervisor();
  const activeText = JSON.stringify(active.rule_set.document, null, 2);
  const editor = h("textarea", { class: "editor", rows: 24, spellcheck: "false", "data-field": "document" });
  editor.value = activeText;
  const feedback = h("div", { "data-feedback": "" });
  const whatifLast = h("input", { type: "number", min: 1, max: 5000, value: 200, "data-field": "whatif-last" });
  const parsed = () => {
    try {
      return JSON.parse(editor.value);
    } catch (error) {
      feedback.replaceChildren(message(`${t("invalid")}: ${error.message}`, "error"));
      return null;
    }
  };
  const refused = (error) => {
    if (error.status === 400 && error.body && Array.isArray(error.body.errors) && error.body.errors.some((e) => e.location)) {
      feedback.replaceChildren(message(t("invalid"), "error"), problemsInPlace(editor.value, error.body.errors));
    } else feedback.replaceChildren(message(errorText(error), "error"));
  };
  const validate = async () => {
    const document = parsed();
    if (!document) return;
    try {
      const answer = await post("/rulesets/validate", document);
      feedback.replaceChildren(message(`${t("valid")} — ${t("rules_count")}: ${answer.rules}`, "good"));
    } catch (error) {
      refused(error);
    }
  };
  const whatif = async () => {
    const candidate = parsed();
    if (!candidate) return;
    try {
      const report = await post("/rulesets/whatif", { candidate, last: Number(whatifLast.value) || 200 });
      const decisions = [...new Set([...Object.keys(report.in_force), ...Object.keys(report.candidate)])];
      feedback.replaceChildren(
        h("h3", {}, t("whatif_result")),
        h("p", { "data-whatif": "summary" }, `${t("orders_replayed")}: ${report.orders} · ${t("decisions_changed")}: `, h("strong", { "data-whatif": "changed" }, String(report.changed_count))),
        table([{ key: "d", label: t("decision") }, { key: "before", label: t("before") }, { key: "after", label: t("after") }], decisions.map((d) => ({ d, before: report.in_force[d] ?? 0, after: report.candidate[d] ?? 0 })), { attributes: { "data-table": "whatif" } }),
        table(
          [{ key: "order_id", label: t("order_id") }, { key: "before", label: t("before"), cell: (c) => JSON.stringify(c.in_force ?? c.before ?? "") }, { key: "after", label: t("after"), cell: (c) => JSON.stringify(c.candidate ?? c.after ?? "") }],
          report.changed.slice(0, 20),
          { attributes: { "data-table": "whatif-changed" } },
        ),
      );
    } catch (error) {
      refused(error);
    }
  };
  const save = async (activate) => {
    const document = parsed();
    if (!document) return;
    const values = await ask(activate ? `${t("save_version")} + ${t("activate")}` : t("save_version"));
    if (!values) return;
    try {
      const answer = await post("/rulesets", { document, comment: values.reason, activate });
      feedback.replaceChildren(message(`${t("saved_version")} ${answer.version.version}${answer.active ? ` — ${t("activated_version")} ${answer.active.version}` : ""}`, "good"));
    } catch (error) {
      refused(error);
    }
  };
  const activateVersion = async (version) => {
    const values = await ask(`${t("activate")} ${version}`);
    if (!values) return;
    try {
      const answer = await post(`/rulesets/${version}/activate`, { comment: values.reason, expected_revision: listing.active.revision });
      feedback.replaceChildren(message(`${t("activated_version")} ${answer.version}`, "good"));
    } catch (error) {
      feedback.replaceChildren(message(errorText(error), "error"));
    }
  };
  const rollback = async () => {
    const values = await ask(t("rollback"));
    if (!values) return;
    try {
      const answer = await post("/rulesets/rollback", { comment: values.reason, expected_revision: listing.active.revision });
      feedback.replaceChildren(message(`${t("activated_version")} ${answer.version}`, "good"));
    } catch (error) {
      feedback.replaceChildren(message(errorText(error), "error"));
    }
  };
  const showVersion = async (version, diff) => {
    try {
      const stored = await get(`/rulesets/${version}`);
      const text = JSON.stringify(stored.document, null, 2);
      if (diff) feedback.replaceChildren(h("h3", {}, `${t("diff_with_active")}: ${listing.active.version} → ${version}`), diffView(activeText, text));
      else editor.value = text;
    } catch (error) {
      feedback.replaceChildren(message(errorText(error), "error"));
    }
  };
  const guard = supervisor ? {} : { disabled: true, title: t("supervisor_only") };
  return h(
    "div",
    { class: "rules" },
    section(
      t("versions"),
      table(
        [
          { key: "version", label: t("version"), cell: (v) => `${v.version}${v.version === listing.active.version ? ` (${t("in_force")})` : ""}` },
          { key: "description", label: t("details") },
          { key: "rule_count", label: t("rules_count") },
          { key: "created_by", label: t("created_by") },
          { key: "created_at", label: t("created_at"), cell: (v) => when(v.created_at) },
          { key: "comment", label: t("comment") },
          {
            key: "actions",
            label: "",
            cell: (v) => h(
              "span",
              { class: "actions" },
              h("button", { class: "secondary", "data-action": "view", "data-for": v.version, onclick: () => showVersion(v.version, false) }, t("view")),
              h("button", { class: "secondary", "data-action": "diff", "data-for": v.version, onclick: () => showVersion(v.version, true) }, t("diff")),
              v.version !== listing.active.version ? h("button", { "data-action": "activate", "data-for": v.version, onclick: () => activateVersion(v.version), ...guard }, t("activate")) : null,
            ),
          },
        ],
        listing.versions,
        { attributes: { "data-table": "versions" } },
      ),
      h("div", { class: "actions" }, h("button", { class: "danger", "data-action": "rollback", onclick: rollback, ...guard }, t("rollback")), supervisor ? null : h("span", { class: "muted" }, t("supervisor_only"))),
    ),
    section(
      t("editor"),
      editor,
      h(
        "div",
        { class: "actions" },
        h("button", { "data-action": "validate", onclick: validate }, t("validate")),
        h("label", { class: "inline" }, t("whatif_last"), whatifLast),
        h("button", { "data-action": "whatif", onclick: whatif }, t("whatif")),
        h("button", { class: "secondary", "data-action": "save", onclick: () => save(false) }, t("save_version")),
        h("button", { "data-action": "save-activate", onclick: () => save(true), ...guard }, `${t("save_version")} + ${t("activate")}`),
      ),
      feedback,
    ),
    section(
      t("audit"),
      table(
        [
          { key: "at", label: t("at"), cell: (a) => when(a.at) },
          { key: "actor", label: t("actor") },
          { key: "action", label: t("action") },
          { key: "version", label: t("version") },
          { key: "comment", label: t("comment") },
        ],
        audit,
        { attributes: { "data-table": "audit" } },
      ),
    ),
  );
}
