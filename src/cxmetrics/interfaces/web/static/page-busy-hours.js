/* Busy hours: tickets and median first response time by weekday x hour (local time). */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;
  const HOURS = Array.from({ length: 24 }, (_, i) => i);
  const DAYS = [1, 2, 3, 4, 5, 6, 7];

  let zone = '';
  function heatSpec(cells, metric, scheme) {
    const info = C.metricInfo(metric);
    const ax = metric === 'first_response_time' ? 60 : 1;
    const drills = [];
    const values = cells.map((r) => {
      const label = C.dimValue('weekday', r.weekday) + ' ' + C.dimValue('hour', r.hour);
      drills.push({ metric, grain: 'total', group: { weekday: r.weekday, hour: r.hour }, label });
      return {
        hour: C.dimValue('hour', r.hour), day: C.dimValue('weekday', r.weekday), dayN: r.weekday,
        v: C.missing(r.value) ? null : Number(r.value) / ax, label,
        valueLabel: C.value(r.value, info.unit), nLabel: C.number(r.n), _drill: drills.length - 1,
      };
    }).filter((v) => v.v !== null);
    const unitTitle = metric === 'first_response_time' ? t('units.minutes') : t('common.tickets');
    const spec = {
      data: { values },
      height: 230,
      mark: { type: 'rect', cursor: 'pointer', stroke: '#fff', strokeWidth: 1 },
      encoding: {
        x: { field: 'hour', type: 'ordinal', sort: HOURS.map((h) => C.dimValue('hour', h)), title: t('busy.hour_axis', { tz: zone }), axis: { labelAngle: -90, labelOverlap: true } },
        y: { field: 'day', type: 'ordinal', sort: DAYS.map((d) => C.dimValue('weekday', d)), title: null },
        color: { field: 'v', type: 'quantitative', title: unitTitle, scale: { scheme }, legend: { orient: 'right', direction: 'vertical' } },
        tooltip: [
          { field: 'label', title: ' ' },
          { field: 'valueLabel', title: C.metricName(metric) },
          { field: 'nLabel', title: t('common.n') },
        ],
      },
    };
    return { spec, drills };
  }

  function matrix(node, cells, metric, caption) {
    const info = C.metricInfo(metric);
    const at = new Map(cells.map((r) => [r.weekday + ':' + r.hour, r]));
    const cols = [{ label: C.dimLabel('weekday'), text: (d) => C.dimValue('weekday', d) }];
    for (const h of HOURS) {
      cols.push({
        label: C.dimValue('hour', h), num: true,
        text: (d) => { const r = at.get(d + ':' + h); return r ? C.value(r.value, info.unit) : '–'; },
        drill: (d) => (at.has(d + ':' + h) ? { metric, grain: 'total', group: { weekday: d, hour: h }, label: C.dimValue('weekday', d) + ' ' + C.dimValue('hour', h) } : null),
      });
    }
    const tbl = C.el('table', { class: 'data' });
    C.table(tbl, cols, DAYS, caption);
    node.append(tbl);
  }

  async function main(eff) {
    zone = eff.tz;
    // the hours are local hours of this zone: say so wherever they are shown
    for (const node of document.querySelectorAll('[data-zone-label]')) {
      node.textContent = t(node.dataset.zoneLabel, { tz: zone });
      node.dataset.tz = zone;
    }
    const status = document.getElementById('busy-status');
    if (!(await C.hasRows('tickets'))) {
      C.setStatus(status, t('common.no_data'));
      return;
    }
    let body;
    try {
      body = await C.api('/metrics', [['metric', 'ticket_volume'], ['metric', 'first_response_time'], ['grain', 'total'],
        ['by', 'weekday'], ['by', 'hour'], ['stat', 'median'], ...C.filterParams()]);
    } catch (e) {
      C.setStatus(status, t('common.error', { error: e.message }), true);
      return;
    }
    C.setStatus(status, '');
    const recs = (body.metrics || []).filter((r) => r.weekday !== null && r.hour !== null);
    const vol = recs.filter((r) => r.metric === 'ticket_volume');
    const frt = recs.filter((r) => r.metric === 'first_response_time');
    const a = heatSpec(vol, 'ticket_volume', 'blues');
    const b = heatSpec(frt, 'first_response_time', 'orangered');
    await Promise.all([
      C.chart(document.getElementById('busy-volume'), a.spec, a.drills, t('busy.chart_volume_in', { tz: zone })),
      C.chart(document.getElementById('busy-frt'), b.spec, b.drills, t('busy.chart_frt_in', { tz: zone })),
    ]);
    document.getElementById('busy-volume-explain').append(C.explain('ticket_volume', null, { periodText: C.span(eff.from, eff.to) }));
    document.getElementById('busy-frt-explain').append(C.explain('first_response_time', null, { stat: 'median', periodText: C.span(eff.from, eff.to) }));
    const holder = document.getElementById('busy-table');
    const wrap = holder.parentNode;
    holder.remove();
    matrix(wrap, vol, 'ticket_volume', t('busy.volume_in', { tz: zone }));
    matrix(wrap, frt, 'first_response_time', t('busy.frt_in', { tz: zone }));
  }

  C.run(main, 'busy-status');
})();
