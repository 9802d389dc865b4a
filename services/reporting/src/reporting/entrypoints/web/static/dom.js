// Building elements without HTML strings: every name and figure goes in as text, never as markup.

/** An element with attributes (class, dataset.*, on*, or plain) and children (nodes or text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The element of an id (a missing one is a bug in the page: say so). */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: no element #${id}`);
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** Activate on click and on Enter/Space, for elements that act as buttons but are not <button>. */
export function clickable(el, action) {
  el.addEventListener("click", action);
  el.addEventListener("keydown", (event) => {
    if (event.target === el && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      action(event);
    }
  });
  return el;
}
