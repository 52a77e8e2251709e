/* Forecast & staffing: contacts ahead per channel with 80/95% intervals and their backtest;
 * agents required against scheduled by hour of the week (gaps highlighted); what-if for volume and AHT. */
(function () {
  'use strict';
  const C = window.CXM;
  const { t, el } = C;
  const HOURS = Array.from({ length: 24 }, (_, i) => i);
  const DAYS = [1, 2, 3, 4, 5, 6, 7];

  function pct(v) { return C.percent(100 * v); }
  function signedPct(v) { return (v > 0 ? '+' : '') + C.number(v, 0) + '%'; }

  /** The form's state from the query string (percent inputs become factors for the API). */
  function options() {
    const q = new URLSearchParams(window.location.search);
    const num = (k, d) => { const v = Number(q.get(k)); return q.get(k) === null || q.get(k) === '' || !isFinite(v) ? d : v; };
    return {
      horizon: String(Math.round(num('horizon', 28))), by: q.get('by') || '',
      volume: num('volume_change', 0), aht: num('aht_change', 0), ahtSeconds: q.get('aht') || '',
      series: q.get('series'),
    };
  }

  async function chooseBy(by) {
    if (by === 'none') return [];
    if (by) return [by];
    // the API's auto source: tickets, else calls (split by queue), else interval reports (channel)
    if (await C.hasRows('tickets')) return ['channel'];
    if (await C.hasRows('calls')) return ['queue'];
    return ['channel'];
  }

  function seriesKey(rec, dims) { return dims.map((d) => C.dimValue(d, rec[d])).join(' · ') || t('forecast.all'); }

  function bandSpec(rows, title) {
    const values = rows.map((r) => ({
      date: r.period_start, value: r.value, lo80: r.lower_80, hi80: r.upper_80, lo95: r.lower_95, hi95: r.upper_95,
      dateLabel: C.date(r.period_start), valueLabel: C.number(r.value, 0),
      i80: C.number(r.lower_80, 0) + ' – ' + C.number(r.upper_80, 0), i95: C.number(r.lower_95, 0) + ' – ' + C.number(r.upper_95, 0),
    }));
    const x = { field: 'date', type: 'temporal', title: null, scale: { type: 'utc' }, axis: { format: C.timeAxisFormat('day'), labelOverlap: true, labelAngle: 0 } };
    const tooltip = [
      { field: 'dateLabel', title: t('common.date') }, { field: 'valueLabel', title: t('forecast.value') },
      { field: 'i80', title: t('forecast.interval_80') }, { field: 'i95', title: t('forecast.interval_95') },
    ];
    return {
      data: { values }, height: 180,
      layer: [
        { mark: { type: 'area', opacity: 0.15, color: '#0a58ca' }, encoding: { x, y: { field: 'lo95', type: 'quantitative', title: title }, y2: { field: 'hi95' } } },
        { mark: { type: 'area', opacity: 0.3, color: '#0a58ca' }, encoding: { x, y: { field: 'lo80', type: 'quantitative' }, y2: { field: 'hi80' } } },
        { mark: { type: 'line', point: true, color: '#0a58ca' }, encoding: { x, y: { field: 'value', type: 'quantitative' }, tooltip } },
      ],
    };
  }

  async function showForecast(body, dims) {
    const bt = body.backtest || {};
    const note = document.getElementById('fc-backtest');
    note.textContent = bt.points ? t('forecast.backtest', {
      folds: C.number(bt.folds), days: C.number(bt.horizon_days), mase: C.number(bt.mase, 2),
      c80: pct(bt.coverage_80), c95: pct(bt.coverage_95), from: C.date(body.history_from), to: C.date(body.history_to),
    }) : t('forecast.no_backtest');
    note.dataset.mase = bt.mase === undefined ? '' : String(bt.mase);
    note.dataset.coverage80 = bt.coverage_80 === undefined ? '' : String(bt.coverage_80);
    // the AHT forecast's backtest on the same held-out windows, next to the volume's
    const abt = body.aht_backtest || {};
    const ahtNote = document.getElementById('fc-aht-backtest');
    ahtNote.textContent = C.missing(abt.mape) ? t('forecast.no_aht_backtest') : t('forecast.aht_backtest', {
      mape: pct(abt.mape), mase: C.missing(abt.mase) ? '–' : C.number(abt.mase, 2), contacts: C.number(abt.contacts),
    });
    ahtNote.dataset.mape = C.missing(abt.mape) ? '' : String(abt.mape);
    ahtNote.dataset.mase = C.missing(abt.mase) ? '' : String(abt.mase);
    const groups = new Map();
    for (const r of body.forecast || []) {
      const k = seriesKey(r, dims);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(r);
    }
    const holder = document.getElementById('fc-charts');
    C.clear(holder);
    const jobs = [];
    for (const [name, rows] of groups) {
      const div = el('div', { class: 'chart' });
      const fig = el('figure', { class: 'chart-figure fc-series', 'data-series': name }, el('figcaption', { text: t('forecast.chart', { series: name }) }), div);
      holder.append(fig);
      jobs.push(C.chart(div, bandSpec(rows, t('forecast.per_day')), null, t('forecast.chart', { series: name })));
    }
    await Promise.all(jobs);
    const ahts = new Map((body.aht || []).map((a) => [seriesKey(a, dims), a.aht_seconds]));
    const per = new Map((bt.series || []).map((s) => [seriesKey(s, dims), s]));
    const ahtPer = new Map((abt.series || []).map((s) => [seriesKey(s, dims), s]));
    const rows = [...groups.keys()].map((k) => ({
      k, s: per.get(k) || (groups.size === 1 ? bt : {}), aht: ahts.get(k), a: ahtPer.get(k) || (groups.size === 1 ? abt : {}),
    }));
    C.table(document.getElementById('fc-accuracy'), [
      { label: dims.length ? C.dimLabel(dims[0]) : ' ', text: (r) => r.k },
      { label: t('forecast.total'), num: true, text: (r) => C.number(groups.get(r.k).reduce((a, x) => a + x.value, 0), 0) },
      { label: 'MASE', num: true, text: (r) => (C.missing(r.s.mase) ? '–' : C.number(r.s.mase, 2)) },
      { label: t('forecast.coverage_80'), num: true, text: (r) => (C.missing(r.s.coverage_80) ? '–' : pct(r.s.coverage_80)) },
      { label: t('forecast.coverage_95'), num: true, text: (r) => (C.missing(r.s.coverage_95) ? '–' : pct(r.s.coverage_95)) },
      { label: t('forecast.aht_col'), num: true, text: (r) => (C.missing(r.aht) ? '–' : C.duration(r.aht)) },
      { label: t('forecast.aht_mape'), num: true, text: (r) => (C.missing(r.a.mape) ? '–' : pct(r.a.mape)) },
      { label: t('forecast.aht_mase'), num: true, text: (r) => (C.missing(r.a.mase) ? '–' : C.number(r.a.mase, 2)) },
    ], rows, t('forecast.accuracy'));
    const tbody = document.querySelectorAll('#fc-accuracy tbody tr');
    rows.forEach((r, i) => {
      if (!tbody[i]) return;
      tbody[i].dataset.key = dims.map((d) => String(groups.get(r.k)[0][d])).join('|');
      tbody[i].dataset.ahtMape = C.missing(r.a.mape) ? '' : String(r.a.mape);
      tbody[i].dataset.ahtMase = C.missing(r.a.mase) ? '' : String(r.a.mase);
    });
  }

  function heatSpec(cov) {
    const known = cov.basis !== null;
    const values = cov.cells.map((c) => ({
      hour: C.dimValue('hour', c.hour), day: C.dimValue('weekday', c.weekday),
      v: known ? c.gap : c.required, short: known && c.gap < 0,
      label: C.dimValue('weekday', c.weekday) + ' ' + C.dimValue('hour', c.hour),
      req: C.number(c.required, 1) + ' (max ' + C.number(c.required_max, 0) + ')',
      sched: known ? C.number(c.scheduled, 1) : '–', gapLabel: known ? C.number(c.gap, 1) : '–',
    }));
    const color = known
      ? { field: 'v', type: 'quantitative', title: t('forecast.gap'), scale: { scheme: 'redblue', domainMid: 0 } }
      : { field: 'v', type: 'quantitative', title: t('forecast.required'), scale: { scheme: 'blues' } };
    return {
      data: { values }, height: 230,
      mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
      encoding: {
        x: { field: 'hour', type: 'ordinal', sort: HOURS.map((h) => C.dimValue('hour', h)), title: t('busy.hour_axis', { tz: C.effectivePeriod().tz }), axis: { labelAngle: -90 } },
        y: { field: 'day', type: 'ordinal', sort: DAYS.map((d) => C.dimValue('weekday', d)), title: null },
        color,
        stroke: { condition: { test: 'datum.short', value: '#7a0b1c' }, value: '#fff' },
        strokeWidth: { condition: { test: 'datum.short', value: 2 }, value: 1 },
        tooltip: [
          { field: 'label', title: ' ' }, { field: 'req', title: t('forecast.required') },
          { field: 'sched', title: t('forecast.scheduled') }, { field: 'gapLabel', title: t('forecast.gap') },
        ],
      },
    };
  }

  /** Required (peak week) / scheduled per weekday and hour into ``tbl``: the heatmap's figures as text,
   * short cells marked; each cell carries the API's figures (data-required-max, data-scheduled, data-gap). */
  function matrix(tbl, cov) {
    const at = new Map(cov.cells.map((c) => [c.weekday + ':' + c.hour, c]));
    const known = cov.basis !== null;
    C.clear(tbl);
    tbl.append(el('caption', { text: t(known ? 'forecast.matrix' : 'forecast.matrix_required') }));
    const head = el('tr', null, el('th', { scope: 'col', text: C.dimLabel('weekday') }));
    for (const h of HOURS) head.append(el('th', { scope: 'col', class: 'num', text: C.dimValue('hour', h) }));
    const body = el('tbody');
    for (const d of DAYS) {
      const row = el('tr', null, el('th', { scope: 'row', text: C.dimValue('weekday', d) }));
      for (const h of HOURS) {
        const c = at.get(d + ':' + h);
        const text = !c ? '–' : known ? C.number(c.required_max, 0) + ' / ' + C.number(c.scheduled, 0) : C.number(c.required_max, 0);
        const short = c && known && c.gap < 0;
        row.append(el('td', {
          class: 'num' + (short ? ' short' : ''), 'data-weekday': d, 'data-hour': h, 'data-gap': c && known ? c.gap : '',
          'data-required-max': c ? c.required_max : '', 'data-scheduled': c && known ? c.scheduled : '',
          text, title: short ? t('forecast.short_cell', { gap: C.number(-c.gap, 1) }) : null,
        }));
      }
      body.append(row);
    }
    tbl.append(el('thead', null, head), body);
  }

  function agentHours(plan) { return plan.reduce((a, r) => a + r.scheduled_agents, 0); }

  async function showStaffing(params, o) {
    const status = document.getElementById('staff-status');
    C.setStatus(status, t('common.loading'));
    const whatIf = o.volume !== 0 || o.aht !== 0;
    const p = [...params, ['staff', 'true'], ['folds', '0']];
    if (o.ahtSeconds) p.push(['aht', o.ahtSeconds]);
    let body;
    let base = null;
    try {
      const asked = whatIf ? [...p, ['volume_change', String(o.volume / 100)], ['aht_change', String(o.aht / 100)]] : p;
      [body, base] = await Promise.all([C.api('/forecast', asked), whatIf ? C.api('/forecast', p) : Promise.resolve(null)]);
    } catch (e) {
      C.setStatus(status, t('forecast.staff_error', { error: e.message }), true);
      return;
    }
    C.setStatus(status, '');
    const cov = body.coverage;
    const summary = document.getElementById('staff-summary');
    summary.dataset.basis = cov.basis || '';
    summary.dataset.shortHours = cov.short_hours === null ? '' : String(cov.short_hours);
    summary.dataset.agentHours = String(agentHours(body.staffing));
    const parts = [];
    if (cov.basis === null) parts.push(t('forecast.no_schedule'));
    else parts.push(t('forecast.short', { short: C.number(cov.short_hours), hours: C.number(cov.hours) }) + ' ' + t(cov.basis === 'dates' ? 'forecast.basis_dates' : 'forecast.basis_typical_week'));
    // the peak hour: agents of every series at once
    const perHour = new Map();
    for (const r of body.staffing) perHour.set(r.period_start, (perHour.get(r.period_start) || 0) + r.scheduled_agents);
    let peak = null;
    for (const [when, agents] of perHour) if (!peak || agents > peak.agents) peak = { when, agents };
    if (peak) parts.push(t('forecast.peak', { agents: C.number(peak.agents), when: C.cellText(peak.when) }));
    if (base) {
      const a = agentHours(base.staffing);
      const b = agentHours(body.staffing);
      parts.push(t('forecast.what_if_result', {
        volume: signedPct(o.volume), aht: signedPct(o.aht), base: C.number(a), now: C.number(b),
        change: a ? signedPct(100 * (b - a) / a) : '–',
      }));
      summary.dataset.baseAgentHours = String(a);
    }
    summary.textContent = parts.join(' ');
    document.getElementById('staff-caption').textContent = t(cov.basis === null ? 'forecast.heatmap_required' : 'forecast.heatmap', { tz: body.timezone });
    await C.chart(document.getElementById('staff-heatmap'), heatSpec(cov), null, t('forecast.heatmap', { tz: body.timezone }));
    matrix(document.getElementById('staff-table'), cov);
    await showSeries(body, base, o);
  }

  /** How a series is staffed, from the method the API reports for it (one, several, or none when closed). */
  function staffedBy(method, name) {
    if (method === null || method === undefined) return t('forecast.staffed_none', { series: name });
    if (Array.isArray(method)) return t('forecast.staffed_mixed', { series: name, methods: method.map((m) => t('forecast.model_' + m)).join(', ') });
    return t('forecast.staffed_' + method, { series: name });
  }

  /** One channel's (queue's...) heatmap at a time, picked from ``coverage.series``: the same figures
   * as the pooled one, for the agents that series needs against the schedule rows of that series.
   * The what-if applies: ``body`` is the what-if answer, ``base`` the one without. */
  async function showSeries(body, base, o) {
    const box = document.getElementById('staff-series');
    const per = body.coverage.series;
    if (!per || !per.length) { box.hidden = true; return; }
    const dim = Object.keys(per[0]).find((k) => ['channel', 'queue', 'team'].includes(k));
    const keyOf = (s) => (s[dim] === null || s[dim] === undefined ? '(none)' : String(s[dim]));
    const pick = document.getElementById('staff-series-pick');
    document.getElementById('staff-series-title').textContent = t('forecast.series_title', { dim: C.dimLabel(dim) });
    document.getElementById('staff-series-label').textContent = C.dimLabel(dim);
    C.clear(pick);
    for (const s of per) pick.append(el('option', { value: keyOf(s), text: C.dimValue(dim, s[dim]) }));
    const keys = per.map(keyOf);
    pick.value = keys.includes(o.series) ? o.series : keys[0];
    box.hidden = false;
    const hoursOf = (plan, key) => plan.filter((r) => keyOf(r) === key).reduce((a, r) => a + r.scheduled_agents, 0);
    async function render() {
      const key = pick.value;
      const cov = per[keys.indexOf(key)];
      const name = C.dimValue(dim, cov[dim]);
      const known = cov.basis !== null;
      box.dataset.series = key;
      box.dataset.method = Array.isArray(cov.method) ? cov.method.join(' ') : (cov.method || '');
      box.dataset.basis = cov.basis || '';
      box.dataset.shortHours = known ? String(cov.short_hours) : '';
      box.dataset.agentHours = String(hoursOf(body.staffing, key));
      document.getElementById('staff-series-method').textContent = staffedBy(cov.method, name);
      const parts = [known ? t('forecast.short', { short: C.number(cov.short_hours), hours: C.number(cov.hours) })
        : t('forecast.series_no_schedule', { series: name })];
      if (base) {
        const a = hoursOf(base.staffing, key);
        const b = hoursOf(body.staffing, key);
        box.dataset.baseAgentHours = String(a);
        parts.push(t('forecast.what_if_result', {
          volume: signedPct(o.volume), aht: signedPct(o.aht), base: C.number(a), now: C.number(b),
          change: a ? signedPct(100 * (b - a) / a) : '–',
        }));
      }
      document.getElementById('staff-series-summary').textContent = parts.join(' ');
      const caption = t(known ? 'forecast.series_heatmap' : 'forecast.series_heatmap_required', { series: name, tz: body.timezone });
      document.getElementById('staff-series-caption').textContent = caption;
      matrix(document.getElementById('staff-series-table'), cov);
      await C.chart(document.getElementById('staff-series-heatmap'), heatSpec(cov), null, caption);
      box.dataset.shown = key;
    }
    pick.onchange = () => {
      const url = new URL(window.location.href);
      url.searchParams.set('series', pick.value);
      window.history.replaceState(window.history.state, '', url);
      render();
    };
    await render();
  }

  async function main(eff) {
    const status = document.getElementById('forecast-status');
    const o = options();
    const dims = await chooseBy(o.by);
    const params = [['horizon', o.horizon], ...dims.map((d) => ['by', d])];
    if (eff.tz) params.push(['tz', eff.tz]);
    let body;
    try {
      body = await C.api('/forecast', [...params, ['grain', 'day']]);
    } catch (e) {
      C.setStatus(status, t('common.error', { error: e.message }), true);
      return;
    }
    C.setStatus(status, '');
    await Promise.all([showForecast(body, dims), showStaffing([...params, ['grain', 'hour']], o)]);
  }

  C.run(main, 'forecast-status', { timesOnly: true });
})();
