/* Report download: month, language and format; fetched with the reader's token, saved as a file.
 * The page states the report's month (the last complete one unless chosen) and time zone. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;

  const form = document.getElementById('report-form');
  const status = document.getElementById('report-status');
  const input = document.getElementById('r-period');
  const chosen = () => (/^\d{4}-\d{2}$/.test(input.value.trim()) ? input.value.trim() : null);

  /** The month the report covers, as the API resolves it ("latest": the last complete month). */
  async function state() {
    const month = chosen();
    const sel = [['period', 'month']];
    if (month) sel.push(['month', month]);
    try {
      const eff = await C.resolvePeriod(sel);
      C.statePeriod(eff, {});
      const twin = document.getElementById('report-json');
      twin.href = C.apiUrl('/reports/' + (month || 'latest'), { format: 'json', lang: document.getElementById('r-lang').value, tz: C.filters.tz });
      twin.hidden = false;
    } catch (e) {
      C.setStatus(document.getElementById('period-statement'), t('period.failed', { error: e.message }), true);
    }
  }

  function init() {
    // a month chosen in the filters elsewhere (?period=month&month=YYYY-MM) is the report's month
    if (!input.value && C.filters.month && /^\d{4}-\d{2}$/.test(C.filters.month)) input.value = C.filters.month;
    input.addEventListener('change', state);
    document.getElementById('r-lang').addEventListener('change', state);
    window.addEventListener('pageshow', (ev) => { if (ev.persisted) state(); });
    state();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const period = chosen() || 'latest';
    const lang = document.getElementById('r-lang').value;
    const fmt = document.getElementById('r-format').value;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    C.setStatus(status, t('reports.downloading'));
    try {
      const name = await C.download(C.apiUrl('/reports/' + encodeURIComponent(period), { format: fmt, lang, tz: C.filters.tz }),
        'cxm-report-' + period + '-' + lang + '.' + fmt);
      C.setStatus(status, name);
    } catch (e) {
      C.setStatus(status, t('reports.failed', { error: e.message }), true);
    } finally {
      button.disabled = false;
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
