// The procedure's saved draft on the server (GET/PUT/DELETE /api/v1/process-models/{code}/draft, .../validate,
// .../publish), shared by the diagram and decision editors: changed parts are saved together after a pause,
// one save at a time, under the draft's revision. No bpmn-js here.
const SAVE_AFTER_MS = 1500;

export class Conflict extends Error {}

export class DraftStore {
  /**
   * @param {{code: string, csrf: string, sources?: object, onChange?: Function}} options  `sources` gives a
   *   part's newest content when it is saved (the diagram's XML); `onChange` hears every state change.
   */
  constructor({ code, csrf, sources, onChange }) {
    this.api = `/api/v1/process-models/${encodeURIComponent(code)}/draft`;
    this.csrf = csrf;
    this.sources = sources || {};
    this.onChange = onChange || (() => {});
    this.draft = null;
    this.dirty = new Set();
    this.problems = [];
    this.queue = Promise.resolve();
    this.timer = null;
  }

  async call(method, path, body) {
    const response = await fetch(this.api + path, {
      method, credentials: "same-origin",
      headers: { "X-CSRF-Token": this.csrf, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (response.status === 409) throw new Conflict(payload.detail || "409");
    if (!response.ok) {
      const fields = (payload.errors || []).map((e) => [e.pointer, e.detail].filter(Boolean).join(": "));
      throw Object.assign(new Error([payload.detail || String(response.status), ...fields].join(" ")), { payload });
    }
    return payload;
  }

  async load() {
    this.draft = await this.call("GET", "");
    this.dirty.clear();
    this.onChange("loaded");
    return this.draft;
  }

  /** Marks `part` changed (its value given, or read from `sources` at saving time) and saves after a pause. */
  change(part, value) {
    if (value !== undefined) this.draft[part] = value;
    this.dirty.add(part);
    this.onChange("changed");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save().catch(() => {}), SAVE_AFTER_MS);
  }

  /** Saves what changed now; resolves once every change made so far is on the server. */
  save() {
    clearTimeout(this.timer);
    this.queue = this.queue.catch(() => {}).then(() => this.putDirty());
    return this.queue;
  }

  async putDirty() {
    if (!this.dirty.size) return;
    const parts = [...this.dirty];
    this.dirty.clear();
    const body = { revision: this.draft.revision };
    try {
      for (const part of parts) body[part] = this.sources[part] ? await this.sources[part]() : this.draft[part];
      const saved = await this.call("PUT", "", body);
      Object.assign(this.draft, { revision: saved.revision, updated_at: saved.updated_at,
        updated_by: saved.updated_by });
      this.onChange("saved");
    } catch (error) {
      parts.forEach((part) => this.dirty.add(part));
      this.onChange(error instanceof Conflict ? "conflict" : "failed", error);
      throw error;
    }
  }

  async validate() {
    await this.save();
    const result = await this.call("POST", "/validate");
    this.setProblems(result.problems);
    return result;
  }

  async publish() {
    await this.save();
    try {
      const published = await this.call("POST", "/publish", { revision: this.draft.revision });
      this.setProblems([]);
      await this.load();
      return published;
    } catch (error) {
      if (error.payload) {
        this.setProblems(error.payload.problems || (error.payload.errors || []).map((e) => ({
          element_id: e.element_id || null, message: e.detail })));
      }
      throw error;
    }
  }

  async discard() {
    clearTimeout(this.timer);
    this.dirty.clear();
    if (this.draft.revision) await this.call("DELETE", `?revision=${this.draft.revision}`);
    return this.load();
  }

  setProblems(problems) {
    this.problems = problems || [];
    this.onChange("checked");
  }

  problemsFor(elementId) {
    return this.problems.filter((problem) => problem.element_id === elementId).map((problem) => problem.message);
  }

  forms() { return this.draft.forms || {}; }

  /** Adds a minimal form `<procedure key>/<task id>` unless it exists; returns its id. */
  addTaskForm(taskId, title) {
    const key = String(this.draft.manifest.application_form || this.draft.code).split("/")[0];
    // Form ids are small letters, digits and _ (a drawn task's id is like "Activity_0x1y2z3").
    const id = `${key}/${taskId.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
    if (!this.forms()[id]) {
      this.change("forms", { ...this.forms(), [id]: {
        $schema: "https://json-schema.org/draft/2020-12/schema", $id: id, title: title || taskId,
        type: "object", properties: {} } });
    }
    return id;
  }

  lane(name) { return (this.draft.manifest.lanes || {})[name]; }

  setLane(name, binding) {
    this.change("manifest", { ...this.draft.manifest, lanes: { ...(this.draft.manifest.lanes || {}), [name]: binding } });
  }

  /** Moves the binding of lane `from` to `to` (a lane renamed), unless another lane keeps the old name. */
  renameLane(from, to, stillUsed) {
    const lanes = { ...(this.draft.manifest.lanes || {}) };
    if (!from || !to || from === to || !(from in lanes) || to in lanes) return;
    lanes[to] = lanes[from];
    if (!stillUsed) delete lanes[from];
    this.change("manifest", { ...this.draft.manifest, lanes });
  }
}
