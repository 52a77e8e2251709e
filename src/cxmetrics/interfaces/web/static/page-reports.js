/* Report download: month, language and format; fetched with the reader's token, saved as a file. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;

  const form = document.getElementById('report-form');
  const status = document.getElementById('report-status');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const raw = document.getElementById('r-period').value.trim();
    const period = /^\d{4}-\d{2}$/.test(raw) ? raw : 'latest';
    const lang = document.getElementById('r-lang').value;
    const fmt = document.getElementById('r-format').value;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    C.setStatus(status, t('reports.downloading'));
    try {
      const name = await C.download(C.apiUrl('/reports/' + encodeURIComponent(period), { format: fmt, lang }),
        'cxm-report-' + period + '-' + lang + '.' + fmt);
      C.setStatus(status, name);
    } catch (e) {
      C.setStatus(status, t('reports.failed', { error: e.message }), true);
    } finally {
      button.disabled = false;
    }
  });
})();
