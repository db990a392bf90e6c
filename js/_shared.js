// Helpers every nbconnect widget view imports. Python inlines this module into each view's bundle
// (nbconnect/_widgets/assets.py: anywidget loads one string); node's test runner imports it as is.

/** Create an element: h("button", {class: "x", onclick: f}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) if (child != null && child !== false) el.append(child);
  return el;
}

/** How long a request waits for Python's reply. After a kernel restart no reply ever comes, and a
 * button must not stay busy forever; a check of every connection takes at most ~30 s. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Request/reply over custom messages: `request(kind, body)` resolves with Python's
 * {"kind": "reply", "id": ..., "ok": ...}, or after `timeout` ms with {ok: false, timeout: true, error}. */
export function requester(model, { timeout = REQUEST_TIMEOUT_MS } = {}) {
  const prefix = Math.random().toString(36).slice(2, 8);
  const waiting = new Map(); // id -> {resolve, timer}
  let count = 0;
  const settle = (id, reply) => {
    const entry = waiting.get(id);
    if (!entry) return;
    waiting.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(reply);
  };
  const onMessage = (msg) => {
    if (msg?.kind === "reply") settle(msg.id, msg);
  };
  model.on("msg:custom", onMessage);
  return {
    request(kind, body = {}, { timeout: ms = timeout } = {}) {
      const id = `${prefix}-${++count}`;
      return new Promise((resolve) => {
        const timer = setTimeout(() => settle(id, {
          kind: "reply", for: kind, id, ok: false, timeout: true,
          error: `No answer from the kernel after ${Math.round(ms / 1000)} s: it may be busy running a cell, or it restarted ` +
            "(then run the cell that shows this widget again).",
        }), ms);
        waiting.set(id, { resolve, timer });
        model.send({ kind, id, ...body });
      });
    },
    /** Requests sent and not answered yet. */
    get pending() { return waiting.size; },
    dispose() {
      model.off("msg:custom", onMessage);
      for (const { timer } of waiting.values()) clearTimeout(timer);
      waiting.clear();
    },
  };
}

/** Model listeners that all go away together: `on` like model.on, `later(f)` for other cleanup,
 * `off()` removes every listener and runs the cleanups (the function a view's render returns). */
export function listen(model) {
  const added = [];
  const cleanups = [];
  return {
    on(event, callback) {
      model.on(event, callback);
      added.push([event, callback]);
    },
    later(cleanup) { cleanups.push(cleanup); },
    get count() { return added.length; },
    off() {
      for (const [event, callback] of added.splice(0)) model.off(event, callback);
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}
