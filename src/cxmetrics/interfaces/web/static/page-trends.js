/* Trends: any metric at any grain, broken down by a dimension, compared with an earlier period. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t } = C;

  async function main() {
    const q = new URLSearchParams(window.location.search);
    const metric = q.get('metric') || 'ticket_volume';
    const grain = q.get('grain') || 'month';
    const by = q.get('by') || '';
    const compare = q.get('compare') || '';
    const stat = q.get('stat') || 'median';
    const info = C.metricInfo(metric);
    const status = document.getElementById('trend-status');
    const node = document.getElementById('trend-chart');
    const caption = document.getElementById('trend-caption');
    // a duration in business hours says so (and is shown in hours, never in 24-hour days)
    const business = info.unit === 'seconds' && C.businessHours();
    caption.textContent = t('trends.chart', { metric: C.metricName(metric), grain: t('grain.' + grain) })
      + (business ? ' (' + t('units.business_hours') + ')' : '');
    C.setStatus(status, t('common.loading'));
    const params = [['metric', metric], ['grain', grain], ['stat', stat], ...C.filterParams()];
    if (by) params.push(['by', by]);
    if (compare) params.push(['compare', compare]);
    let body;
    try {
      body = await C.api('/metrics', params);
    } catch (e) {
      C.setStatus(status, e.status === 400 && C.activeFilterDims().length ? C.unsupportedText() + ' (' + e.message + ')' : t('common.error', { error: e.message }), true);
      return;
    }
    const recs = body.metrics || [];
    // share metrics (channel_share...) carry their groups in share_dim even without a breakdown
    const groupDims = Array.from(new Set([by, info.share_dim].filter(Boolean)));
    const groupText = (r) => groupDims.map((g) => C.dimValue(g, r[g])).join(' · ');
    if (!recs.some((r) => !C.missing(r.value))) {
      C.setStatus(status, t('common.no_data'));
      return;
    }
    C.setStatus(status, '');
    const { spec, drills } = C.trendSpec(recs, { metric, grain, groupDims, height: 320 });
    await C.chart(node, spec, drills, caption.textContent);
    // what the number is: the latest period's record when there is one series
    const latest = groupDims.length ? null : recs.filter((r) => !C.missing(r.value)).pop() || null;
    const why = document.getElementById('trend-explain');
    C.clear(why).append(C.explain(metric, latest, {
      stat, business, periodText: latest ? C.period(latest.period_start, grain) : null,
    }));
    const cols = [
      { label: t('common.period'), text: (r) => C.period(r.period_start, grain) },
    ];
    for (const g of groupDims) cols.push({ label: C.dimLabel(g), text: (r) => C.dimValue(g, r[g]) });
    cols.push({
      label: t('common.value'), num: true, text: (r) => C.value(r.value, info.unit),
      drill: (r) => ({
        metric, grain, period_start: r.period_start, group: Object.fromEntries(groupDims.map((g) => [g, r[g]])),
        label: C.period(r.period_start, grain) + (groupDims.length ? ' · ' + groupText(r) : ''),
      }),
    });
    cols.push({ label: t('common.n'), num: true, text: (r) => C.number(r.n) });
    if (recs.some((r) => !C.missing(r.ci_low))) {
      cols.push({ label: t('common.interval'), num: true, text: (r) => (C.missing(r.ci_low) ? '–' : C.value(r.ci_low, info.unit) + ' – ' + C.value(r.ci_high, info.unit)) });
    }
    if (compare) {
      cols.push({ label: t('common.compared_span'), text: (r) => (r.previous_from ? C.span(r.previous_from, r.previous_to) + (r.partial ? ' · ' + t('common.partial') : '') : '–') });
      cols.push({ label: t('common.previous_value'), num: true, text: (r) => C.value(r.previous_value, info.unit) });
      cols.push({ label: t('common.change'), num: true, text: (r) => C.changeText(r, info.unit).text, cls: (r) => C.verdictClass(r) });
      cols.push({ label: t('common.significant'), text: (r) => (r.significant === true ? '✓' : (r.significant === false ? '–' : '')) });
      cols.push({
        label: t('common.verdict_label'),
        text: (r) => (r.verdict ? t('common.' + r.verdict) : (r.maturing ? t('common.maturing') : '')),
        cls: (r) => C.verdictClass(r),
      });
    }
    if (recs.some((r) => !C.missing(r.target))) {
      cols.push({ label: t('common.target'), num: true, text: (r) => C.value(r.target, info.unit) + (r.meets_target === true ? ' ✓' : (r.meets_target === false ? ' ✗' : '')) });
    }
    C.table(document.getElementById('trend-table'), cols, recs.filter((r) => !C.missing(r.value) || !C.missing(r.previous_value)));
  }

  C.run(main, 'trend-status');
})();
