// A widget model as anywidget hands it to a view (get/set/on/off/send/save_changes), in memory.
// `emit(event, ...args)` plays Python (a trait change or a custom message); `sent` and `saved`
// record what the view sent; `listeners()` counts what is still subscribed. The views' first
// message ("hello", js/_shared.js messageCheck) is answered at once like Python does and kept out of
// `sent` (counted in `hellos`); `new FakeModel(state, { silent: true })` plays a front end that
// never delivers messages.

export class FakeModel {
  constructor(state = {}, { silent = false } = {}) {
    this.state = { ...state };
    this.silent = silent;
    this.hellos = 0;
    this.handlers = new Map(); // event -> [callback]
    this.sent = [];
    this.saved = [];
  }

  get(name) { return this.state[name]; }

  set(name, value) {
    this.state[name] = value;
    this.emit(`change:${name}`);
  }

  save_changes() { this.saved.push({ ...this.state }); }

  send(content) {
    if (this.silent) { this.sent.push(content); return; } // delivered nowhere, answered never
    if (content?.kind === "hello") {
      this.hellos += 1;
      queueMicrotask(() => this.reply(content.id, { for: "hello", ok: true }));
      return;
    }
    this.sent.push(content);
  }

  on(event, callback) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(callback);
  }

  off(event, callback) {
    const list = this.handlers.get(event) || [];
    const at = list.indexOf(callback);
    if (at >= 0) list.splice(at, 1);
  }

  emit(event, ...args) {
    for (const callback of [...(this.handlers.get(event) || [])]) callback(...args);
  }

  /** Python sets a trait (as a kernel update does): the value changes, then change:NAME fires. */
  update(name, value) { this.set(name, value); }

  /** Python answers the request with id `id` (as Widget._reply does). */
  reply(id, body) { this.emit("msg:custom", { kind: "reply", id, ...body }); }

  listeners() {
    let n = 0;
    for (const list of this.handlers.values()) n += list.length;
    return n;
  }
}
