/* Feedback: NPS composition, NPS/CSAT/CES trends with intervals, detractor comments. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;
  const SHARES = ['promoters_share', 'passives_share', 'detractors_share'];
  const SHARE_LABEL = { promoters_share: 'promoters', passives_share: 'passives', detractors_share: 'detractors' };
  const SHARE_COLOR = ['#2b8a3e', '#adb5bd', '#c92a2a'];

  function compositionSpec(recs) {
    const drills = [];
    const values = recs.filter((r) => SHARES.includes(r.metric) && !C.missing(r.value)).map((r) => {
      const group = t('feedback.' + SHARE_LABEL[r.metric]);
      drills.push({ metric: r.metric, grain: 'month', period_start: r.period_start, group: {}, label: C.period(r.period_start, 'month') + ' · ' + group });
      return {
        period: r.period_start, share: Number(r.value), group, order: SHARES.indexOf(r.metric),
        periodLabel: C.period(r.period_start, 'month'), valueLabel: C.percent(r.value),
        nLabel: C.number(r.numerator) + ' / ' + C.number(r.denominator), _drill: drills.length - 1,
      };
    });
    const spec = {
      data: { values },
      height: 260,
      mark: { type: 'bar', cursor: 'pointer' },
      encoding: {
        x: { field: 'period', type: 'temporal', timeUnit: 'utcyearmonth', title: null, scale: { type: 'utc' }, axis: { format: C.timeAxisFormat('month'), labelOverlap: true, labelAngle: 0 } },
        y: { field: 'share', type: 'quantitative', stack: 'zero', title: '%', scale: { domain: [0, 100] } },
        color: { field: 'group', type: 'nominal', title: null, sort: SHARES.map((m) => t('feedback.' + SHARE_LABEL[m])), scale: { domain: SHARES.map((m) => t('feedback.' + SHARE_LABEL[m])), range: SHARE_COLOR } },
        order: { field: 'order', type: 'quantitative' },
        tooltip: [
          { field: 'periodLabel', title: t('common.period') },
          { field: 'group', title: ' ' },
          { field: 'valueLabel', title: t('common.value') },
          { field: 'nLabel', title: t('common.n') },
        ],
      },
    };
    return { spec, drills };
  }

  async function comments() {
    const list = document.getElementById('comments');
    const params = [['group', 'detractor'], ['limit', '20'], ...C.filterParams()];
    let body;
    try {
      body = await C.api('/comments', params);
    } catch (e) {
      C.clear(list).append(el('li', { class: 'error', text: t('common.error', { error: e.message }) }));
      return;
    }
    const items = body.comments || [];
    C.clear(list);
    if (!items.length) list.append(el('li', { text: t('feedback.no_comments') }));
    for (const c of items) {
      const li = el('li');
      li.append(el('blockquote', { text: c.comment || '' }));
      const meta = [];
      if (c.responded_at) meta.push(C.cellText(c.responded_at));
      if (c.survey) meta.push(t('feedback.survey') + ': ' + c.survey);
      if (!C.missing(c.score !== undefined ? c.score : c.raw_score)) meta.push(t('feedback.score') + ': ' + C.cellText(c.score !== undefined ? c.score : c.raw_score));
      if (c.channel) meta.push(C.dimValue('channel', c.channel));
      if (c.category) meta.push(C.dimValue('category', c.category));
      if (c.ticket_id) meta.push(t('feedback.ticket') + ' ' + c.ticket_id);
      const p = el('p', { class: 'meta', text: meta.join(' · ') });
      if (c.customer_id) {
        p.append(' · ', el('a', { href: C.pageUrl(C.cfg.pages.timeline, { customer: c.customer_id }), text: c.customer_id }));
      }
      li.append(p);
      list.append(li);
    }
  }

  async function main() {
    const status = document.getElementById('feedback-status');
    if (!(await C.hasRows('survey_responses'))) {
      C.setStatus(status, t('feedback.no_data'));
      document.getElementById('feedback-body').hidden = true;
      return;
    }
    comments();
    let body;
    const ids = [...SHARES, 'nps', 'csat', 'ces'].map((m) => ['metric', m]);
    try {
      body = await C.api('/metrics', [...ids, ['grain', 'month'], ...C.filterParams()]);
    } catch (e) {
      C.setStatus(status, e.status === 400 && C.activeFilterDims().length ? C.unsupportedText() : t('common.error', { error: e.message }), true);
      return;
    }
    C.setStatus(status, '');
    const recs = body.metrics || [];
    const comp = compositionSpec(recs);
    const jobs = [C.chart(document.getElementById('nps-composition'), comp.spec, comp.drills, t('feedback.composition_chart'))];
    for (const [metric, node, label] of [['nps', 'nps-trend', 'feedback.nps'], ['csat', 'csat-trend', 'feedback.csat'], ['ces', 'ces-trend', 'feedback.ces']]) {
      const rs = recs.filter((r) => r.metric === metric);
      const target = document.getElementById(node);
      if (!rs.some((r) => !C.missing(r.value))) {
        C.clear(target).append(el('p', { class: 'muted', text: t('common.no_data') }));
        continue;
      }
      const { spec, drills } = C.trendSpec(rs, { metric, grain: 'month', height: 240 });
      jobs.push(C.chart(target, spec, drills, t(label)));
      const latest = rs.filter((r) => !C.missing(r.value)).pop();
      target.parentNode.append(C.explain(metric, latest, { periodText: C.period(latest.period_start, 'month') }));
    }
    await Promise.all(jobs);
    // data table: months x the six metrics
    C.monthTable(document.getElementById('feedback-table'), recs, ['nps', ...SHARES, 'csat', 'ces']);
  }

  C.run(main, 'feedback-status');
})();
