// Helpers every nbconnect widget view uses. Python joins this file in front of each widget's
// module (nbconnect._widget_base.bundle), so there are no runtime imports and no build step.

/** Create an element: h("button", {class: "x", onclick: f}, "text", child, ...). */
function h(tag, attrs = {}, ...children) {
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

/** Request/reply over custom messages: resolves with Python's {"kind": "reply", "id": ...}. */
function requester(model) {
  const prefix = Math.random().toString(36).slice(2, 8);
  const waiting = new Map();
  let count = 0;
  const onMessage = (msg) => {
    if (msg?.kind !== "reply" || !waiting.has(msg.id)) return;
    waiting.get(msg.id)(msg);
    waiting.delete(msg.id);
  };
  model.on("msg:custom", onMessage);
  return {
    request(kind, body = {}) {
      const id = `${prefix}-${++count}`;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        model.send({ kind, id, ...body });
      });
    },
    dispose: () => model.off("msg:custom", onMessage),
  };
}
