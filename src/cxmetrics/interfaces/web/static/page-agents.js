/* Agents and teams: every figure is the record of a metric by agent (or team); each cell drills to its rows. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;

  function cell(row, fig, metric) {
    const v = row[fig];
    if (C.missing(v)) return '–';
    const text = C.value(v, C.metricInfo(metric).unit, C.businessHours());
    return (row.low_n || []).includes(fig) ? text + ' *' : text;
  }

  function columns(body, key) {
    const cols = [{ label: t(key === 'agent' ? 'agents.agent' : 'agents.team'), text: (r) => (r[key] === null ? t('agents.none') : String(r[key])) }];
    if (key === 'agent') cols.push({ label: t('agents.team'), text: (r) => (r.team === null ? '–' : String(r.team)) });
    for (const [fig, metric] of Object.entries(body.figures)) {
      cols.push({
        label: C.metricName(metric), num: true,
        text: (r) => (r.median_row ? (C.missing(r[fig]) ? '–' : C.value(r[fig], C.metricInfo(metric).unit, C.businessHours())) : cell(r, fig, metric)),
        drill: (r) => (r.median_row || C.missing(r[fig]) ? null : {
          metric, grain: 'total', group: { [key]: r[key] }, label: (r[key] === null ? t('agents.none') : String(r[key])),
        }),
      });
    }
    if (key === 'agent') {
      // the CSAT and NPS comments behind the agent's scores: the feedback page filtered to the agent
      cols.push({
        label: t('agents.comments'),
        text: (r) => (r.median_row || r.agent === null ? '' : t('agents.comments')),
        link: (r) => (r.median_row || r.agent === null ? null : C.pageUrl(C.cfg.pages.feedback, { agent: r.agent })),
      });
    }
    return cols;
  }

  async function main() {
    const status = document.getElementById('agents-status');
    const params = C.filterParams();
    params.push(['grain', 'total']);
    const body = await C.api('/agents', params);
    if (!body.agents.length) {
      C.setStatus(status, t('agents.empty'));
      return;
    }
    C.setStatus(status, '');
    C.table(document.getElementById('agents-table'), columns(body, 'agent'), body.agents);
    const teamRows = [];
    for (const tm of body.teams) {
      teamRows.push(tm);
      teamRows.push(Object.assign({ median_row: true, team: t('agents.median', { team: tm.team === null ? t('agents.none') : tm.team }) }, tm.median_of_agents));
    }
    C.table(document.getElementById('teams-table'), columns(body, 'team'), teamRows);
  }

  C.run(main, 'agents-status');
})();
