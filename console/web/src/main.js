// The oms operations console: a framework-free single-page app. Routes live in the URL hash.
import "./style.css";
import { currentLanguage, setLanguage, t } from "./i18n.js";
import { h } from "./ui.js";
import { session, signOut, tokenSignIn } from "./session.js";
import { signInPage } from "./pages/signin.js";
import { overviewPage } from "./pages/overview.js";
import { ordersPage, orderPage } from "./pages/orders.js";
import { queuesPage } from "./pages/queues.js";
import { rulesPage } from "./pages/rules.js";
import { stockPage } from "./pages/stock.js";
import { mergesPage } from "./pages/merges.js";
import { routingPage } from "./pages/routing.js";

const PAGES = [
  ["overview", "nav_overview", overviewPage],
  ["orders", "nav_orders", ordersPage],
  ["queues", "nav_queues", queuesPage],
  ["merges", "nav_merges", mergesPage],
  ["rules", "nav_rules", rulesPage],
  ["stock", "nav_stock", stockPage],
  ["routing", "nav_routing", routingPage],
];

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: name || "overview", args: rest.map(decodeURIComponent) };
}

export function navigate(hash) {
  location.hash = hash;
}

function header(current) {
  const user = session();
  return h(
    "header",
    { class: "top" },
    h("div", { class: "brand" }, t("app_title")),
    h("nav", {}, PAGES.map(([name, label]) => h("a", { href: `#/${name}`, class: current === name ? "active" : "", "data-nav": name }, t(label)))),
    h(
      "div",
      { class: "who" },
      h("button", { class: "secondary", "data-action": "language", onclick: () => { setLanguage(currentLanguage() === "zh" ? "en" : "zh"); render(); } }, t("language")),
      user ? h("span", { "data-user": user.username }, `${t("signed_in_as")}: ${user.username} (${user.groups.map((g) => t(`group_${g}`)).join(", ")})`) : null,
      user ? h("button", { class: "secondary", "data-action": "sign-out", onclick: () => { signOut(); render(); } }, t("sign_out")) : null,
    ),
  );
}

let renderSerial = 0;

export async function render() {
  const serial = ++renderSerial;
  const root = document.getElementById("app");
  const { name, args } = route();
  document.title = `${t("app_title")} · oms`;
  root.replaceChildren();
  if (!session()) {
    root.append(header(null), h("main", {}, await signInPage(render)));
    return;
  }
  const main = h("main", { "data-page": name });
  root.append(header(name), main);
  let page;
  if (name === "order" && args[0]) page = orderPage(args[0]);
  else page = (PAGES.find(([key]) => key === name) || PAGES[0])[2](args);
  const content = await page;
  if (serial === renderSerial) main.replaceChildren(content);
}

// Cognito's hosted sign-in comes back with the ID token in the URL fragment.
if (location.hash.includes("id_token=")) {
  const params = new URLSearchParams(location.hash.slice(1));
  tokenSignIn(params.get("id_token"));
  history.replaceState(null, "", "/#/overview");
}
setLanguage(currentLanguage());
window.addEventListener("hashchange", render);
render();
