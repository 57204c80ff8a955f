// The admin's decision-table editor: dmn-js (its browser bundle, the global DmnJS) on each DMN file of the
// procedure's saved draft; edits are autosaved into the draft's `decisions`, checked and published with it.
// A new file is added to the draft and named in the manifest's process.dmn.
import { DraftStore } from "./draft.js";

const root = document.getElementById("decisions");
const data = root.dataset;
const picker = document.getElementById("decision-file");
const statusLine = document.getElementById("decisions-status");
const problemsList = document.getElementById("problems");
// dmn-js's own words in the page's language, from the gettext catalogues.
const words = JSON.parse(document.getElementById("dmn-words").textContent);
const translate = (template, replacements) => (words[template] || template)
  .replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
const translated = { additionalModules: [{ translate: ["value", translate] }] };  // each view's own: not `common`
const dmn = new DmnJS({  // eslint-disable-line no-undef
  container: "#dmn", drd: translated, decisionTable: translated, literalExpression: translated,
  boxedExpression: translated });
let current = null;
let importing = false;

function say(text, kind) {
  statusLine.textContent = text;
  statusLine.className = "flash " + (kind || "status");
}

async function currentXML() {
  return current ? (await dmn.saveXML({ format: true })).xml : null;
}

const store = new DraftStore({
  code: data.code, csrf: data.csrf,
  sources: { decisions: async () => ({ ...store.draft.decisions, ...(current ? { [current]: await currentXML() } : {}) }) },
  onChange: (state, error) => {
    if (state === "saved" || state === "loaded") {
      const at = store.draft.updated_at ? new Date(store.draft.updated_at).toLocaleTimeString() : "";
      document.getElementById("draft-state").textContent = store.draft.revision
        ? `${data.savedAt} ${at} (${data.revision} ${store.draft.revision})` : data.notSaved;
    }
    if (state === "changed") document.getElementById("draft-state").textContent = data.unsaved;
    if (state === "conflict") say(`${data.conflict} ${error.message}`, "error");
    if (state === "failed") say(error.message, "error");
    if (state === "checked") {
      problemsList.replaceChildren(...store.problems.map((problem) => Object.assign(document.createElement("li"), {
        textContent: (problem.element_id ? problem.element_id + ": " : "") + problem.message })));
    }
  },
});

function listFiles() {
  picker.replaceChildren(...Object.keys(store.draft.decisions).sort().map((name) =>
    Object.assign(document.createElement("option"), { value: name, textContent: name, selected: name === current })));
}

async function open(name) {
  if (current) store.draft.decisions = { ...store.draft.decisions, [current]: await currentXML() };
  current = name;
  importing = true;
  try {
    await dmn.importXML(store.draft.decisions[name]);
  } finally {
    importing = false;
  }
  const table = dmn.getViews().find((view) => view.type === "decisionTable");
  if (table) await dmn.open(table);
  listFiles();
}

function blank(name) {
  const id = name.replace(/\.dmn$/, "");
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_${id}" name="${id}" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="${id}" name="${id}">
    <decisionTable id="DecisionTable_${id}" hitPolicy="UNIQUE">
      <input id="Input_${id}" label="">
        <inputExpression id="InputExpression_${id}" typeRef="string"><text></text></inputExpression>
      </input>
      <output id="Output_${id}" label="" name="${id}" typeRef="string" />
    </decisionTable>
  </decision>
</definitions>
`;
}

async function addFile() {
  const name = document.getElementById("new-decision").value.trim();
  if (!/^[a-z0-9_]+\.dmn$/.test(name) || name in store.draft.decisions) { say(data.badName, "error"); return; }
  const manifest = store.draft.manifest;
  const process = { ...(manifest.process || {}) };
  process.dmn = [...(process.dmn || []), name];
  store.change("manifest", { ...manifest, process });
  store.change("decisions", { ...store.draft.decisions, [name]: blank(name) });
  await open(name);
  await store.save();
  say(data.saved, "success");
}

async function run(action) {
  try {
    await action();
  } catch (error) {
    say(error.message, "error");
  }
}

dmn.on("views.changed", () => {
  const viewer = dmn.getActiveViewer();
  if (viewer && !viewer.onestopWatched) {
    viewer.onestopWatched = true;
    viewer.get("eventBus").on("commandStack.changed", () => { if (!importing) store.change("decisions"); });
  }
});
picker.addEventListener("change", () => run(() => open(picker.value)));
const on = (id, handler) => document.getElementById(id).addEventListener("click", () => run(handler));
on("add-decision", addFile);
on("save", async () => { await store.save(); say(data.saved, "success"); });
on("validate", async () => {
  const result = await store.validate();
  say(result.valid ? data.valid : data.invalid, result.valid ? "success" : "error");
});
on("publish", async () => {
  const published = await store.publish();
  say(`${data.published} ${published.version}`, "success");
});

run(async () => {
  await store.load();
  const names = Object.keys(store.draft.decisions).sort();
  if (names.length) await open(names[0]); else listFiles();
  root.dataset.ready = "true";
});
window.onestopDecisions = dmn;  // for the end-to-end tests and the browser console
window.onestopDraft = store;
