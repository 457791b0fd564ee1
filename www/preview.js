// Rendering of what the core returns for the preview: the list of exports
// with their counts, the core's report text as it is, one page of users
// (the core's columns and cells), and a fatal error. No counting or
// formatting of users happens here.

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}) => Object.assign(document.createElement(tag), props);
const FILE_COLUMNS = [['name', 'File'], ['rowsRead', 'Rows read'], ['usersExported', 'Users'], ['merged', 'Merged'],
  ['excluded', 'Excluded'], ['rejected', 'Rejected']];

/** "Last used" → "col-last-used": a class per column, for the stylesheet. */
const columnClass = (name) => `col-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

/** A row; the first cell heads it. A line break is offered after the "@", so a narrow screen wraps an email there. */
function tableRow(cells, header = false, classes = []) {
  const row = el('tr');
  cells.forEach((text, i) => {
    const cell = el(header || i === 0 ? 'th' : 'td', { className: classes[i] ?? '' });
    if (cell.tagName === 'TH') cell.scope = header ? 'col' : 'row';
    if (i === 0 && !header) {
      cell.append(...String(text).split(/(?<=@)/).flatMap((part) => [part, el('wbr')]).slice(0, -1));
    } else {
      cell.textContent = text ?? '';
    }
    row.append(cell);
  });
  return row;
}

/** The exports read, one row each, with the counts of report.files. */
export function showFiles(files) {
  const table = $('files');
  table.tHead.replaceChildren(tableRow(FILE_COLUMNS.map(([, label]) => label), true));
  table.tBodies[0].replaceChildren(...files.map((file) =>
    tableRow(FILE_COLUMNS.map(([key]) => (key === 'name' ? file.name || '(unnamed)' : String(file[key]))))));
}

/** The run's result: the file list, the core's report text, and an empty table until the first page arrives. */
export function showResult(answer) {
  $('fatal').hidden = true;
  $('preview-empty').hidden = true;
  $('preview').hidden = false;
  $('report-text').textContent = answer.text;
  showFiles(answer.files);
}

/**
 * One page of previewPage(): the core's columns and text cells; a row with
 * a problem, or with a change, gets a class too. The highlights only back
 * up the text the core wrote into the row's cells for both.
 */
export function showPage(page, index, pages) {
  const table = $('users');
  const classes = page.columns.map(columnClass);
  table.tHead.replaceChildren(tableRow(page.columns, true, classes));
  table.tBodies[0].replaceChildren(...page.rows.map((user) => {
    const row = tableRow(user.cells, false, classes);
    if (user.problem) row.classList.add('has-problem');
    if (user.change !== undefined && user.change !== 'unchanged') row.classList.add(`change-${user.change}`);
    return row;
  }));
  $('page-info').textContent = `Page ${index + 1} of ${pages} (${page.total} users)`;
  $('prev-page').disabled = index === 0;
  $('next-page').disabled = index >= pages - 1;
}

/** A fatal error: the core's message and code; headers found point to the Columns option. */
export function showFatal(error) {
  $('preview').hidden = true;
  $('preview-empty').hidden = true;
  const box = $('fatal');
  const title = el('p');
  title.append(el('strong', { textContent: '✗ These exports cannot be converted.' }), ` ${error.message} [${error.code}]`);
  box.replaceChildren(title);
  if (error.headersFound) {
    const hint = el('p', { textContent: `Headers found: ${error.headersFound.map((h) => h || '(blank)').join(', ')}. ` });
    const link = el('a', { href: '#field-columns', textContent: 'Map them with the Columns option' });
    link.addEventListener('click', (event) => {
      event.preventDefault();
      $('field-columns').focus();
    });
    hint.append(link, '.');
    box.append(hint);
  }
  box.hidden = false;
}
