// The admin's BPMN modeler page: bpmn-js with the properties panel and our one-stop group, editing the
// procedure's saved draft (autosaved), checked, published or discarded on the server; a .bpmn file can be
// uploaded as the draft's diagram. Problems the server finds are marked on the diagram and in the panel.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import { is } from "bpmn-js/lib/util/ModelUtil";
import spiffworkflow from "./spiffworkflow.json";
import OnestopPropertiesProvider from "./provider.js";
import { DraftStore } from "./draft.js";
import { showProblems } from "./marks.js";
import { debounceInput, flushInputs } from "./debounce.js";

const root = document.getElementById("modeler");
const data = root.dataset;
const json = (id) => JSON.parse(document.getElementById(id).textContent);
// bpmn-js's and the panel's own words in the page's language, from the gettext catalogues.
const words = { ...json("modeler-words"), ...json("panel-words") };
const translate = (template, replacements) => (words[template] || template)
  .replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
const statusLine = document.getElementById("modeler-status");
const draftState = document.getElementById("draft-state");
const reload = document.getElementById("reload");
let importing = false;
let laneNames = new Map();

function say(text, kind) {
  statusLine.textContent = text;
  statusLine.className = "flash " + (kind || "status");
}

const store = new DraftStore({
  code: data.code, csrf: data.csrf,
  sources: { bpmn: async () => (await modeler.saveXML({ format: true })).xml },
  onChange: (state, error) => stateChanged(state, error),
});
const modeler = new BpmnModeler({
  container: "#canvas", propertiesPanel: { parent: "#properties", layout: { groups: { onestop: { open: true } } } },
  moddleExtensions: { spiffworkflow },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, {
    __init__: ["onestopPropertiesProvider"], onestopPropertiesProvider: ["type", OnestopPropertiesProvider],
    translate: ["value", translate], debounceInput: ["value", debounceInput], onestopDraft: ["value", store], onestopChoices: ["value", json("modeler-choices")],
  }],
});

function stateChanged(state, error) {
  if (state === "changed") draftState.textContent = data.unsaved;
  if (state === "saved" || state === "loaded") {
    const at = store.draft.updated_at ? new Date(store.draft.updated_at).toLocaleTimeString() : "";
    draftState.textContent = store.draft.revision
      ? `${data.savedAt} ${at} (${data.revision} ${store.draft.revision})` : data.notSaved;
  }
  if (state === "conflict") { say(`${data.conflict} ${error.message}`, "error"); reload.hidden = false; }
  if (state === "failed") say(error.message, "error");
  if (state === "checked") {
    showProblems(modeler, document.getElementById("problems"), store.problems, data.show);
    modeler.get("eventBus").fire("propertiesPanel.providersChanged");
  }
}

function lanes() {
  return new Map(modeler.get("elementRegistry").filter((e) => is(e, "bpmn:Lane"))
    .map((lane) => [lane.id, lane.businessObject.name || ""]));
}

function diagramChanged() {
  if (importing) return;
  // A renamed lane keeps its role and unit: the binding moves to the new name in the manifest.
  const now = lanes();
  const names = [...now.values()];
  now.forEach((name, id) => {
    const before = laneNames.get(id);
    if (before !== undefined && before !== name) store.renameLane(before, name, names.includes(before));
  });
  laneNames = now;
  store.change("bpmn");
}

async function show(xml) {
  importing = true;
  try {
    await modeler.importXML(xml);
  } finally {
    importing = false;
  }
  laneNames = lanes();
  modeler.get("canvas").zoom("fit-viewport");
}

async function run(action) {
  flushInputs();
  try {
    await action();
  } catch (error) {
    if (!reload.hidden) return;
    say(error.message, "error");
  }
}

async function upload(file) {
  const previous = (await modeler.saveXML({ format: true })).xml;
  const text = await file.text();
  try {
    await show(text);
  } catch (error) {
    await show(previous);  // a file that does not parse leaves the draft as it was
    say(`${data.uploadFailed} ${error.message}`, "error");
    return;
  }
  store.change("bpmn");
  await store.save();
  say(data.uploaded, "success");
}

function download() {
  modeler.saveXML({ format: true }).then(({ xml }) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
    link.download = `${data.code}.bpmn`;
    link.click();
  });
}

const on = (id, handler) => document.getElementById(id).addEventListener("click", () => run(handler));
on("save", async () => { await store.save(); say(data.saved, "success"); });
on("validate", async () => {
  const result = await store.validate();
  say(result.valid ? data.valid : data.invalid, result.valid ? "success" : "error");
});
on("publish", async () => {
  try {
    const published = await store.publish();
    say(`${data.published} ${published.version}`, "success");
    document.getElementById("version").textContent = published.version;
  } catch (error) {
    say(error.message, "error");
  }
});
on("discard", async () => {
  if (!window.confirm(data.confirmDiscard)) return;
  await store.discard();
  await show(store.draft.bpmn);
  store.setProblems([]);
  say(data.discarded, "status");
});
on("download", download);
reload.addEventListener("click", () => window.location.reload());
document.getElementById("upload").addEventListener("change", (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (file) run(() => upload(file));
});
modeler.on("commandStack.changed", diagramChanged);
// The panel's buttons carry English tooltips ("Toggle section"…) that no translate option reaches.
const panel = document.getElementById("properties");
new MutationObserver(() => panel.querySelectorAll("[title]").forEach((node) => {
  const title = node.getAttribute("title");
  if (words[title] && words[title] !== title) node.setAttribute("title", words[title]);
})).observe(panel, { subtree: true, childList: true, attributes: true, attributeFilter: ["title"] });

run(async () => {
  await store.load();
  await show(store.draft.bpmn);
  if (store.draft.base_version) document.getElementById("version").textContent = store.draft.base_version;
  root.dataset.ready = "true";
});
window.onestopModeler = modeler;  // for the end-to-end tests and the browser console
window.onestopDraft = store;
