// The dashboard: which unit and month (from the address), sign-in, loading, and drawing the panels.
//   /dashboard?unit_id=<id>&month=YYYY-MM#token=<bearer token>

import * as api from "./api.js";
import { chartsAvailable } from "./charts.js";
import * as list from "./children.js";
import { byId, fill, h } from "./dom.js";
import { applyStatic, language, monthText, num, setLanguage, t, term } from "./i18n.js";
import { renderDuties, renderKpis, renderMix, renderRank, renderTrend } from "./views.js";

api.takeTokenFromFragment(); // first: the token leaves the address bar before anything else runs

const state = { kpis: null, subs: [], rank: "coverage", nowMonth: null, seq: 0, error: null };

function address() {
  const params = new URLSearchParams(location.search);
  return { unitId: params.get("unit_id"), month: params.get("month") };
}

function setAddress(unitId, month, push) {
  const params = new URLSearchParams();
  if (unitId) params.set("unit_id", unitId);
  if (month) params.set("month", month);
  const url = `${location.pathname}?${params}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function setMode(mode) {
  document.body.dataset.state = mode;
  byId("signin").hidden = mode !== "signin";
  byId("board").hidden = mode !== "ready" && mode !== "loading";
  byId("loading").hidden = mode !== "loading";
}

function notice(message, tone = "error", action = null) {
  const el = byId("notice");
  el.hidden = !message;
  el.className = `notice ${tone}`;
  fill(el, message ? h("span", {}, message) : null, action);
}

function addMonths(month, n) {
  const [y, m] = month.split("-").map(Number);
  const index = y * 12 + m - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** Show a unit and month (pushing a history entry, so Back returns to the unit above). */
function go(unitId, month, push = true) {
  setAddress(unitId, month, push);
  load();
}

function showSignin(message) {
  setMode("signin");
  notice(message ?? null, "error");
  const unit = address().unitId;
  byId("signin-unit").value = unit ?? "";
  byId("signin-token").value = "";
  byId("signin-token").focus();
}

/** The problem document's detail, in the page's language, when it adds to our own message. */
function problemText(error) {
  const p = error.problem;
  if (!p || error.status === 401 || error.status === 404) return "";
  const detail = language() === "en" ? p.detail_en : p.detail;
  return detail ? ` (${detail})` : "";
}

/** Say what went wrong: a 401 asks for a new token; the rest say so over the page. */
function showError(error, { inList = false } = {}) {
  if (!(error instanceof api.ApiError)) throw error;
  const status = error.status;
  if (status === 401) {
    api.forgetToken();
    if (inList) byId("children-dialog").close();
    showSignin(t("err.401") + problemText(error));
    return;
  }
  const message =
    status === 0
      ? t("err.network")
      : [403, 404, 422].includes(status)
        ? t(`err.${status}`) + problemText(error)
        : t("err.other", { status });
  const mine = api.tokenUnit(api.token() ?? "");
  const back =
    !inList && mine && mine !== address().unitId
      ? h("button", { type: "button", class: "chip", onclick: () => go(mine, null) }, t("nav.home"))
      : null;
  if (inList) {
    byId("list-status").textContent = message;
    return;
  }
  state.error = error;
  fill(byId("trail-list"));
  setMode("error");
  document.body.dataset.error = String(status);
  notice(message, "error", back);
}

async function load() {
  const token = api.token();
  if (!token) {
    showSignin();
    return;
  }
  const { month } = address();
  const unitId = address().unitId ?? api.tokenUnit(token);
  if (!unitId) {
    showSignin(t("auth.need_unit"));
    return;
  }
  const seq = ++state.seq;
  const dialog = byId("children-dialog");
  if (dialog.open) dialog.close(); // the list belonged to the unit or month being left
  setMode("loading");
  notice(chartsAvailable() ? null : t("err.charts"), "error");
  delete document.body.dataset.error;
  try {
    const [kpis, subs] = await Promise.all([api.kpis(unitId, month), api.subUnits(unitId, month)]);
    if (seq !== state.seq) return;
    if (!month && !state.nowMonth) state.nowMonth = kpis.month;
    state.kpis = kpis;
    state.subs = subs;
    state.error = null;
    setMode("ready");
    render();
  } catch (error) {
    if (seq === state.seq) showError(error);
  }
}

const actions = {
  open: (desc) => list.open(desc),
  drill: (unit) => go(unit.unit_id, state.kpis?.month ?? null),
  month: (month) => go(state.kpis.unit.unit_id, month),
  rank: (key) => {
    state.rank = key;
    renderRank(state.kpis, state.subs, state.rank, actions);
  },
};

function renderTrail(k) {
  const crumbs = k.trail.map((u) =>
    h(
      "li",
      {},
      h(
        "a",
        { href: `?unit_id=${encodeURIComponent(u.unit_id)}&month=${k.month}`, dataset: { unitId: u.unit_id }, onclick: (e) => {
          e.preventDefault();
          go(u.unit_id, k.month);
        } },
        u.name,
      ),
    ),
  );
  crumbs.push(h("li", { "aria-current": "page" }, k.unit.name));
  fill(byId("trail-list"), crumbs);
}

function renderHead(k) {
  byId("unit-name").textContent = k.unit.name;
  byId("unit-kind").textContent = term("kind", k.unit.kind);
  byId("unit-month").textContent = monthText(k.month);
  byId("unit-summary").textContent = `${t("kpi.children")} ${num(k.children)}`;
  const input = byId("month");
  input.value = k.month;
  if (state.nowMonth) input.max = state.nowMonth;
  byId("month-next").disabled = Boolean(state.nowMonth) && k.month >= state.nowMonth;
  document.body.dataset.unitId = k.unit.unit_id;
  document.body.dataset.month = k.month;
}

/** Draw everything from the state (again after a language switch, with no new request). */
function render() {
  applyStatic();
  byId("lang").textContent = t("app.lang");
  const k = state.kpis;
  if (!k) return;
  renderTrail(k);
  renderHead(k);
  renderKpis(k, actions);
  renderTrend(k, actions);
  renderRank(k, state.subs, state.rank, actions);
  renderMix(k, actions);
  renderDuties(k, actions);
  list.render();
}

function wire() {
  byId("lang").addEventListener("click", () => {
    setLanguage(language() === "zh" ? "en" : "zh");
    render();
    if (document.body.dataset.state === "signin") applyStatic();
    if (!chartsAvailable()) notice(t("err.charts"), "error");
  });
  byId("signout").addEventListener("click", () => {
    api.forgetToken();
    showSignin();
  });
  byId("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = byId("signin-token").value.trim();
    if (!token) return;
    api.saveToken(token);
    const unit = byId("signin-unit").value.trim() || address().unitId || api.tokenUnit(token);
    go(unit, address().month, false);
  });
  byId("month").addEventListener("change", (event) => {
    const month = event.target.value;
    if (month && state.kpis) go(state.kpis.unit.unit_id, month);
  });
  byId("month-prev").addEventListener("click", () => state.kpis && go(state.kpis.unit.unit_id, addMonths(state.kpis.month, -1)));
  byId("month-next").addEventListener("click", () => state.kpis && go(state.kpis.unit.unit_id, addMonths(state.kpis.month, 1)));
  window.addEventListener("popstate", () => load());
  list.setUp(showError);
}

setLanguage(language());
applyStatic();
byId("lang").textContent = t("app.lang");
wire();
load();
