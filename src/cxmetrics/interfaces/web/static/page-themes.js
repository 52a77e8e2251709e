/* Themes in a survey's comments: one row per theme and language, from GET /api/v1/themes. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;

  function num(v, digits) {
    return C.missing(v) ? '–' : C.number(v, digits);
  }

  async function main() {
    const status = document.getElementById('themes-status');
    const survey = new URLSearchParams(window.location.search).get('survey') || 'nps';
    const params = C.filterParams();
    params.push(['survey', survey], ['lang', C.cfg.lang]);
    let body;
    try {
      body = await C.api('/themes', params);
    } catch (e) {
      if (e instanceof C.ApiError && e.status === 400) {
        C.setStatus(status, t('themes.empty'));
        return;
      }
      throw e;
    }
    const key = body.score;
    C.setStatus(status, t('themes.summary', { n: C.number(body.responses), month: body.latest_month }));
    const cols = [
      { label: t('themes.language'), text: (r) => r.language },
      { label: t('themes.theme'), text: (r) => r.label },
      { label: t('themes.n'), num: true, text: (r) => C.number(r.n) },
      { label: t('themes.share'), num: true, text: (r) => num(r.share, 1) },
      { label: key.toUpperCase(), num: true, text: (r) => num(r[key], 1) },
      { label: t('themes.interval'), num: true, text: (r) => (C.missing(r[key + '_low']) ? '–' : num(r[key + '_low'], 1) + ' … ' + num(r[key + '_high'], 1)) },
      { label: t('themes.impact'), num: true, text: (r) => num(r.impact, 2) },
      { label: t('themes.trend'), num: true, text: (r) => (C.missing(r.trend.change) ? '–' : (r.trend.change > 0 ? '+' : '') + C.number(r.trend.change, 1) + (r.trend.rising ? ' ▲ ' + t('themes.rising') : '')) },
      { label: t('themes.sentiment'), num: true, text: (r) => (C.missing(r.sentiment) ? '–' : (r.sentiment > 0 ? '+' : '') + C.number(r.sentiment, 2)) },
      { label: t('themes.negative'), num: true, text: (r) => num(r.negative_share, 1) },
    ];
    C.table(document.getElementById('themes-table'), cols, body.themes);
  }

  C.run(main, 'themes-status');
})();
