/* Customer timeline: every event of one customer, satisfaction drops and rises marked. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  async function main() {
    const q = new URLSearchParams(window.location.search);
    const id = (q.get('customer') || '').trim();
    const status = document.getElementById('timeline-status');
    const list = document.getElementById('timeline');
    if (!id) return;
    C.setStatus(status, t('common.loading'));
    let body;
    try {
      body = await C.api('/customers/' + encodeURIComponent(id) + '/timeline', C.filters.tz ? [['tz', C.filters.tz]] : []);
    } catch (e) {
      C.setStatus(status, e.status === 404 ? t('timeline.not_found', { id }) : t('common.error', { error: e.message }), true);
      return;
    }
    const events = body.events || [];
    C.setStatus(status, t('timeline.events', { count: C.number(events.length) }));
    C.clear(list);
    for (const ev of events) {
      const kindKey = 'dashboard.kind.' + ev.kind;
      const kind = C.cfg.strings[kindKey] !== undefined ? t('kind.' + ev.kind) : String(ev.kind || '');
      const li = el('li', { class: ev.change || null, 'data-kind': ev.kind });
      const head = el('p', null,
        el('span', { class: 'when', text: C.cellText(ev.time) }), ' ',
        el('span', { class: 'kind', text: kind }));
      if (ev.channel) head.append(' · ', C.dimValue('channel', ev.channel));
      if (ev.ticket_id) {
        head.append(' · ', el('button', {
          type: 'button', class: 'link-button', text: t('timeline.ticket', { id: ev.ticket_id }),
          onclick: () => C.openTicket(ev.ticket_id, false),
        }));
      }
      li.append(head);
      if (ev.summary) li.append(el('p', { class: 'summary', text: ev.summary }));
      if (!C.missing(ev.satisfaction)) {
        li.append(el('p', { class: 'muted', text: t('timeline.score') + ': ' + C.percent(Number(ev.satisfaction) * 100) }));
      }
      if (ev.change) {
        const by = C.missing(ev.change_by) ? '' : ' (' + (ev.change_by > 0 ? '+' : '−') + C.number(Math.abs(ev.change_by) * 100, 0) + ' ' + (C.cfg.strings['unit.pp'] || 'pp') + ')';
        li.append(el('p', { class: 'change ' + (ev.change === 'drop' ? 'bad' : 'good'), text: (ev.change === 'drop' ? '▼ ' + t('timeline.drop') : '▲ ' + t('timeline.rise')) + by }));
        const before = Array.isArray(ev.before) ? ev.before : [];
        if (before.length) {
          li.append(el('p', { class: 'muted', text: t('timeline.before') + ':' }));
          const ul = el('ul', { class: 'before' });
          for (const b of before) ul.append(el('li', { text: String(b) }));
          li.append(ul);
        }
      }
      list.append(li);
    }
  }

  C.run(main, 'timeline-status');
})();
