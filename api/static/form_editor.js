// The forms editor (admin_forms.html): as the admin types the JSON Schema, the server checks it (the JSON, then the
// schema among the draft's other forms) and renders it as the counter would (POST …/forms/preview, 400 ms after
// the last key). The problems go under the editor, the rendered form beside it; a form with problems keeps the
// last good preview. Saving and publishing stay plain form posts: the page works without this script.

const form = document.getElementById('form-editor');
const editor = document.getElementById('schema');
const preview = document.getElementById('form-preview');
const problems = document.getElementById('form-problems');
const WAIT_MS = 400;
let timer = null;
let sent = 0;

/** The character offset where 1-based `line` and `column` fall in `text`. */
export function offsetOf(text, line, column) {
  let offset = 0;
  for (let current = 1; current < line; current += 1) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + Math.max(column - 1, 0), text.length);
}

function show(found) {
  const list = problems.querySelector('ul');
  list.replaceChildren(...found.problems.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    return item;
  }));
  problems.querySelector('strong').hidden = found.problems.length === 0;
  problems.querySelector('.ok').hidden = found.problems.length > 0;
  editor.toggleAttribute('aria-invalid', found.problems.length > 0);
  if (found.line) editor.dataset.line = found.line; else delete editor.dataset.line;
  if (found.html !== null) preview.innerHTML = found.html;  // rendered and escaped by the server's templates
}

async function check() {
  const mine = ++sent;
  const response = await fetch(form.dataset.preview, { method: 'POST', body: new FormData(form), credentials: 'same-origin' });
  if (mine !== sent || !response.ok) return;  // a later check is on its way, or the session is gone
  show(await response.json());
}

/** Put the cursor where the JSON breaks, so the admin sees the line the message names. */
function goToProblem() {
  const line = Number(editor.dataset.line || 0);
  if (!line) return;
  const column = Number((/column (\d+)/.exec(problems.textContent) || [])[1] || 1);
  const at = offsetOf(editor.value, line, column);
  editor.setSelectionRange(at, at);
}

if (form && editor) {
  editor.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { check().catch(() => {}); }, WAIT_MS);
  });
  problems.addEventListener('click', goToProblem);
}
