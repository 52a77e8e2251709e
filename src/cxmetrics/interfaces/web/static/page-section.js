/* Customers and calls: monthly trends of the section's metrics (one line when the store has no such data). */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;

  async function byGroup(metrics, dim) {
    const box = document.getElementById('by-group');
    let body;
    try {
      body = await C.api('/metrics', [...metrics.map((m) => ['metric', m]), ['grain', 'total'], ['by', dim], ...C.filterParams()]);
    } catch (e) {
      return;
    }
    const recs = body.metrics || [];
    const groups = Array.from(new Set(recs.map((r) => r[dim])));
    if (!groups.length) return;
    const at = new Map(recs.map((r) => [r.metric + ':' + r[dim], r]));
    const cols = [{ label: C.dimLabel(dim), text: (g) => C.dimValue(dim, g) }];
    for (const m of metrics) {
      const info = C.metricInfo(m);
      cols.push({
        label: C.metricName(m), num: true,
        text: (g) => { const r = at.get(m + ':' + g); return r ? C.value(r.value, info.unit) : '–'; },
        drill: (g) => (at.has(m + ':' + g) ? { metric: m, grain: 'total', group: { [dim]: g }, label: C.dimValue(dim, g) } : null),
      });
    }
    C.table(document.getElementById('by-group-table'), cols, groups);
    box.hidden = false;
  }

  async function main() {
    const holder = document.getElementById('section-charts');
    const status = document.getElementById('section-status');
    const metrics = holder.dataset.metrics.split(/\s+/).filter(Boolean);
    if (!(await C.hasRows(holder.dataset.needs))) {
      C.setStatus(status, holder.dataset.empty);
      holder.hidden = true;
      document.querySelectorAll('details.data-table').forEach((d) => { d.hidden = true; });
      return;
    }
    let body;
    try {
      body = await C.api('/metrics', [...metrics.map((m) => ['metric', m]), ['grain', 'month'], ...C.filterParams()]);
    } catch (e) {
      C.setStatus(status, e.status === 400 && C.activeFilterDims().length ? C.unsupportedText() : t('common.error', { error: e.message }), true);
      return;
    }
    const recs = body.metrics || [];
    if (!recs.some((r) => !C.missing(r.value))) {
      C.setStatus(status, t('common.no_data'));
      return;
    }
    C.setStatus(status, '');
    const jobs = [];
    for (const m of metrics) {
      const rs = recs.filter((r) => r.metric === m);
      if (!rs.some((r) => !C.missing(r.value))) continue;
      const node = el('div', { class: 'chart' });
      const fig = el('figure', { class: 'chart-figure', 'data-metric': m }, el('figcaption', { text: C.metricName(m) }), node);
      const latest = rs.filter((r) => !C.missing(r.value)).pop();
      fig.append(C.explain(m, latest, { periodText: C.period(latest.period_start, 'month') }));
      holder.append(fig);
      const { spec, drills } = C.trendSpec(rs, { metric: m, grain: 'month', height: 220 });
      jobs.push(C.chart(node, spec, drills, C.metricName(m)));
    }
    await Promise.all(jobs);
    C.monthTable(document.getElementById('section-table'), recs, metrics);
    if (holder.dataset.by) byGroup(metrics, holder.dataset.by).catch(() => {});
  }

  C.run(main, 'section-status');
})();
