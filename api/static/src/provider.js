// Our group in bpmn-js-properties-panel: a user task's one-stop properties (form, allotted hours, milestone,
// pause, send back to), a lane's role and unit rule (kept in the draft manifest's `lanes`), a gateway flow's
// condition, and the server's problems for the element from the last check. Imports no page code.
import { NumberFieldEntry, SelectEntry, TextAreaEntry } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { earlierUserTasks, getSpiff, setSpiff } from "./properties.js";

const NEW_FORM = "\u0000new";

function options(values, translate, none) {
  return [...(none ? [{ value: "", label: translate("(none)") }] : []),
    ...values.map((value) => ({ value, label: translate(value) }))];
}

function problemCheck(draft, element) {
  // A function each render, so the entry shows the newest check's words as its error.
  return () => draft.problemsFor(element.id).join(" ") || null;
}

function spiffSelect(name, label, list) {
  return function SpiffSelect({ element, id }) {
    const injector = useService("injector");
    const translate = useService("translate");
    const choices = useService("onestopChoices");
    return h(SelectEntry, { element, id, label: translate(label),
      getValue: () => getSpiff(element, name),
      setValue: (value) => setSpiff(injector, element, name, value),
      getOptions: () => options(choices[list], translate, true) });
  };
}

const MilestoneEntry = spiffSelect("milestone", "Milestone", "milestones");
const PauseEntry = spiffSelect("pause", "Pause the clock while waiting", "pauses");

function FormEntry({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const draft = useService("onestopDraft");
  const current = getSpiff(element, "form");
  const known = Object.keys(draft.forms()).sort();
  return h(SelectEntry, { element, id, label: translate("Form"),
    getValue: () => getSpiff(element, "form"),
    setValue: (value) => setSpiff(injector, element, "form",
      value === NEW_FORM ? draft.addTaskForm(element.id, getBusinessObject(element).name) : value),
    getOptions: () => [...options(known.includes(current) || !current ? known : [current, ...known], translate, true),
      { value: NEW_FORM, label: translate("New form for this step") }],
    validate: problemCheck(draft, element) });
}

function HoursEntry({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  return h(NumberFieldEntry, { element, id, label: translate("Allotted hours (8 = one working day)"), debounce,
    min: 0, step: "any",
    getValue: () => getSpiff(element, "allotted_hours"),
    setValue: (value) => setSpiff(injector, element, "allotted_hours",
      value === undefined || value === null || Number(value) < 0 ? "" : String(value)) });
}

function SendBackEntry({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const current = getSpiff(element, "send_back_to");
  const earlier = earlierUserTasks(element).map((task) => ({
    value: task.id, label: `${task.businessObject.name || task.id} (${task.id})` }));
  const listed = !current || earlier.some((option) => option.value === current);
  return h(SelectEntry, { element, id, label: translate("May send the dossier back to"),
    getValue: () => getSpiff(element, "send_back_to"),
    setValue: (value) => setSpiff(injector, element, "send_back_to", value),
    getOptions: () => [{ value: "", label: translate("(none)") },
      ...(listed ? [] : [{ value: current, label: current }]), ...earlier] });
}

function laneEntry(part) {
  return function LaneEntry({ element, id }) {
    const translate = useService("translate");
    const draft = useService("onestopDraft");
    const choices = useService("onestopChoices");
    const name = getBusinessObject(element).name || "";
    return h(SelectEntry, { element, id, label: translate(part === "role" ? "Role" : "Unit rule"),
      description: name ? null : translate("Name the lane first: its name is its key in the manifest."),
      disabled: !name,
      getValue: () => (draft.lane(name) || {})[part] || "",
      setValue: (value) => draft.setLane(name, { ...(draft.lane(name) || {}), [part]: value }),
      getOptions: () => options(part === "role" ? choices.roles : choices.unit_rules, translate, true),
      validate: part === "unit" ? problemCheck(draft, element) : undefined });
  };
}

const RoleEntry = laneEntry("role");
const UnitEntry = laneEntry("unit");

function ConditionEntry({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const draft = useService("onestopDraft");
  const flow = getBusinessObject(element);
  return h(TextAreaEntry, { element, id, label: translate("Condition (restricted Python)"), debounce,
    monospace: true, rows: 2,
    getValue: () => (flow.get("conditionExpression") || {}).body || "",
    setValue: (value) => {
      const expression = value ? injector.get("bpmnFactory").create("bpmn:FormalExpression", { body: value }) : undefined;
      injector.get("modeling").updateProperties(element, { conditionExpression: expression });
    },
    validate: problemCheck(draft, element) });
}

function ProblemsEntry({ element }) {
  const draft = useService("onestopDraft");
  return h("ul", { class: "panel-problems" },
    draft.problemsFor(element.id).map((message) => h("li", { class: "bio-properties-panel-error" }, message)));
}

function isConditional(element) {
  const source = element.source;
  return is(element, "bpmn:SequenceFlow") && source
    && (is(source, "bpmn:ExclusiveGateway") || is(source, "bpmn:InclusiveGateway"));
}

function entries(element) {
  const entry = (id, component) => ({ id: `onestop-${id}`, element, component, isEdited: () => false });
  if (is(element, "bpmn:UserTask")) {
    return [entry("form", FormEntry), entry("hours", HoursEntry),
      entry("milestone", MilestoneEntry), entry("pause", PauseEntry),
      entry("send-back", SendBackEntry)];
  }
  if (is(element, "bpmn:Lane")) {
    return [entry("role", RoleEntry), entry("unit", UnitEntry)];
  }
  if (isConditional(element)) return [entry("condition", ConditionEntry)];
  return [entry("problems", ProblemsEntry)];
}

function applies(element, draft) {
  return is(element, "bpmn:UserTask") || is(element, "bpmn:Lane") || isConditional(element)
    || draft.problemsFor(element.id).length > 0;
}

/** Registered with the properties panel; adds the group "One-stop step" after the default ones' first. */
export default function OnestopPropertiesProvider(propertiesPanel, translate, onestopDraft) {
  this.getGroups = (element) => (groups) => {
    if (applies(element, onestopDraft)) {
      const group = { id: "onestop", label: translate("One-stop step"), entries: entries(element) };
      groups.splice(Math.min(1, groups.length), 0, group);
    }
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
OnestopPropertiesProvider.$inject = ["propertiesPanel", "translate", "onestopDraft"];
