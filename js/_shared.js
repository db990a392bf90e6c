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

/** The first message every view sends; Python's Widget answers it at once (`on_hello`). */
export const HELLO = "hello";
/** How long a view waits for that answer before it says, in the widget, that messages may not flow. */
export const NOTE_AFTER_MS = 10_000;
export const FRONTEND_NOTE =
  "No answer from Python yet: this notebook front end may not pass the widget's messages (anywidget custom " +
  "messages). What Python set is shown, but buttons such as Run, Stop, Test, Save and Verify may not work here. " +
  "If a long cell is running, this note goes away once the kernel answers; otherwise open the notebook in " +
  "JupyterLab, Jupyter Notebook 7, Voila or marimo.";

/** Check that messages reach Python and come back: `slot` (an element the view puts first) shows
 * FRONTEND_NOTE when no answer came within `after` ms, or at once when sending fails; a late answer
 * removes the note again. Its own requester, so the view's request ids are unchanged; `stop()`
 * (the view's cleanup) ends the wait and removes its listener. */
export function messageCheck(model, { after = NOTE_AFTER_MS } = {}) {
  const slot = h("div", { class: "nbc-frontend-slot", "aria-live": "polite" });
  // a long timeout: a busy kernel's late answer still clears the note
  const ctx = requester(model, { timeout: 3_600_000 });
  let answered = false;
  const show = () => {
    if (!answered) slot.replaceChildren(h("div", { class: "nbc-frontend-note", role: "note", text: FRONTEND_NOTE }));
  };
  const timer = setTimeout(show, after ?? NOTE_AFTER_MS);
  ctx.request(HELLO).then((reply) => {
    if (reply.timeout) return;
    answered = true;
    clearTimeout(timer);
    slot.setAttribute("data-answered", "true"); // tests in real browsers wait for this
    slot.replaceChildren();
  }, () => { clearTimeout(timer); show(); });
  return { slot, stop: () => { clearTimeout(timer); ctx.dispose(); } };
}
