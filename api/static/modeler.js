// The admin's BPMN modeler: bpmn-js edits the diagram in the browser; the server validates the draft
// (POST /api/v1/process-models/{code}/validate) and publishes it as a new version (POST .../versions).
// Problems the server finds are marked on the diagram elements they concern.
(function () {
  "use strict";
  const root = document.getElementById("modeler");
  const code = root.dataset.code;
  const csrf = root.dataset.csrf;
  const api = `/api/v1/process-models/${encodeURIComponent(code)}`;
  const problemsList = document.getElementById("problems");
  const statusLine = document.getElementById("modeler-status");
  // bpmn-js's own words (palette, context pad) in the page's language, from the gettext catalogues.
  const words = JSON.parse(document.getElementById("modeler-words").textContent);
  const translate = (template, replacements) => (words[template] || template)
    .replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
  const modeler = new BpmnJS({ container: "#canvas", keyboard: { bindTo: document },
    additionalModules: [{ translate: ["value", translate] }] });
  let marked = [];

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "flash " + (kind || "status");
  }

  async function call(path, body) {
    const response = await fetch(api + path, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json", "X-CSRF-Token": csrf } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    const payload = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, payload };
  }

  function clearMarks() {
    const canvas = modeler.get("canvas");
    const overlays = modeler.get("overlays");
    marked.forEach((id) => { canvas.removeMarker(id, "has-problem"); });
    overlays.remove({ type: "problem" });
    marked = [];
    problemsList.innerHTML = "";
  }

  function showProblems(problems) {
    clearMarks();
    const registry = modeler.get("elementRegistry");
    const canvas = modeler.get("canvas");
    const overlays = modeler.get("overlays");
    problems.forEach((problem) => {
      const item = document.createElement("li");
      const element = problem.element_id && registry.get(problem.element_id);
      item.textContent = (problem.element_id ? problem.element_id + ": " : "") + problem.message;
      if (element) {
        canvas.addMarker(problem.element_id, "has-problem");
        marked.push(problem.element_id);
        overlays.add(problem.element_id, "problem", {
          position: { top: -12, right: 12 },
          html: `<span class="problem-badge" title="${problem.message.replace(/"/g, "&quot;")}">!</span>`,
        });
        const jump = document.createElement("button");
        jump.type = "button";
        jump.className = "link";
        jump.textContent = "→";
        jump.setAttribute("aria-label", root.dataset.show + " " + problem.element_id);
        jump.addEventListener("click", () => {
          modeler.get("selection").select(element);
          canvas.scrollToElement(element);
        });
        item.prepend(jump);
      }
      problemsList.appendChild(item);
    });
  }

  async function draft() {
    const { xml } = await modeler.saveXML({ format: true });
    return { bpmn: xml };
  }

  async function validate() {
    const result = await call("/validate", await draft());
    if (!result.ok) { say(result.payload.detail || String(result.status), "error"); return false; }
    showProblems(result.payload.problems);
    say(result.payload.valid ? root.dataset.valid : root.dataset.invalid, result.payload.valid ? "success" : "error");
    return result.payload.valid;
  }

  async function publish() {
    // base_version: if another admin published meanwhile, the server refuses rather than overwrite it.
    const base = Number(document.getElementById("version").textContent);
    const result = await call("/versions", { ...(await draft()), base_version: base });
    if (result.status === 201) {
      clearMarks();
      say(`${root.dataset.published} ${result.payload.version}`, "success");
      document.getElementById("version").textContent = result.payload.version;
      return;
    }
    const problems = result.payload.problems
      || (result.payload.errors || []).map((e) => ({ element_id: e.element_id || null, message: e.detail }));
    showProblems(problems);
    say(result.payload.detail || String(result.status), "error");
  }

  async function download() {
    const { xml } = await modeler.saveXML({ format: true });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
    link.download = `${code}.bpmn`;
    link.click();
  }

  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("publish").addEventListener("click", publish);
  document.getElementById("download").addEventListener("click", download);

  call("").then(async (result) => {
    if (!result.ok) { say(result.payload.detail || String(result.status), "error"); return; }
    await modeler.importXML(result.payload.bpmn);
    modeler.get("canvas").zoom("fit-viewport");
    root.dataset.ready = "true";
  });
  window.onestopModeler = modeler;  // for the end-to-end tests and the browser console
})();
