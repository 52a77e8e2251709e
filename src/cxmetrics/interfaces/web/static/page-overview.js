/* Overview: the month's KPI cards (value, change vs the month before, target, 13-month sparkline). */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  function changeClass(delta, direction) {
    if (delta === null || delta === 0 || direction === 'neutral') return 'neutral';
    return (delta > 0) === (direction === 'higher') ? 'good' : 'bad';
  }

  function card(metric, rec, series, start) {
    const info = C.metricInfo(metric);
    const li = el('li', { class: 'card', 'data-metric': metric });
    const nameId = 'kpi-' + metric.replace(/[^a-z0-9_]/gi, '-');
    li.append(el('h3', { id: nameId }, el('a', {
      href: C.pageUrl(C.cfg.pages.trends, { metric, grain: 'month', compare: 'previous' }),
      text: C.metricName(metric),
    })));
    li.append(el('p', { class: 'value', 'data-value': C.missing(rec.value) ? '' : String(rec.value), text: C.value(rec.value, info.unit) }));
    // change vs the previous month (with the significance test's verdict)
    const ch = C.change(rec.value, rec.previous_value, info.unit);
    const cls = changeClass(ch.delta, info.direction);
    const arrow = ch.delta === null ? '' : (ch.delta > 0 ? '▲ ' : (ch.delta < 0 ? '▼ ' : '■ '));
    const verdict = cls === 'good' ? t('common.better') : (cls === 'bad' ? t('common.worse') : '');
    const changeP = el('p', { class: 'change ' + cls }, arrow + t('common.vs_previous', { change: ch.text }));
    if (verdict) changeP.append(t('common.verdict', { word: verdict }));
    if (rec.significant === true) changeP.append(' ', el('span', { class: 'badge', text: t('common.significant') }));
    li.append(changeP);
    // target status
    let targetText = t('common.no_target');
    let targetCls = 'neutral';
    if (!C.missing(rec.target)) {
      const tv = C.value(rec.target, info.unit);
      targetText = rec.meets_target === false ? t('common.target_missed', { target: tv }) : t('common.target_met', { target: tv });
      targetCls = rec.meets_target === false ? 'target-missed' : 'target-met';
      if (rec.target_source === 'benchmark') targetText += ' (' + t('common.benchmark') + ')';
      if (rec.meets_target === null || rec.meets_target === undefined) targetCls = 'neutral';
    }
    li.append(el('p', { class: 'target ' + targetCls, text: (targetCls === 'target-met' ? '✓ ' : (targetCls === 'target-missed' ? '✗ ' : '')) + targetText }));
    if (rec.low_sample) li.append(el('p', { class: 'muted', text: t('common.low_sample') }));
    const spark = el('div', { class: 'spark chart-spark' });
    li.append(spark);
    const drill = { metric, grain: 'month', period_start: start, group: {}, label: C.month(start) };
    li.append(el('div', { class: 'card-actions' }, el('button', {
      type: 'button', 'aria-describedby': nameId, text: t('common.show_rows'), onclick: () => C.openDrill(drill),
    })));
    return { li, spark, series, metric };
  }

  async function section(group, start, from, end, sparkFrom, container) {
    if (!(await C.hasRows(group.table))) return;
    const sec = el('section', { 'aria-labelledby': 'sec-' + group.section, 'data-section': group.section });
    sec.append(el('h2', { id: 'sec-' + group.section, text: t('section.' + group.section) }));
    const status = el('p', { class: 'status', role: 'status', text: t('common.loading') });
    sec.append(status);
    container.append(sec);
    const ids = group.metrics.map((m) => ['metric', m]);
    const where = C.filterParams({ noDates: true });
    let series, current;
    try {
      [series, current] = await Promise.all([
        C.api('/metrics', [...ids, ['grain', 'month'], ['from', sparkFrom], ['to', end], ...where]),
        C.api('/metrics', [...ids, ['grain', 'month'], ['from', from], ['to', end], ['compare', 'previous'], ...where]),
      ]);
    } catch (e) {
      C.setStatus(status, e.status === 400 && C.activeFilterDims().length ? C.unsupportedText() : t('common.error', { error: e.message }), e.status !== 400);
      return;
    }
    const ul = el('ul', { class: 'cards' });
    const cards = [];
    for (const metric of group.metrics) {
      const rec = (current.metrics || []).find((r) => r.metric === metric && (r.period_start || '').slice(0, 10) === start);
      if (!rec || (C.missing(rec.value) && !rec.n)) continue;
      const s = (series.metrics || []).filter((r) => r.metric === metric);
      const c = card(metric, rec, s, start);
      ul.append(c.li);
      cards.push(c);
    }
    if (!cards.length) {
      C.setStatus(status, t('overview.no_kpis'));
      return;
    }
    status.remove();
    sec.append(ul);
    for (const c of cards) {
      const { spec, drills } = C.trendSpec(c.series, { metric: c.metric, grain: 'month', sparkline: true });
      C.chart(c.spark, spec, drills, t('overview.sparkline', { metric: C.metricName(c.metric) })).catch(() => {});
    }
  }

  async function main() {
    const box = document.getElementById('kpis');
    const intro = document.getElementById('overview-intro');
    const h = await C.health();
    const present = (C.cfg.kpis || []).filter((g) => !h.tables || Number(h.tables[g.table] || 0) > 0);
    if (!present.length) {
      C.clear(box).append(el('p', { text: t('common.no_data') }));
      box.setAttribute('aria-busy', 'false');
      return;
    }
    const anchor = present[0].metrics[0];
    let start;
    try {
      start = await C.referenceMonth(anchor);
    } catch (e) {
      C.clear(box).append(el('p', { class: 'error', text: t('common.error', { error: e.message }) }));
      return;
    }
    let end = C.monthEnd(start);
    if (C.filters.to && C.filters.to < end) end = C.filters.to;
    let sparkFrom = C.addMonths(start, -12);
    if (C.filters.from && C.filters.from > sparkFrom) sparkFrom = C.filters.from;
    let monthStart = start;
    if (C.filters.from && C.filters.from > monthStart && C.filters.from <= end) monthStart = C.filters.from;
    intro.textContent = t('overview.intro', { month: C.month(start), previous: C.month(C.addMonths(start, -1)) });
    intro.dataset.month = start;
    C.clear(box);
    await Promise.all(present.map((g) => section(g, start, monthStart, end, sparkFrom, box)));
    box.setAttribute('aria-busy', 'false');
  }

  C.run(main, 'kpis');
})();
