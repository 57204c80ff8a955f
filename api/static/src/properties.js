// Reading and writing a BPMN element's spiffworkflow:properties (form, allotted_hours, milestone, pause,
// send_back_to), each write one undoable command. Imports bpmn-js utilities only: no page or server code.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

function propertiesOf(element) {
  const extensions = getBusinessObject(element).get("extensionElements");
  const values = extensions ? extensions.get("values") : [];
  return values.find((value) => is(value, "spiffworkflow:Properties"));
}

/** The value of property `name` on `element`, or "" when it has none. */
export function getSpiff(element, name) {
  const properties = propertiesOf(element);
  const found = properties && properties.get("properties").find((property) => property.name === name);
  return (found && found.value) || "";
}

/** Sets property `name` to `value` ("" removes it), creating the extension elements it needs. */
export function setSpiff(injector, element, name, value) {
  const bpmnFactory = injector.get("bpmnFactory");
  const update = (moddleElement, properties) => ({
    cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } });
  const commands = [];
  const owner = getBusinessObject(element);
  let extensions = owner.get("extensionElements");
  if (!extensions) {
    extensions = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extensions.$parent = owner;
    commands.push(update(owner, { extensionElements: extensions }));
  }
  let properties = propertiesOf(element);
  if (!properties) {
    properties = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    properties.$parent = extensions;
    commands.push(update(extensions, { values: [...extensions.get("values"), properties] }));
  }
  const list = properties.get("properties");
  const found = list.find((property) => property.name === name);
  if (!value) {
    if (found) commands.push(update(properties, { properties: list.filter((property) => property !== found) }));
  } else if (found) {
    commands.push(update(found, { value: String(value) }));
  } else {
    const created = bpmnFactory.create("spiffworkflow:Property", { name, value: String(value) });
    created.$parent = properties;
    commands.push(update(properties, { properties: [...list, created] }));
  }
  if (commands.length) injector.get("commandStack").execute("properties-panel.multi-command-executor", commands);
}

/** The user tasks a flow reaches `element` from, nearest first (candidates for send_back_to). */
export function earlierUserTasks(element) {
  const seen = new Set();
  const found = [];
  const queue = [...(element.incoming || [])];
  while (queue.length) {
    const source = queue.shift().source;
    if (!source || seen.has(source.id)) continue;
    seen.add(source.id);
    if (is(source, "bpmn:UserTask")) found.push(source);
    queue.push(...(source.incoming || []));
  }
  return found;
}
