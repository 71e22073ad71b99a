// Who is signed in. On AWS: Cognito's hosted sign-in (its ID token; API Gateway's user-pool
// authorizer checks it). Locally: the development sign-in, a token the local runtime accepts
// (local/console_auth.py); /console-config.json decides which.
const KEY = "oms.session";

export function session() {
  try {
    return JSON.parse(localStorage.getItem(KEY));
  } catch {
    return null;
  }
}

function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function devSignIn(username, group) {
  const groups = group === "supervisor" ? ["supervisor", "operator"] : ["operator"];
  const claims = { "cognito:username": username, "cognito:groups": groups, token_use: "id" };
  const value = { token: `dev.${base64url(JSON.stringify(claims))}`, username, groups };
  localStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

export function tokenSignIn(idToken) {
  const payload = JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  const value = { token: idToken, username: payload["cognito:username"] || payload.email, groups: payload["cognito:groups"] || [] };
  localStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

export function signOut() {
  localStorage.removeItem(KEY);
}

export function isSupervisor() {
  const current = session();
  return !!current && current.groups.includes("supervisor");
}

export async function consoleConfig() {
  try {
    const response = await fetch("/console-config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return { auth: "development" };
    return await response.json();
  } catch {
    return { auth: "development" };
  }
}

export function cognitoSignInUrl(config) {
  const redirect = `${location.origin}/`;
  const params = new URLSearchParams({ response_type: "token", client_id: config.clientId, redirect_uri: redirect, scope: "openid email profile" });
  return `https://${config.domain}/oauth2/authorize?${params}`;
}
