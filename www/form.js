// The option form, built at run time from the core's optionCatalog(): one
// control per option, labelled, with its help and an error line. The page
// reads the controls back as [label, text] pairs for the core's
// parseOptions('sheet', …); it never interprets the text itself.

const el = (tag, props = {}) => Object.assign(document.createElement(tag), props);
export const controlId = (name) => `field-${name}`;

/** One labelled control for a catalog entry; defaults are the catalog's. */
function field(option) {
  const id = controlId(option.jsName);
  const wrap = el('div', { className: `field kind-${option.kind}` });
  let control;
  if (option.kind === 'flag') {
    control = el('input', { type: 'checkbox', checked: option.default === 'true' });
    wrap.classList.add('check');
  } else if (option.kind === 'choice') {
    control = el('select');
    // A default that is no value ("sniffed") is the empty choice: the option is left out.
    if (!option.allowed.includes(option.default)) control.append(new Option(`${option.default} (default)`, ''));
    for (const value of option.allowed) {
      const isDefault = value === option.default;
      control.append(new Option(isDefault ? `${value} (default)` : value, value, isDefault, isDefault));
    }
  } else {
    control = el('input', { type: 'text', placeholder: option.default, autocomplete: 'off', spellcheck: false });
    if (option.kind === 'count') control.inputMode = 'numeric';
    if (option.kind === 'percent') control.inputMode = 'decimal';
  }
  Object.assign(control, { id, name: option.jsName });
  control.dataset.label = option.label;
  control.dataset.kind = option.kind;
  control.setAttribute('aria-describedby', `${id}-help ${id}-error`);
  const label = el('label', { htmlFor: id, textContent: option.label });
  const help = el('span', { id: `${id}-help`, className: 'hint', textContent: option.help });
  const error = el('span', { id: `${id}-error`, className: 'field-error' });
  error.setAttribute('aria-live', 'polite');
  if (option.kind === 'flag') {
    const row = el('span', { className: 'check-row' });
    row.append(control, label);
    wrap.append(row);
  } else {
    wrap.append(label, control);
  }
  wrap.append(help, error);
  return wrap;
}

/**
 * Puts a control for every catalog option into its place: transform options
 * into `places.transform`; sync options into `places.settings` (the ones the
 * catalog marks as settings, as the Sheet's Settings dialog shows them) or
 * `places.advanced`.
 */
export function buildForm(catalog, places) {
  for (const option of catalog) {
    const place = option.scope === 'transform' ? places.transform
      : option.sheet === 'settings' ? places.settings : places.advanced;
    place.append(field(option));
  }
}

/** The controls' values as [label, text] pairs; an empty text is left out, so the core's default applies. */
export function entries(container) {
  const pairs = [];
  for (const control of container.querySelectorAll('[data-label]')) {
    const text = control.type === 'checkbox' ? String(control.checked) : control.value;
    if (text.trim() !== '') pairs.push([control.dataset.label, text]);
  }
  return pairs;
}

/** Shows an error next to the field it names (`option` or `field`, a jsName); false when no field matches. */
export function showFieldError(error) {
  const name = error.option ?? error.field;
  const control = name && document.getElementById(controlId(name));
  if (!control) return false;
  document.getElementById(`${control.id}-error`).textContent = `⚠ ${error.message}`;
  control.setAttribute('aria-invalid', 'true');
  return true;
}

export function clearFieldErrors(container) {
  for (const holder of container.querySelectorAll('.field-error')) holder.textContent = '';
  for (const control of container.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}
