/* Overview: the period's KPI cards from GET /overview (value, change against the previous
 * period with the API's verdict, partial and maturing periods said, target, n, a sparkline
 * with the target drawn, and what the number is, from the catalogue). */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  /** The period's name for the lead ("December 2025 compared with November 2025"). */
  function intro(eff) {
    const node = document.getElementById('overview-intro');
    C.clear(node);
    node.dataset.kind = eff.kind;
    if (eff.kind === 'month') {
      node.dataset.month = eff.from;
      node.textContent = t('overview.intro', { month: C.month(eff.from), previous: C.month(eff.previous_from) });
    } else {
      delete node.dataset.month;
      node.textContent = t('overview.intro_span', {
        period: C.periodName(eff) + ' (' + C.span(eff.from, eff.to) + ')',
        previous: C.span(eff.previous_from, eff.previous_to),
      });
    }
  }

  /** "vs previous month" in the page's words; the exact span is in the card's title and explanation. */
  function vsText(eff, change) {
    if (eff.grain === 'month') return t('common.vs_previous', { change });
    return t('overview.vs', { change, previous: C.previousName(eff) });
  }

  function card(metric, rec, series, eff, body) {
    const { hours, stat } = body;
    const info = C.metricInfo(metric);
    const business = info.unit === 'seconds' && hours === 'business';
    const li = el('li', { class: 'card', 'data-metric': metric });
    const nameId = 'kpi-' + metric.replace(/[^a-z0-9_]/gi, '-');
    // the trend behind the card: the sparkline's range at its grain, compared period by period
    const s = body.series;
    const trend = s.grain ? { metric, grain: s.grain, compare: 'previous', period: 'custom', from: s.from, to: s.to, month: '', week: '' }
      : { metric, compare: 'previous' };
    li.append(el('h3', { id: nameId }, el('a', { href: C.pageUrl(C.cfg.pages.trends, trend), text: C.metricName(metric) })));
    const hasValue = !C.missing(rec.value);
    li.dataset.value = hasValue ? String(rec.value) : '';
    li.append(el('p', {
      class: 'value' + (hasValue ? '' : ' no-data'), 'data-value': hasValue ? String(rec.value) : '',
      text: hasValue ? C.value(rec.value, info.unit, business) : t('common.no_data_short'),
    }));
    // the change against the previous period: the API's numbers and verdict (better / worse only
    // when significant, not zero at the shown precision, not maturing)
    const ch = C.changeText(rec, info.unit, business);
    const cls = ch.zero ? 'neutral' : C.verdictClass(rec);
    const changeP = el('p', {
      class: 'change ' + cls,
      'data-change': C.missing(rec.change) ? '' : String(rec.change),
      'data-previous': C.missing(rec.previous_value) ? '' : String(rec.previous_value),
      'data-verdict': rec.verdict || '',
      title: rec.previous_from ? t('overview.compared_span', { span: C.span(rec.previous_from, rec.previous_to) }) : null,
    });
    if (!hasValue) {
      changeP.textContent = '';
    } else if (C.missing(rec.previous_value)) {
      changeP.textContent = t('overview.no_previous', { span: C.span(rec.previous_from || eff.previous_from, rec.previous_to || eff.previous_to) });
    } else {
      const arrow = ch.zero ? '■ ' : (Number(rec.change) > 0 ? '▲ ' : '▼ ');
      changeP.append(arrow + vsText(eff, ch.text));
      if (rec.verdict) changeP.append(t('common.verdict', { word: t('common.' + rec.verdict) }));
      if (rec.significant === true) changeP.append(' ', el('span', { class: 'badge', text: t('common.significant') }));
    }
    li.append(changeP);
    if (rec.partial) {
      li.append(el('p', {
        class: 'partial muted', 'data-previous-from': rec.previous_from || '', 'data-previous-to': rec.previous_to || '',
        text: t('overview.partial', { span: C.span(eff.from, eff.covered_to), previous: C.span(rec.previous_from, rec.previous_to) }),
      }));
    }
    if (rec.maturing) li.append(el('p', { class: 'maturing warn', text: t('overview.maturing') }));
    // target status
    if (!C.missing(rec.target)) {
      const tv = C.value(rec.target, info.unit, business);
      let text = rec.meets_target === false ? t('common.target_missed', { target: tv }) : t('common.target_met', { target: tv });
      let tcls = rec.meets_target === false ? 'target-missed' : 'target-met';
      if (rec.meets_target === null || rec.meets_target === undefined) { tcls = 'neutral'; text = t('common.target') + ' ' + tv; }
      if (rec.target_source !== 'cxm.toml') text += ' (' + t('common.benchmark') + ')';
      li.append(el('p', { class: 'target ' + tcls, text: (tcls === 'target-met' ? '✓ ' : (tcls === 'target-missed' ? '✗ ' : '')) + text }));
    } else {
      li.append(el('p', { class: 'target neutral', text: t('common.no_target') }));
    }
    const n = [];
    if (!C.missing(rec.n)) n.push(t('overview.n', { n: C.number(rec.n) }));
    if (rec.low_sample) n.push(t('common.low_sample'));
    if (n.length) li.append(el('p', { class: 'n muted', text: n.join(' · ') }));
    const spark = el('div', { class: 'spark chart-spark' });
    li.append(spark);
    li.append(C.explain(metric, rec, { stat, business, periodText: C.periodName(eff) + ' (' + C.span(eff.from, eff.to) + ')' }));
    const drill = {
      metric, grain: eff.grain, period_start: rec.period_start, group: {},
      label: C.periodName(eff) + ' (' + C.span(eff.from, eff.to) + ')',
    };
    if (hasValue || Number(rec.n || 0) > 0) {
      li.append(el('div', { class: 'card-actions' }, el('button', {
        type: 'button', 'aria-describedby': nameId, text: t('common.show_rows'), onclick: () => C.openDrill(drill),
      })));
    }
    return { li, spark, series, metric };
  }

  function section(group, body, eff, container) {
    const sec = el('section', { 'aria-labelledby': 'sec-' + group.section, 'data-section': group.section });
    sec.append(el('h2', { id: 'sec-' + group.section, text: t('section.' + group.section) }));
    container.append(sec);
    if (group.error) {
      sec.append(el('p', { class: 'error', text: t('common.error', { error: group.error }) }));
      return [];
    }
    if (group.unsupported.length) {
      sec.append(el('p', { class: 'muted unsupported', text: C.unsupportedText() + ' (' + group.unsupported.map(C.metricName).join(', ') + ')' }));
    }
    const byMetric = new Map(group.metrics.map((r) => [r.metric, r]));
    const ul = el('ul', { class: 'cards' });
    const cards = [];
    for (const rec of group.metrics) {
      const s = body.series.metrics.filter((r) => r.metric === rec.metric);
      const c = card(rec.metric, byMetric.get(rec.metric), s, eff, body);
      ul.append(c.li);
      cards.push(c);
    }
    if (cards.length) sec.append(ul);
    else if (!group.unsupported.length) sec.append(el('p', { class: 'muted', text: t('overview.no_kpis') }));
    return cards;
  }

  async function main(eff) {
    const box = document.getElementById('kpis');
    intro(eff);
    const params = [['period', eff.kind], ...C.filterParams({ noDates: true })];
    if (eff.kind === 'month') params.push(['month', eff.from.slice(0, 7)]);
    else if (eff.kind === 'week') params.push(['week', eff.week]);
    else if (eff.kind === 'custom') params.push(['from', eff.from], ['to', eff.to]);
    let body;
    try {
      body = await C.api('/overview', params);
    } catch (e) {
      C.clear(box).append(el('p', { class: 'error', text: t('common.error', { error: e.message }) }));
      box.setAttribute('aria-busy', 'false');
      return;
    }
    C.clear(box);
    if (!body.sections.length) {
      box.append(el('p', { text: t('common.no_data') }));
      box.setAttribute('aria-busy', 'false');
      return;
    }
    if (!eff.in_data) {
      box.append(el('p', { class: 'warn no-data-note', text: t('period.outside', { span: C.span(eff.data_from, eff.data_to) }) }));
    }
    const cards = [];
    for (const g of body.sections) cards.push(...section(g, body, eff, box));
    const s = body.series;
    const sparkLabel = s.grain ? t('overview.spark.' + s.grain, { span: C.span(s.from, s.to) }) : '';
    for (const c of cards) {
      if (!c.series.some((r) => !C.missing(r.value))) continue;
      const { spec, drills } = C.trendSpec(c.series, { metric: c.metric, grain: s.grain, sparkline: true });
      C.chart(c.spark, spec, drills, t('overview.sparkline', { metric: C.metricName(c.metric) }) + ' · ' + sparkLabel)
        .catch(() => {});
    }
    document.getElementById('spark-note').textContent = sparkLabel;
    box.setAttribute('aria-busy', 'false');
  }

  C.run(main, 'kpis', { compares: true });
})();
