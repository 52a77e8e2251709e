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
    if (body.customer_id && body.customer_id !== id) document.getElementById('customer-id').value = body.customer_id;
    document.getElementById('timeline-tools').hidden = false;
    const kinds = document.getElementById('timeline-kind');
    const channels = document.getElementById('timeline-channel');
    const label = (k) => (C.cfg.strings['dashboard.kind.' + k] !== undefined ? t('kind.' + k) : String(k || ''));
    for (const k of [...new Set(events.map((e) => e.kind))]) kinds.append(el('option', { value: k, text: label(k) }));
    for (const c of [...new Set(events.map((e) => e.channel).filter(Boolean))]) channels.append(el('option', { value: c, text: C.dimValue('channel', c) }));
    const grouped = document.getElementById('timeline-grouped');
    const render = () => {
      const shown = events.filter((e) => (!kinds.value || e.kind === kinds.value) && (!channels.value || e.channel === channels.value));
      C.setStatus(status, shown.length === events.length ? t('timeline.events', { count: C.number(events.length) })
        : t('timeline.group.shown', { shown: C.number(shown.length), count: C.number(events.length) }));
      C.clear(list);
      if (!grouped.checked) { for (const ev of shown) list.append(item(ev, true)); return; }
      // one entry per ticket, in the order of its first event; events without a ticket on their own
      const groups = new Map();
      for (const ev of shown) {
        const key = ev.ticket_id || '';
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(ev);
      }
      for (const [tid, evs] of groups) {
        const box = el('details', { class: 'ticket-group', 'data-ticket': tid || null });
        const head = tid ? t('timeline.ticket', { id: tid }) : t('timeline.group.other');
        const summary = el('summary', null, el('strong', { text: head }), ' · ',
          t('timeline.group.group_events', { count: C.number(evs.length), first: C.cellText(evs[0].time), last: C.cellText(evs[evs.length - 1].time) }));
        if (evs.some((e) => e.change === 'drop')) summary.append(' · ', el('span', { class: 'change bad', text: '▼ ' + t('timeline.drop') }));
        box.append(summary);
        if (tid) box.append(el('p', null, el('button', { type: 'button', class: 'link-button', text: t('timeline.ticket', { id: tid }), onclick: () => C.openTicket(tid, false) })));
        const ol = el('ol', { class: 'timeline' });
        for (const ev of evs) ol.append(item(ev, false));
        box.append(ol);
        list.append(el('li', { class: 'group' }, box));
      }
    };
    kinds.addEventListener('change', render);
    channels.addEventListener('change', render);
    grouped.addEventListener('change', render);
    render();
  }

  function item(ev, withTicket) {
    const kind = C.cfg.strings['dashboard.kind.' + ev.kind] !== undefined ? t('kind.' + ev.kind) : String(ev.kind || '');
    const li = el('li', { class: ev.change || null, 'data-kind': ev.kind });
    const head = el('p', null,
      el('span', { class: 'when', text: C.cellText(ev.time) }), ' ',
      el('span', { class: 'kind', text: kind }));
    if (ev.channel) head.append(' · ', C.dimValue('channel', ev.channel));
    if (ev.ticket_id && withTicket) {
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
    return li;
  }

  C.run(main, 'timeline-status');
})();
