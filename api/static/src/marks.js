// The server's problems on the diagram: a marker and a badge on each element concerned, and the list below
// the canvas with a button that selects the element. Imports nothing.
export function showProblems(modeler, list, problems, showLabel) {
  const registry = modeler.get("elementRegistry");
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  registry.forEach((element) => canvas.removeMarker(element.id, "has-problem"));
  overlays.remove({ type: "problem" });
  list.replaceChildren();
  problems.forEach((problem) => {
    const item = document.createElement("li");
    const element = problem.element_id && registry.get(problem.element_id);
    item.textContent = (problem.element_id ? problem.element_id + ": " : "") + problem.message;
    if (element) {
      canvas.addMarker(problem.element_id, "has-problem");
      const badge = document.createElement("span");
      badge.className = "problem-badge";
      badge.title = problem.message;
      badge.textContent = "!";
      overlays.add(problem.element_id, "problem", { position: { top: -12, right: 12 }, html: badge });
      const jump = document.createElement("button");
      jump.type = "button";
      jump.className = "link";
      jump.textContent = "→";
      jump.setAttribute("aria-label", showLabel + " " + problem.element_id);
      jump.addEventListener("click", () => {
        modeler.get("selection").select(element);
        canvas.scrollToElement(element);
      });
      item.prepend(jump);
    }
    list.appendChild(item);
  });
}
