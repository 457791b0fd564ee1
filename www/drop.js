// Exports dropped anywhere on the page. Only file drags are taken, so text
// can still be dragged into fields; the drop zone shows that a drop is
// expected (by its border and a line of text).

/** Calls `take(files)` with the files of each drop; marks `zone` while files are dragged over the page. */
export function onFileDrop(zone, take) {
  const carriesFiles = (event) => event.dataTransfer?.types.includes('Files');
  let depth = 0; // dragenter/dragleave fire for every element crossed
  const on = (type, act) => document.addEventListener(type, (event) => carriesFiles(event) && act(event));
  on('dragenter', () => zone.classList.toggle('dragging', ++depth > 0));
  on('dragleave', () => zone.classList.toggle('dragging', (depth = Math.max(0, depth - 1)) > 0));
  on('dragover', (event) => event.preventDefault()); // else the browser would open the file instead
  on('drop', (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    take(event.dataTransfer.files);
  });
}
