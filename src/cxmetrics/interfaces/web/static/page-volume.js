/* Ticket volume per day by category, with spike days marked and explained. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  function driverText(drivers) {
    return drivers.map((d) => t('volume.driver', {
      value: C.dimValue(d.dimension, d.value), excess: C.number(d.excess, 0), share: C.percent((d.share || 0) * 100),
    })).join(', ');
  }

  function stackSpec(rows, dim, spikes, height) {
    const drills = [];
    const values = rows.map((r) => {
      drills.push({
        metric: 'ticket_volume', grain: 'day', period_start: r.date, group: { [dim]: r[dim] },
        label: C.date(r.date) + ' · ' + C.dimValue(dim, r[dim]),
      });
      return {
        date: r.date, tickets: r.tickets, group: C.dimValue(dim, r[dim]),
        dateLabel: C.date(r.date), ticketsLabel: C.number(r.tickets), _drill: drills.length - 1,
      };
    }).filter((v) => v.tickets > 0);
    const x = {
      field: 'date', type: 'temporal', title: null, scale: { type: 'utc' },
      axis: { format: C.timeAxisFormat('day'), labelOverlap: true, labelAngle: 0 },
    };
    const layers = [{
      mark: { type: 'bar', cursor: 'pointer' },
      encoding: {
        x: Object.assign({}, x, { timeUnit: 'utcyearmonthdate', bandPosition: 0 }),
        y: { field: 'tickets', type: 'quantitative', stack: 'zero', title: t('common.tickets') },
        color: { field: 'group', type: 'nominal', title: C.dimLabel(dim) },
        tooltip: [
          { field: 'dateLabel', title: t('common.date') },
          { field: 'group', title: C.dimLabel(dim) },
          { field: 'ticketsLabel', title: t('common.tickets') },
        ],
      },
    }];
    const data = { values };
    if (spikes && spikes.length) {
      const marks = spikes.map((s) => {
        drills.push({ metric: 'ticket_volume', grain: 'day', period_start: s.date, group: {}, label: C.date(s.date) });
        return {
          date: s.date, tickets: s.tickets, dateLabel: C.date(s.date), ticketsLabel: C.number(s.tickets),
          why: t('volume.spike_marker'), _drill: drills.length - 1,
        };
      });
      layers.push({
        data: { values: marks },
        mark: { type: 'point', shape: 'triangle-down', filled: true, size: 140, color: '#a40e26', cursor: 'pointer', yOffset: -9 },
        encoding: {
          x: Object.assign({}, x, { timeUnit: 'utcyearmonthdate', bandPosition: 0.5 }),
          y: { field: 'tickets', type: 'quantitative' },
          tooltip: [
            { field: 'why', title: ' ' },
            { field: 'dateLabel', title: t('common.date') },
            { field: 'ticketsLabel', title: t('common.tickets') },
          ],
        },
      });
    }
    return { spec: { data, height: height || 300, layer: layers }, drills };
  }

  async function main() {
    const status = document.getElementById('volume-status');
    if (!(await C.hasRows('tickets'))) {
      C.setStatus(status, t('common.no_data'));
      return;
    }
    let body;
    try {
      body = await C.api('/volume', C.filterParams());
    } catch (e) {
      C.setStatus(status, t('common.error', { error: e.message }), true);
      return;
    }
    C.setStatus(status, '');
    const spikes = body.spikes || [];
    const cat = stackSpec(body.by_category || [], 'category', spikes, 320);
    await C.chart(document.getElementById('volume-chart'), cat.spec, cat.drills, t('volume.chart'));
    const ch = stackSpec(body.by_channel || [], 'channel', [], 220);
    C.chart(document.getElementById('channel-chart'), ch.spec, ch.drills, t('volume.by_channel')).catch(() => {});

    // spikes explained in a sentence: the category and channel that brought most of the extra tickets
    const list = document.getElementById('spikes');
    C.clear(list);
    if (!spikes.length) list.append(el('li', { text: t('volume.no_spikes') }));
    for (const s of spikes) {
      const top = (s.category || [])[0];
      const topCh = (s.channel || [])[0];
      const sentence = t('volume.spike', {
        date: C.date(s.date), tickets: C.number(s.tickets), baseline: C.number(s.baseline, 0),
        ratio: C.number(s.ratio, 1),
        category: top ? C.dimValue('category', top.value) : C.dimValue('category', null),
        channel: topCh ? C.dimValue('channel', topCh.value) : C.dimValue('channel', null),
      });
      const li = el('li', { 'data-date': s.date });
      li.append(el('p', { text: sentence }));
      const details = [];
      if ((s.category || []).length) details.push(C.dimLabel('category') + ': ' + driverText(s.category));
      if ((s.channel || []).length) details.push(C.dimLabel('channel') + ': ' + driverText(s.channel));
      if (details.length) li.append(el('p', { class: 'muted', text: details.join(' · ') }));
      li.append(el('button', {
        type: 'button', text: t('common.show_rows'), 'aria-label': t('common.show_rows') + ': ' + C.date(s.date),
        onclick: () => C.openDrill({ metric: 'ticket_volume', grain: 'day', period_start: s.date, group: {}, label: C.date(s.date) }),
      }));
      list.append(li);
    }
    const m = body.method || {};
    document.getElementById('spike-method').textContent = t('volume.method', {
      ratio: C.number(m.ratio, 1), weeks: C.number(m.weeks), min_excess: C.number(m.min_excess),
    });

    // data table: one row per day, a column per category (each count opens its tickets)
    const cats = Array.from(new Set((body.by_category || []).map((r) => r.category)));
    const byDay = new Map();
    for (const d of body.days || []) byDay.set(d.date, Object.assign({ cats: {} }, d));
    for (const r of body.by_category || []) {
      if (byDay.has(r.date)) byDay.get(r.date).cats[r.category] = r.tickets;
    }
    const spikeDays = new Set(spikes.map((s) => s.date));
    const cols = [
      { label: t('common.date'), text: (r) => C.date(r.date) + (spikeDays.has(r.date) ? ' ▼ ' + t('volume.spike_marker') : '') },
      {
        label: t('common.total'), num: true, text: (r) => C.number(r.tickets),
        drill: (r) => ({ metric: 'ticket_volume', grain: 'day', period_start: r.date, group: {}, label: C.date(r.date) }),
      },
      { label: t('volume.baseline'), num: true, text: (r) => C.number(r.baseline, 0) },
      ...cats.map((c) => ({
        label: C.dimValue('category', c), num: true, text: (r) => C.number(r.cats[c] || 0),
        drill: (r) => (r.cats[c] ? { metric: 'ticket_volume', grain: 'day', period_start: r.date, group: { category: c }, label: C.date(r.date) + ' · ' + C.dimValue('category', c) } : null),
      })),
    ];
    C.table(document.getElementById('volume-table'), cols, Array.from(byDay.values()));
  }

  C.run(main, 'volume-status');
})();
