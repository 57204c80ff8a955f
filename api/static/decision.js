// The acceptance decision (counter and intake pages): Accept stays disabled while a required document is
// unticked, and the guidance lists the required documents not ticked, keeping the officer's own lines.
// The server decides anyway; this only saves a round trip.
(function () {
  const form = document.querySelector('form.receive, form.decide');
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll('input[name="document"]'));
  const accept = form.querySelector('button[name="decision"][value="accept"]');
  const guide = form.querySelector('button[name="decision"][value="guide"]');
  const items = form.querySelector('textarea[name="items"]');
  const hint = document.getElementById('accept-hint');
  const required = boxes.filter((box) => box.dataset.required === '1');
  const names = new Set(required.map((box) => box.dataset.name));
  const lines = () => (items ? items.value.split('\n').map((line) => line.trim()).filter(Boolean) : []);

  function update(changed) {
    const missing = required.filter((box) => !box.checked);
    if (accept) accept.disabled = missing.length > 0;
    if (hint) hint.hidden = missing.length === 0;
    if (items && changed && changed.dataset.required === '1') {
      const own = lines().filter((line) => !names.has(line));
      items.value = missing.map((box) => box.dataset.name).concat(own).join('\n');
    }
    if (guide && items) guide.disabled = lines().length === 0;
  }

  boxes.forEach((box) => box.addEventListener('change', () => update(box)));
  if (items) items.addEventListener('input', () => update(null));
  update(null);
})();
