// The bearer token and the reporting API's three reads.
// The token arrives in the URL fragment (#token=…: never sent to the server, so never in a log), is
// kept in sessionStorage (this tab only) and taken out of the address bar at once.

const TOKEN = "shouhu.dashboard.token";

/** Move a token from the URL fragment into sessionStorage, and drop the fragment from the address bar. */
export function takeTokenFromFragment() {
  if (!location.hash) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) saveToken(token);
  history.replaceState(history.state, "", location.pathname + location.search);
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN);
  } catch {
    return null;
  }
}

export function saveToken(value) {
  sessionStorage.setItem(TOKEN, value.trim().replace(/^Bearer\s+/i, ""));
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN);
}

/** The org unit a token is scoped to (its unverified `org` claim: only a default, the API decides). */
export function tokenUnit(value) {
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
    return typeof claims.org === "string" ? claims.org : null;
  } catch {
    return null;
  }
}

/** An answer that is not 2xx: its status and its problem+json document when it has one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(`HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function get(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") query.set(k, v);
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;
  let response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${token() ?? ""}`, Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      // not a problem document
    }
    throw new ApiError(response.status, problem);
  }
  return response.json();
}

const unitPath = (unitId) => `/v1/org-units/${encodeURIComponent(unitId)}`;

/** A unit's KPIs for a month (null: this month). */
export function kpis(unitId, month) {
  return get(`${unitPath(unitId)}/kpis`, { month });
}

/** Every sub-unit of a unit with its figures, following next_after (at most `pages` pages of 500). */
export async function subUnits(unitId, month, pages = 20) {
  const items = [];
  let after = null;
  for (let i = 0; i < pages; i += 1) {
    const page = await get(`${unitPath(unitId)}/sub-units`, { month, after, limit: 500 });
    items.push(...page.items);
    after = page.next_after;
    if (!after) break;
  }
  return items;
}

/** One page of the children behind a figure. */
export function children(unitId, { figure, month, duty, after, limit = 50 }) {
  return get(`${unitPath(unitId)}/children`, { figure, month, duty, after, limit });
}
