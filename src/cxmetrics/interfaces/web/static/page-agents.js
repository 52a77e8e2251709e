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
      // the CSAT and NPS comments on the agent's tickets (the answers behind the CSAT figure)
      cols.push({
        label: t('agents.comments'), num: true,
        text: (r) => (r.median_row || r.agent === null || C.missing(r.comments_n) ? '–' : C.cellText(r.comments_n)),
        action: (r) => (r.median_row || r.agent === null || !r.comments_n ? null : () => showComments(r, true)),
      });
    }
    return cols;
  }

  // the agent's comments below the table; the open agent is kept in the URL (?comments=AGENT)
  function showComments(row, focus) {
    const box = document.getElementById('agent-comments');
    document.getElementById('agent-comments-title').textContent = t('agents.comments_of', { agent: row.agent });
    const link = C.clear(document.getElementById('agent-comments-link'));
    link.append(C.el('a', { href: C.pageUrl(C.cfg.pages.feedback, { agent: row.agent }), text: t('agents.all_feedback', { agent: row.agent }) }));
    const cols = [
      { label: t('agents.date'), text: (c) => C.cellText(c.responded_at) },
      { label: t('feedback.survey'), text: (c) => String(c.survey) },
      { label: t('feedback.score'), num: true, text: (c) => (C.missing(c.score) ? '–' : C.cellText(c.score)) },
      { label: t('feedback.ticket'), text: (c) => String(c.ticket_id || '–'), action: (c) => (c.ticket_id ? () => C.openTicket(c.ticket_id) : null) },
      { label: t('agents.language'), text: (c) => (c.language ? C.dimValue('language', c.language) : '–') },
      { label: t('agents.comment'), text: (c) => String(c.comment || '') },
    ];
    const table = document.getElementById('agent-comments-table');
    if (row.comments && row.comments.length) C.table(table, cols, row.comments);
    else C.clear(table).append(C.el('caption', { text: t('agents.no_comments') }));
    box.hidden = false;
    const url = new URL(window.location.href);
    url.searchParams.set('comments', row.agent);
    window.history.replaceState(null, '', url);
    if (focus) box.scrollIntoView({ block: 'start' });
    if (focus) document.getElementById('agent-comments-title').focus();
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
    const open = new URLSearchParams(window.location.search).get('comments');
    const openRow = open === null ? null : body.agents.find((r) => r.agent === open);
    if (openRow) showComments(openRow, false);
    const teamRows = [];
    for (const tm of body.teams) {
      teamRows.push(tm);
      teamRows.push(Object.assign({ median_row: true, team: t('agents.median', { team: tm.team === null ? t('agents.none') : tm.team }) }, tm.median_of_agents));
    }
    C.table(document.getElementById('teams-table'), columns(body, 'team'), teamRows);
  }

  C.run(main, 'agents-status');
})();
