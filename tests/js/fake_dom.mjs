// Just enough of a DOM for the views to render in node: elements with children, attributes, text,
// listeners and class selectors. Not a browser (layout, focus rules and CSS are the browser tests' job).

class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.attributes = {};
    this.listeners = {};
    this.dataset = {};
    this.style = {};
    this.className = "";
    this.parent = null;
    this.hidden = false;
    this.disabled = false;
    this.value = "";
    this.own = "";
  }

  append(...nodes) {
    for (const node of nodes) {
      if (node instanceof FakeElement) node.parent = this;
      this.children.push(node instanceof FakeElement ? node : String(node));
    }
  }

  replaceChildren(...nodes) { this.children = []; this.append(...nodes); }

  get textContent() {
    return this.own + this.children.map((c) => (typeof c === "string" ? c : c.textContent)).join("");
  }

  set textContent(text) { this.own = String(text); this.children = []; }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
    if (name === "id" || name === "value") this[name] = String(value); // as the attribute sets the default
    if (name.startsWith("data-")) this.dataset[name.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = String(value);
  }

  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }

  removeAttribute(name) { delete this.attributes[name]; }

  addEventListener(type, callback) { (this.listeners[type] ||= []).push(callback); }

  dispatch(type, extra = {}) {
    const event = { type, target: this, preventDefault() {}, ...extra };
    for (const callback of this.listeners[type] || []) callback(event);
  }

  click() { if (!this.disabled) this.dispatch("click"); }

  focus() { fakeDocument.activeElement = this; }

  get elements() { return this.children.filter((c) => c instanceof FakeElement); }

  matches(selector) { return selector.startsWith(".") && this.className.split(/\s+/).includes(selector.slice(1)); }

  closest(selector) {
    for (let el = this; el; el = el.parent) if (el.matches(selector)) return el;
    return null;
  }

  /** Single class selectors only (".pg-run"): all the views' own code uses. */
  querySelectorAll(selector) {
    const out = [];
    const walk = (el) => { for (const child of el.elements) { if (child.matches(selector)) out.push(child); walk(child); } };
    walk(this);
    return out;
  }

  querySelector(selector) { return this.querySelectorAll(selector)[0] ?? null; }
}

export const fakeDocument = {
  activeElement: null,
  createElement: (tag) => new FakeElement(tag),
};

/** Install the fake as the global `document` (and `CSS.escape`); returns a fresh root element. */
export function installDom() {
  globalThis.document = fakeDocument;
  globalThis.CSS ??= { escape: (s) => String(s).replace(/["\\]/g, "\\$&") };
  fakeDocument.activeElement = null;
  return fakeDocument.createElement("div");
}
