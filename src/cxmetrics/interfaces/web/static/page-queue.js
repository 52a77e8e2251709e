/* The live queue: open tickets now, SLA breaching soon and breached; refreshes every minute. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;
  // every minute (?refresh=SECONDS changes it, at least 5: a wallboard may want it faster)
  const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
  const REFRESH_MS = Math.max(5, asked > 0 ? asked : 60) * 1000;

  function tickets(node, rows, when, what) {
    if (!rows.length) {
      C.clear(node).append(el('caption', { text: t('queue.none') }));
      return;
    }
    C.table(node, [
      { label: t('queue.ticket'), text: (r) => String(r.ticket_id), action: (r) => () => C.openTicket(r.ticket_id, false) },
      { label: t('queue.age'), num: true, text: (r) => C.duration(r.age_s, false) },
      { label: t('queue.status'), text: (r) => C.dimValue('status', r.status) },
      { label: t('queue.waiting_on'), text: (r) => t('queue.waiting.' + r.waiting_on) },
      { label: C.dimLabel('agent'), text: (r) => (r.agent_id === null ? t('queue.unassigned_one') : String(r.agent_id)) },
      { label: C.dimLabel('team'), text: (r) => (r.team === null ? '–' : String(r.team)) },
      { label: t('queue.sla'), text: (r) => (r[what] ? String(r[what]) : '–') },
      { label: t('queue.at'), text: (r) => C.cellText(r[when]) },
    ], rows);
  }

  function card(label, value) {
    return el('li', { class: 'card' }, el('h3', { text: label }), el('p', { class: 'value', text: C.number(value) }));
  }

  async function load() {
    const status = document.getElementById('queue-status');
    const params = C.filterParams({ noDates: true }).filter(([k]) => k !== 'hours');
    const body = await C.api('/queue', params);
    C.setStatus(status, t('queue.as_of', { time: C.cellText(body.as_of) }));
    C.clear(document.getElementById('queue-cards')).append(
      card(t('queue.open'), body.open), card(t('queue.waiting_on_us'), body.waiting_on_us),
      card(t('queue.unassigned'), body.unassigned), card(t('queue.breaching_soon'), body.breaching_soon.length),
      card(t('queue.breached'), body.breached.length));
    const today = body.today || {};
    const todayNode = document.getElementById('queue-today');
    todayNode.textContent = today.date ? t('queue.today', {
      created: C.number(today.created.so_far), usual: C.number(today.created.same_weekday_by_now, 1),
      resolved: C.number(today.resolved.so_far), usual_resolved: C.number(today.resolved.same_weekday_by_now, 1),
      weeks: C.number(today.weeks),
    }) : '';
    tickets(document.getElementById('soon-table'), body.breaching_soon, 'next_breach_at', 'next_breach_metric');
    tickets(document.getElementById('breached-table'), body.breached, 'breached_at', 'breached_metric');
    C.table(document.getElementById('age-table'), [
      { label: t('queue.age'), text: (r) => r.age_bucket },
      { label: t('queue.tickets'), num: true, text: (r) => C.number(r.tickets) },
    ], body.by_age);
    C.table(document.getElementById('status-table'), [
      { label: t('queue.status'), text: (r) => C.dimValue('status', r.status) },
      { label: t('queue.waiting_on'), text: (r) => t('queue.waiting.' + r.waiting_on) },
      { label: t('queue.tickets'), num: true, text: (r) => C.number(r.tickets) },
    ], body.by_status);
    C.table(document.getElementById('team-table'), [
      { label: C.dimLabel('team'), text: (r) => (r.team === null ? '–' : String(r.team)) },
      { label: t('queue.open'), num: true, text: (r) => C.number(r.open) },
      { label: t('queue.unassigned'), num: true, text: (r) => C.number(r.unassigned) },
      { label: t('queue.breaching_soon'), num: true, text: (r) => C.number(r.breaching_soon) },
      { label: t('queue.breached'), num: true, text: (r) => C.number(r.breached) },
    ], body.by_team);
  }

  C.run(load, 'queue-status');
  document.getElementById('queue-status').dataset.refreshSeconds = String(REFRESH_MS / 1000);
  window.setInterval(() => C.run(load, 'queue-status'), REFRESH_MS);
})();
