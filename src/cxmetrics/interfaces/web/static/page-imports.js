/* Imports: the import log and an upload form (needs an editor token, typed by the user). */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  async function log() {
    const status = document.getElementById('imports-status');
    const tbl = document.getElementById('imports-table');
    let body;
    try {
      body = await C.api('/imports', C.filters.tz ? [['tz', C.filters.tz]] : []);
    } catch (e) {
      C.setStatus(status, t('common.error', { error: e.message }), true);
      return;
    }
    const rows = body.imports || [];
    if (!rows.length) {
      C.setStatus(status, t('imports.no_imports'));
      C.clear(tbl);
      return;
    }
    C.setStatus(status, '');
    const keys = Object.keys(rows[0]);
    C.table(tbl, keys.map((k) => ({ label: k, num: typeof rows[0][k] === 'number', text: (r) => C.cellText(r[k]) })), rows);
  }

  function init() {
    const form = document.getElementById('upload-form');
    const result = document.getElementById('upload-result');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const table = document.getElementById('u-table').value;
      const file = document.getElementById('u-file').files[0];
      const token = document.getElementById('u-token').value.trim();
      C.clear(result);
      if (!file) { result.append(el('p', { class: 'error', text: t('imports.need_file') })); return; }
      if (!token) { result.append(el('p', { class: 'error', text: t('imports.need_token') })); return; }
      const data = new FormData();
      data.append('file', file, file.name);
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      result.append(el('p', { text: t('imports.uploading') }));
      try {
        // a file over half of whose rows fail is refused unless the user ticked the box
        const partial = document.getElementById('u-partial').checked ? '?accept_partial=true' : '';
        const resp = await fetch(C.cfg.api + '/imports/' + encodeURIComponent(table) + partial, {
          method: 'POST', body: data, credentials: 'same-origin',
          headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
        });
        let body = null;
        try { body = await resp.json(); } catch (e) { body = null; }
        C.clear(result);
        if (!resp.ok) {
          const detail = body && body.detail ? (typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)) : resp.status + ' ' + resp.statusText;
          result.append(el('p', { class: 'error', text: t('imports.failed', { error: detail }) }));
          return;
        }
        const rows = (body.inserted || 0) + (body.updated || 0);
        result.append(el('p', { class: 'good', text: t('imports.done', { rows: C.number(rows), table: body.table || table, quarantined: C.number(body.rejected || 0) }) }));
        const problems = body.problems || [];
        if (problems.length) {
          const ul = el('ul');
          for (const p of problems.slice(0, 20)) ul.append(el('li', { text: typeof p === 'string' ? p : JSON.stringify(p) }));
          result.append(ul);
        }
        log();
      } catch (e) {
        C.clear(result).append(el('p', { class: 'error', text: t('imports.failed', { error: e.message }) }));
      } finally {
        button.disabled = false;
      }
    });
  }

  init();
  C.run(log, 'imports-status');
})();
