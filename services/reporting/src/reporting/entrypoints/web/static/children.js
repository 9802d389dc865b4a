// The children behind a figure: a dialog with a table, a page at a time ("more" follows next_after).

import * as api from "./api.js";
import { byId, fill, h } from "./dom.js";
import { monthText, num, t, term } from "./i18n.js";
import { figureLabel } from "./views.js";

let current = null; // { desc, items, next, loading, error }
let onError = () => {};

/** Wire the dialog's buttons; `errors(e)` shows an API error (a 401 signs out). */
export function setUp(errors) {
  onError = errors;
  byId("list-close").addEventListener("click", () => byId("children-dialog").close());
  byId("list-more").addEventListener("click", () => more());
  byId("children-dialog").addEventListener("close", () => {
    current = null;
  });
}

/** Open the list of the children behind a figure. */
export function open(desc) {
  current = { desc, items: [], next: null, loading: false, error: null };
  render();
  const dialog = byId("children-dialog");
  if (!dialog.open) dialog.showModal();
  more();
}

async function more() {
  const state = current;
  if (!state || state.loading) return;
  state.loading = true;
  render();
  try {
    const page = await api.children(state.desc.unitId, {
      figure: state.desc.figure,
      month: state.desc.month,
      duty: state.desc.duty,
      after: state.next,
    });
    if (current !== state) return;
    state.items.push(...page.items);
    state.next = page.next_after;
  } catch (error) {
    if (current !== state) return;
    state.error = error;
    onError(error, { inList: true });
  } finally {
    state.loading = false;
    if (current === state) render();
  }
}

function missing(child) {
  if (child.archive_complete) return h("span", { class: "tag ok" }, t("list.complete"));
  const what = child.missing_contacts.map((c) => term("contact", c)).join("、");
  return h("span", { class: "tag warn" }, t("list.missing", { what }));
}

function row(child) {
  return h(
    "tr",
    { dataset: { childId: child.child_id } },
    h("th", { scope: "row", class: "child-name" }, child.name),
    h("td", {}, child.class_unit ? child.class_unit.name : "—"),
    h("td", {}, child.left_behind_type ? term("lbt", child.left_behind_type) : "—"),
    h(
      "td",
      {},
      child.guardian
        ? h("span", { class: `tag${child.guardian === "none" ? " bad" : ""}` }, term("guardian", child.guardian))
        : "—",
    ),
    h("td", {}, h("span", { class: `tag ${child.paired ? "ok" : "warn"}` }, t(child.paired ? "list.yes" : "list.no"))),
    h("td", {}, missing(child)),
    h(
      "td",
      {},
      child.risk_level ? h("span", { class: `tag risk-${child.risk_level}` }, term("risk", child.risk_level)) : "—",
    ),
  );
}

/** Draw the dialog from the list's state (again after a language switch). */
export function render() {
  const state = current;
  if (!state) return;
  const { desc } = state;
  byId("list-title").textContent = t("list.title", { figure: figureLabel(desc.figure, desc.duty), unit: desc.unitName });
  byId("list-sub").textContent = [
    t("list.month", { month: monthText(desc.month) }),
    desc.count !== null && desc.count !== undefined ? t("list.count", { n: num(desc.count) }) : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const head = h(
    "tr",
    {},
    ["list.name", "list.class", "list.type", "list.guardian", "list.paired", "list.archive", "list.risk"].map((c) =>
      h("th", { scope: "col" }, t(c)),
    ),
  );
  fill(byId("list-table"), h("thead", {}, head), h("tbody", {}, state.items.map(row)));
  const status = byId("list-status");
  if (state.loading) status.textContent = t("app.loading");
  else if (!state.items.length && !state.error) status.textContent = t("list.empty");
  else status.textContent = t("list.shown", { n: num(state.items.length) });
  const moreButton = byId("list-more");
  moreButton.hidden = !state.next;
  moreButton.disabled = state.loading;
  byId("children-dialog").dataset.state = state.loading ? "loading" : "ready";
}
