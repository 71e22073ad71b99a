import { t } from "../i18n.js";
import { h } from "../ui.js";
import { cognitoSignInUrl, consoleConfig, devSignIn } from "../session.js";

export async function signInPage(done) {
  const config = await consoleConfig();
  if (config.auth === "cognito") {
    return h("section", { class: "panel signin" }, h("h1", {}, t("sign_in_title")), h("a", { class: "button", href: cognitoSignInUrl(config) }, t("cognito_sign_in")));
  }
  const user = h("input", { name: "username", value: "ops-chen", "data-field": "username" });
  const group = h("select", { name: "group", "data-field": "group" }, h("option", { value: "operator" }, t("group_operator")), h("option", { value: "supervisor" }, t("group_supervisor")));
  return h(
    "form",
    { class: "panel signin", onsubmit: (event) => { event.preventDefault(); devSignIn(user.value.trim() || "ops", group.value); done(); } },
    h("h1", {}, t("sign_in_title")),
    h("p", { class: "muted" }, t("dev_sign_in_note")),
    h("label", {}, t("user_name"), user),
    h("label", {}, t("group"), group),
    h("button", { type: "submit", "data-action": "sign-in" }, t("sign_in")),
  );
}
