// The counter's reception form, for a queue (issue 22). Everything here only helps: the page works without it
// (server rendering, server validation), and the server's reading and checking stay final.
//  - dates: typed day/month/year (2/7/2025, 02072025, 2-7-2025), shown back as 02/07/2025 when left;
//  - communes: typed by name, accents optional ("vy da"), the one it names said beside the field and its full
//    name put in when the field is left (the server reads the name back into the id);
//  - copy buttons a form declares (x-copy-from): the sub-fields both groups have, then the first one left empty;
//  - the application's JSON Schema checked as the officer types (@cfworker/json-schema: no eval, so the
//    Content-Security-Policy stands), the server's words for each rule beside the field that breaks it.
// The words come from the page (#form-messages), in its language.

const form = document.querySelector('form.receive');
const schemaBlock = document.getElementById('application-schema');
const messages = JSON.parse(document.getElementById('form-messages')?.textContent || '{}');
const KIND = /^(phuong|xa|dac khu|thi tran)\s+/;

/** Lower case without accents (đ as d) and extra spaces, as api/pages/form_values.py plain(). */
export function plain(text) {
  return text.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().split(/\s+/).filter(Boolean).join(' ');
}

/** The ISO date `raw` means, day first (as form_values.iso_date); null when it names none. */
export function isoDate(raw) {
  const text = raw.trim();
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  let parts;
  if (found) parts = [found[3], found[2], found[1]];
  else parts = (/^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})$/.exec(text) || /^(\d{2})(\d{2})(\d{4})$/.exec(text) || []).slice(1);
  if (parts.length !== 3) return null;
  const [day, month, year] = parts.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function shownDate(iso) {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

const communes = Array.from(document.querySelectorAll('#communes option')).map((option) => {
  const key = plain(option.value);
  return {id: option.dataset.id, name: option.value, key, short: key.replace(KIND, '')};
});

/** The communes `query` names: its id, its name (kind optional), or the first letters of its words. */
function communesFor(query) {
  const wanted = plain(query);
  if (!wanted) return [];
  if (/^\d{5}$/.test(wanted)) return communes.filter((c) => c.id === wanted);
  const exact = communes.filter((c) => c.key === wanted || c.short === wanted);
  if (exact.length) return exact;
  const words = wanted.split(' ');
  const compact = wanted.replace(/ /g, '');
  return communes.filter((c) => c.short.replace(/ /g, '').startsWith(compact)
    || words.every((w) => c.key.split(' ').some((part) => part.startsWith(w))));
}

function setUpPicker(input) {
  const hint = document.createElement('small');
  hint.className = 'picker-hint';
  hint.id = `${input.id}-picked`;
  hint.setAttribute('aria-live', 'polite');
  input.insertAdjacentElement('afterend', hint);
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${hint.id}`.trim());
  const pick = () => {
    const found = communesFor(input.value);
    if (found.length === 1) input.dataset.picked = found[0].id;
    else delete input.dataset.picked;
    hint.textContent = found.length === 1 && found[0].name !== input.value ? `→ ${found[0].name}` : '';
  };
  input.addEventListener('input', pick);
  input.addEventListener('change', () => {
    pick();
    const chosen = communes.find((c) => c.id === input.dataset.picked);
    if (chosen) { input.value = chosen.name; hint.textContent = ''; }
  });
  pick();
}

function setUpDate(input) {
  input.addEventListener('change', () => {
    const iso = isoDate(input.value);
    if (iso) input.value = shownDate(iso);
  });
}

function setUpCopy(button) {
  const {copyFrom: from, copyTo: to} = button.dataset;
  button.hidden = false;
  button.addEventListener('click', () => {
    let firstEmpty = null;
    for (const target of form.querySelectorAll(`[name^="${CSS.escape(`${to}/`)}"]`)) {
      const source = form.querySelector(`[name="${CSS.escape(from + target.name.slice(to.length))}"]`);
      if (source && source.value !== '') {
        target.value = source.value;
        if (target.dataset.picked !== undefined || source.dataset.picked) target.dataset.picked = source.dataset.picked || '';
        target.dispatchEvent(new Event('input', {bubbles: true}));
        target.dispatchEvent(new Event('change', {bubbles: true}));
      } else if (!firstEmpty && target.value === '') {
        firstEmpty = target;
      }
    }
    if (firstEmpty) firstEmpty.focus();
  });
}

/** The JSON the form stands for, read as api/pages/schema_form.py read_form() reads it. */
function read(schema, prefix) {
  const data = {};
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    const pointer = `${prefix}/${name}`;
    if (sub.type === 'object') {
      const nested = read(sub, pointer);
      if (Object.keys(nested).length || (schema.required || []).includes(name)) data[name] = nested;
      continue;
    }
    const input = form.querySelector(`[name="${CSS.escape(pointer)}"]`);
    if (!input) continue;
    if (input.type === 'checkbox') { data[name] = input.checked; continue; }
    const raw = input.value.trim();
    if (raw !== '') data[name] = convert(input, raw);
  }
  return data;
}

function convert(input, raw) {
  switch (input.dataset.kind) {
    case 'date': return isoDate(raw) || raw;
    case 'unit': return input.dataset.picked || raw;
    case 'integer': return /^[-+]?\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    case 'number': return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    default: return raw;
  }
}

/** Pointer → the words for the first rule its field breaks. */
function problems(validator, schema, prefix) {
  const found = {};
  for (const error of validator.validate(read(schema, prefix)).errors) {
    if (!(error.keyword in messages)) continue;  // "properties", "allOf"…: the field's own rule says it
    let pointer = prefix + error.instanceLocation.replace(/^#/, '');
    if (error.keyword === 'required') {
      const missing = /"([^"]+)"/.exec(error.error);
      if (!missing) continue;
      pointer = `${pointer.replace(/\/$/, '')}/${missing[1]}`;
    }
    if (pointer in found) continue;
    const input = form.querySelector(`[name="${CSS.escape(pointer)}"]`);
    const kind = input?.dataset.kind;
    found[pointer] = kind === 'date' && error.keyword !== 'required' ? messages.date
      : kind === 'unit' && error.keyword !== 'required' ? messages.unit : messages[error.keyword];
  }
  return found;
}

function mark(input, text) {
  const field = input.closest('.field');
  const id = `${input.id}-error`;
  let shown = document.getElementById(id);
  const described = (input.getAttribute('aria-describedby') || '').split(' ').filter((d) => d && d !== id);
  if (text) {
    if (!shown) {
      shown = document.createElement('small');
      shown.className = 'error';
      shown.id = id;
      field.append(shown);
    }
    shown.textContent = text;
    input.setAttribute('aria-invalid', 'true');
    described.push(id);
    field.classList.add('invalid');
  } else {
    shown?.remove();
    input.removeAttribute('aria-invalid');
    field.classList.remove('invalid');
  }
  if (described.length) input.setAttribute('aria-describedby', described.join(' '));
  else input.removeAttribute('aria-describedby');
}

function setUpChecks() {
  if (!schemaBlock) return;
  const schema = JSON.parse(schemaBlock.textContent);
  const prefix = schemaBlock.dataset.prefix;
  const touched = new Set();  // the server's own marks stay until their field is changed
  let validator = null;
  const check = () => {
    if (!validator) return;
    const found = problems(validator, schema, prefix);
    for (const name of touched) {
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (input) mark(input, found[name] || '');
    }
  };
  // Listening at once: a field changed while the library loads is checked when it is there.
  form.addEventListener('change', (event) => {
    if (event.target.name?.startsWith(`${prefix}/`)) touched.add(event.target.name);
    check();
  });
  import('./node_modules/@cfworker/json-schema/dist/esm/index.js').then(({Validator}) => {
    validator = new Validator(schema, '2020-12', false);
    check();
  }, () => {});  // the library is missing: the server still checks everything
}

/** The contact's phone follows the application's phone it names until the officer types one of their own. */
function setUpPrefill(input) {
  const source = form.querySelector(`[name="${CSS.escape(input.dataset.prefillFrom)}"]`);
  if (!source) return;
  let copied = input.value === source.value ? input.value : null;
  source.addEventListener('change', () => {
    if (input.value === '' || input.value === copied) input.value = copied = source.value;
  });
}

if (form) {
  form.querySelectorAll('input[data-prefill-from]').forEach(setUpPrefill);
  form.querySelectorAll('input[data-date]').forEach(setUpDate);
  form.querySelectorAll('input[data-picker]').forEach(setUpPicker);
  form.querySelectorAll('button[data-copy-from]').forEach(setUpCopy);
  setUpChecks();
}
