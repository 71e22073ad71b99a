// The console's calls: the /console route family on the same origin, with the signed-in user's
// token. A 404 "no such route" means this server does not offer the feature yet.
//
// A read (GET) that meets a throttle or a gateway's passing failure (429, 502, 503, 504) or no
// answer at all is asked again, up to RETRY_DELAYS_MS.length times, after the delay listed (or the
// server's Retry-After, at most MAX_RETRY_AFTER_MS): in a promotion API Gateway throttles, and a
// page that showed an error for one such answer would leave its operator reloading by hand. A
// write (POST, DELETE) is never repeated here: it may have taken effect; its error is shown.
import { session, signOut } from "./session.js";

export const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
export const RETRY_DELAYS_MS = [250, 750, 2000];
const MAX_RETRY_AFTER_MS = 5000;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.notAvailable = status === 404 && body && body.message === "no such route";
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryDelay(response, attempt) {
  const seconds = Number(response && response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : RETRY_DELAYS_MS[attempt];
}

async function send(method, path, headers, body) {
  const retries = method === "GET" ? RETRY_DELAYS_MS.length : 0;
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(`/console${path}`, { method, headers, body });
    } catch (error) {
      if (attempt >= retries) throw error; // no answer: the network or the server is down
      await sleep(RETRY_DELAYS_MS[attempt]);
      continue;
    }
    if (attempt >= retries || !RETRIED_STATUSES.has(response.status)) return response;
    await sleep(retryDelay(response, attempt));
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const current = session();
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (response.status === 401) {
    signOut();
    throw new ApiError(401, parsed);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
export const del = (path) => api("DELETE", path);
