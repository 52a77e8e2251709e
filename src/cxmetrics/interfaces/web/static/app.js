/* cxmetrics dashboard core: configuration, texts and formats, API access with tokens,
 * the filter bar and its period (resolved by GET /period, stated on every page, restored
 * from the URL after Back), charts (vega-embed, served by this app) with targets drawn,
 * explanations from the catalogue, the page's JSON twins and the drill-down panel.
 *
 * Data from the API reaches the page only as text (textContent / text nodes), never as HTML.
 */
(function () {
  'use strict';

  const cfg = JSON.parse(document.getElementById('cxm-config').textContent);
  const S = cfg.strings || {};
  const TOKEN_KEY = 'cxm-token';
  const API = cfg.api;

  // -- texts ----------------------------------------------------------------------------
  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
  }
  function t(key, vars) {
    const text = S['dashboard.' + key];
    return fill(text === undefined ? key : text, vars);
  }
  function metricName(id) {
    const m = cfg.metrics[id];
    return m ? m.name : id;
  }
  function metricInfo(id) {
    return cfg.metrics[id] || { name: id, unit: null, direction: 'neutral', domain: 'support', kind: 'count' };
  }
  function dimLabel(dim) {
    const k = 'dashboard.dim.' + dim;
    return S[k] !== undefined ? S[k] : dim;
  }
  function none() {
    return S['ui.none'];
  }
  function dimValue(dim, v) {
    if (v === null || v === undefined || v === '' || v === '(none)') return none();
    if (dim === 'weekday') return cfg.weekdays[(Number(v) - 1 + 7) % 7] || String(v);
    if (dim === 'hour') return String(v).padStart(2, '0') + ':00';
    const k = 'value.' + dim + '.' + v;
    return S[k] !== undefined ? S[k] : String(v);
  }

  // -- numbers and dates ----------------------------------------------------------------
  const loc = cfg.locale;
  const nfCache = {};
  function nf(digits) {
    if (!nfCache[digits]) {
      nfCache[digits] = new Intl.NumberFormat(loc, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    }
    return nfCache[digits];
  }
  const pf = new Intl.NumberFormat(loc, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const missing = (v) => v === null || v === undefined || (typeof v === 'number' && !isFinite(v));
  function number(v, digits) {
    return missing(v) ? '–' : nf(digits || 0).format(Number(v));
  }
  function percent(v) {
    return missing(v) ? '–' : pf.format(Number(v) / 100);
  }
  const unitNumber = new Intl.NumberFormat(loc, { maximumFractionDigits: 0, useGrouping: false });
  function unitText(unit, n) { // no grouping, as the report (Babel) and the CLI: 1080h
    return fill(cfg.durationUnits[unit], { 0: unitNumber.format(n) });
  }
  /** Whether this page's durations are in business hours: its `hours` parameter. */
  function businessHours() {
    return (filters.hours || new URLSearchParams(window.location.search).get('hours')) === 'business';
  }
  const DURATION_UNITS = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  /**
   * Two units at most, rounded half up at the smaller one with carry (67.52 s -> 1m 8s,
   * 3599.6 s -> 1h, not 59m 60s), as the report and the CLI (text.duration_parts). In
   * business hours (`business`, default the page's `hours`) never days: 43 business hours
   * are 43h, not 1d 19h (a business day is not 24 hours).
   */
  function duration(seconds, business) {
    if (missing(seconds)) return '–';
    const units = (business === undefined ? businessHours() : business) ? DURATION_UNITS.slice(1) : DURATION_UNITS;
    const s = Math.abs(Number(seconds));
    let i = units.findIndex(([, size]) => s >= size);
    if (i < 0) i = units.length - 1;
    let q;
    let small;
    for (;;) {
      small = i + 1 < units.length ? units[i + 1][1] : units[i][1];
      q = Math.floor(s / small + 0.5);
      if (i > 0 && q * small >= units[i - 1][1]) { i -= 1; continue; }
      break;
    }
    const ratio = units[i][1] / small;
    const a = Math.floor(q / ratio);
    const b = q - a * ratio;
    const sign = Number(seconds) < 0 && q ? '-' : '';
    return sign + unitText(units[i][0], a) + (b ? ' ' + unitText(units[i + 1][0], b) : '');
  }
  function value(v, unit, business) {
    if (missing(v)) return '–';
    if (unit === 'percent') return percent(v);
    if (unit === 'seconds') return duration(v, business);
    if (unit === 'count') return number(v, 0);
    return number(v, unit === 'currency' || Math.abs(Number(v)) < 10 ? 2 : 1);
  }
  /** Decimals a change is shown with, per unit (a change that shows as zero gets no colour). */
  const CHANGE_DIGITS = { percent: 1, score: 1, count: 0, currency: 2 };
  /**
   * A record's change as the API gives it (`change` = value - previous_value): points for
   * percentages, score points, else the unit's own amount with the relative change.
   * Returns {text, zero, rel}: `zero` when it shows as zero (±0), `rel` the relative change in %.
   */
  function changeText(rec, unit, business) {
    const c = rec ? rec.change : null;
    if (missing(c) || missing(rec.previous_value)) return { text: '–', zero: true, rel: null };
    const d = Number(c);
    let mag;
    if (unit === 'seconds') mag = duration(Math.abs(d), business);
    else if (unit === 'percent') mag = number(Math.abs(d), 1) + ' ' + (S['unit.pp'] || 'pp');
    else mag = number(Math.abs(d), CHANGE_DIGITS[unit] === undefined ? 2 : CHANGE_DIGITS[unit]);
    const zero = !/[1-9]/.test(mag);
    const sign = zero ? '±' : (d > 0 ? '+' : '−');
    let text = sign + mag;
    const prev = Number(rec.previous_value);
    let rel = null;
    if ((unit === 'count' || unit === 'seconds' || unit === 'currency') && prev !== 0 && !zero) {
      rel = d / Math.abs(prev) * 100;
      text += ' (' + (rel > 0 ? '+' : '−') + percent(Math.abs(rel)) + ')';
    }
    return { text, zero, rel };
  }
  /** The colour of a change: the API's verdict only (significant, not zero, not maturing, has a direction). */
  function verdictClass(rec) {
    if (rec && rec.verdict === 'better') return 'good';
    if (rec && rec.verdict === 'worse') return 'bad';
    return 'neutral';
  }
  function parseDay(iso) {
    return new Date(String(iso).slice(0, 10) + 'T00:00:00Z');
  }
  const dfCache = {};
  function df(opts) {
    const key = JSON.stringify(opts);
    if (!dfCache[key]) dfCache[key] = new Intl.DateTimeFormat(loc, Object.assign({ timeZone: 'UTC' }, opts));
    return dfCache[key];
  }
  function date(iso) {
    return iso ? df({ dateStyle: 'medium' }).format(parseDay(iso)) : '–';
  }
  function month(iso) {
    return iso ? df({ year: 'numeric', month: 'long' }).format(parseDay(iso)) : '–';
  }
  /** A range of local dates: "1 Dec 2025 – 31 Dec 2025", one date when they are the same. */
  function span(a, b) {
    if (!a && !b) return '–';
    if (!b || a === b) return date(a || b);
    return t('period.span', { from: date(a), to: date(b) });
  }
  function periodText(iso, grain) {
    if (!iso) return t('grain.total');
    const d = parseDay(iso);
    switch (grain) {
      case 'year': return df({ year: 'numeric' }).format(d);
      case 'quarter': return t('common.quarter', { q: Math.floor(d.getUTCMonth() / 3) + 1, year: d.getUTCFullYear() });
      case 'month': return df({ year: 'numeric', month: 'short' }).format(d);
      default: return df({ dateStyle: 'medium' }).format(d);
    }
  }
  function isoDay(d) {
    return d.toISOString().slice(0, 10);
  }
  function addMonths(iso, n) {
    const d = parseDay(iso);
    return isoDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
  }
  function monthEnd(iso) {
    const d = parseDay(iso);
    return isoDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
  }
  /** A cell of a rows table: timestamps shortened, booleans as ✓, numbers formatted. */
  function cellText(v) {
    if (missing(v)) return '';
    if (typeof v === 'boolean') return v ? '✓' : '✗';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : number(v, 2);
    const s = String(v);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) return s.slice(0, 16).replace('T', ' ');
    return s;
  }

  // -- DOM helpers (text only) ----------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function setStatus(node, text, isError) {
    if (!node) return;
    node.textContent = text || '';
    node.classList.toggle('error', !!isError);
  }

  // -- tokens and API -------------------------------------------------------------------
  function getToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  function setToken(v) {
    try {
      if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage disabled: the token lasts until reload */ }
  }
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail || ('HTTP ' + status));
      this.status = status;
      this.detail = detail;
    }
  }
  function toParams(params) {
    const out = new URLSearchParams();
    if (!params) return out;
    const entries = params instanceof URLSearchParams ? params.entries()
      : (Array.isArray(params) ? params : Object.entries(params));
    for (const [k, v] of entries) {
      if (v === null || v === undefined || v === '') continue;
      if (Array.isArray(v)) v.forEach((x) => out.append(k, x));
      else out.append(k, v);
    }
    return out;
  }
  function apiUrl(path, params) {
    const q = toParams(params).toString();
    return API + path + (q ? '?' + q : '');
  }
  function authHeaders(extra) {
    const h = Object.assign({ Accept: 'application/json' }, extra || {});
    const tok = getToken();
    if (tok) h.Authorization = 'Bearer ' + tok;
    return h;
  }
  async function errorDetail(resp) {
    try {
      const body = await resp.json();
      if (typeof body.detail === 'string') return body.detail;
      if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join('; ');
      return JSON.stringify(body);
    } catch (e) {
      return resp.status + ' ' + resp.statusText;
    }
  }
  // -- JSON twins: every API answer a page shows, listed under the page ----------------------
  const twins = [];
  /** Plumbing (liveness, filter options) is not part of what a page shows. */
  const NOT_TWINS = ['/health', '/dimensions/'];
  function addTwin(url) {
    const path = url.slice(API.length);
    if (NOT_TWINS.some((p) => path.startsWith(p)) || twins.includes(url)) return;
    twins.push(url);
    const box = document.getElementById('json-twins');
    const list = document.getElementById('json-twin-list');
    if (!box || !list) return;
    const a = el('a', { href: url, class: 'twin api-link', 'data-path': url.split('?')[0], text: decodeURIComponent(url) });
    list.append(el('li', null, a));
    box.hidden = false;
  }
  async function api(path, params, init) {
    const url = apiUrl(path, params);
    if (!init || !init.method || init.method === 'GET') addTwin(url);
    const resp = await fetch(url, Object.assign({ headers: authHeaders(), credentials: 'same-origin' }, init || {}));
    if (resp.status === 401) {
      showTokenPrompt(!!getToken());
      throw new ApiError(401, await errorDetail(resp));
    }
    if (!resp.ok) throw new ApiError(resp.status, await errorDetail(resp));
    return resp.json();
  }
  /** Download an API resource (with the token) as a file; returns the file name. */
  async function download(url, fallbackName) {
    const resp = await fetch(url, { headers: authHeaders({ Accept: '*/*' }), credentials: 'same-origin' });
    if (resp.status === 401) showTokenPrompt(!!getToken());
    if (!resp.ok) throw new ApiError(resp.status, await errorDetail(resp));
    const blob = await resp.blob();
    let name = fallbackName;
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    if (m) name = decodeURIComponent(m[1]);
    const href = URL.createObjectURL(blob);
    const a = el('a', { href, download: name, hidden: true });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(href); a.remove(); }, 1000);
    return name;
  }

  function showTokenPrompt(refused) {
    const box = document.getElementById('token-box');
    if (!box) return;
    box.hidden = false;
    document.getElementById('token-error').hidden = !refused;
  }
  function initToken() {
    const form = document.getElementById('token-form');
    const status = document.getElementById('token-status');
    if (getToken()) status.hidden = false;
    if (cfg.requireReadToken && !getToken()) showTokenPrompt(false);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = document.getElementById('token-input').value.trim();
      if (!v) return;
      setToken(v);
      window.location.reload();
    });
    document.getElementById('token-forget').addEventListener('click', () => {
      setToken('');
      window.location.reload();
    });
  }

  // -- filters --------------------------------------------------------------------------
  const filters = cfg.filters || {};
  const PERIOD_KEYS = ['period', 'month', 'week', 'from', 'to'];
  /** The filter bar's state as API parameters: the effective period's dates (from, to), the
   * zone (tz), where=DIM=VALUE. Pages call it after the period is resolved (see run). */
  function filterParams(opts) {
    const o = opts || {};
    const p = [];
    if (!o.noDates && effective) {
      if (effective.from) p.push(['from', effective.from]);
      if (effective.to) p.push(['to', effective.to]);
    }
    if (filters.tz) p.push(['tz', filters.tz]);
    for (const dim of cfg.filterDims) {
      if (filters[dim] && !(o.skip || []).includes(dim)) p.push(['where', dim + '=' + filters[dim]]);
    }
    if (businessHours()) p.push(['hours', 'business']); // durations as the page shows them
    return p;
  }
  function activeFilterDims() {
    return cfg.filterDims.filter((d) => filters[d]);
  }

  // -- the period: the query string's selection, resolved by the API --------------------
  /** The page's period selection as API parameters: the query string's, else the page's default. */
  function periodSelection() {
    const out = PERIOD_KEYS.filter((k) => filters[k]).map((k) => [k, filters[k]]);
    if (!filters.period && !filters.from && !filters.to) out.unshift(['period', cfg.defaultPeriod]);
    return out;
  }
  let effective = null;
  let periodPromise = null;
  /** The effective period (GET /period): dates, zone, compared span, where the data ends. */
  function resolvePeriod(selection) {
    const sel = selection || periodSelection();
    const p = [...sel];
    if (filters.tz) p.push(['tz', filters.tz]);
    return api('/period', p).then((b) => b.period);
  }
  function period() {
    if (!periodPromise) periodPromise = resolvePeriod().then((eff) => { effective = eff; return eff; });
    return periodPromise;
  }
  function periodName(eff) {
    if (eff.kind === 'month') return month(eff.from);
    if (eff.kind === 'week') return t('period.week_name', { week: eff.week });
    return t('period.kind.' + eff.kind);
  }
  /** How the overview names the comparison: previous month / week, or the N days before. */
  function previousName(eff) {
    if (eff.grain === 'month') return t('period.previous_month');
    if (eff.grain === 'week') return t('period.previous_week');
    return t('period.previous_days', { days: number(eff.days) });
  }
  /** The URL of this page with another period selection (the other filters kept). */
  function withPeriod(sel) {
    const q = new URLSearchParams(window.location.search);
    for (const k of PERIOD_KEYS) q.delete(k);
    for (const [k, v] of Object.entries(sel)) q.set(k, v);
    const text = q.toString();
    return window.location.pathname + (text ? '?' + text : '');
  }
  /** "Period: … · Time zone: …" under the page title; the overview adds what it compares with. */
  function statePeriod(eff, opts) {
    const o = opts || {};
    const node = document.getElementById('period-statement');
    if (!node) return;
    clear(node);
    node.classList.remove('error');
    node.dataset.kind = eff.kind;
    node.dataset.from = eff.from || '';
    node.dataset.to = eff.to || '';
    node.dataset.tz = eff.tz;
    const parts = [];
    if (o.timesOnly) {
      parts.push(el('span', { class: 'period-tz' }, t('period.times_in', { tz: eff.tz })));
    } else {
      const name = periodName(eff);
      const dates = eff.from ? span(eff.from, eff.to) : t('period.empty_store');
      parts.push(el('span', { class: 'period-name' }, el('strong', { text: t('period.label') + ': ' }),
        t('period.named_span', { name, span: dates })));
      if (o.compares && eff.previous_from) {
        parts.push(el('span', { class: 'period-previous' }, t('period.compared_with', { span: span(eff.previous_from, eff.previous_to) })));
      }
      parts.push(el('span', { class: 'period-tz' }, el('strong', { text: t('period.tz') + ': ' }), eff.tz));
      if (eff.data_from) parts.push(el('span', { class: 'period-data' }, t('period.data', { span: span(eff.data_from, eff.data_to) })));
    }
    parts.forEach((p, i) => { if (i) node.append(' · '); node.append(p); });
    if (!o.timesOnly && eff.from && !eff.in_data) {
      node.append(el('span', { class: 'period-note warn' }, ' ' + (eff.data_from
        ? t('period.outside', { span: span(eff.data_from, eff.data_to) }) : t('period.empty_store'))));
    } else if (!o.timesOnly && eff.partial) {
      node.append(el('span', { class: 'period-note' }, ' ' + t(o.compares ? 'period.partial_compared' : 'period.partial', {
        last: date(eff.covered_to), covered: span(eff.from, eff.covered_to), previous: span(eff.previous_from, eff.previous_to),
      })));
    }
    const steps = document.getElementById('period-steps');
    if (steps && !o.timesOnly) {
      clear(steps);
      const stepName = (sel) => (sel.period === 'month' ? month(sel.month + '-01') : t('period.week_name', { week: sel.week }));
      if (eff.previous_step) steps.append(el('a', { href: withPeriod(eff.previous_step), rel: 'prev', class: 'step-prev', text: '‹ ' + stepName(eff.previous_step) }));
      if (eff.next_step) steps.append(el('a', { href: withPeriod(eff.next_step), rel: 'next', class: 'step-next', text: stepName(eff.next_step) + ' ›' }));
      steps.hidden = !steps.firstChild;
    }
  }

  // -- the filter form: state in the query string, restored from it after Back ------------
  function showPeriodFields(form) {
    const sel = form.querySelector('select[name=period]');
    if (!sel) return;
    for (const f of form.querySelectorAll('[data-period-kinds]')) {
      f.hidden = !f.dataset.periodKinds.split(' ').includes(sel.value);
    }
  }
  /** Every control of the form from the URL (absent: its default), as the server rendered it:
   * a page restored by Back (or the back-forward cache) shows the state of its own URL, not
   * what was typed before leaving it. */
  function syncForm() {
    const form = document.getElementById('filters');
    if (!form) return;
    const q = new URLSearchParams(window.location.search);
    for (const c of Array.from(form.elements)) {
      if (!c.name || c.tagName === 'BUTTON' || c.tagName === 'FIELDSET') continue;
      c.disabled = false;
      let v = q.get(c.name);
      if (c.name === 'period' && !v) v = q.get('from') || q.get('to') ? 'custom' : null;
      if (v === null) v = c.dataset.default !== undefined ? c.dataset.default : '';
      v = v.trim();
      if (c.tagName === 'SELECT' && !Array.from(c.options).some((o) => o.value === v)) {
        if (!c.dataset.dim) continue; // an unknown page control value: the server's choice stands
        c.append(el('option', { value: v, text: dimValue(c.dataset.dim, v) }));
      }
      c.value = v;
    }
    showPeriodFields(form);
  }
  function initForm() {
    const form = document.getElementById('filters');
    if (!form) return;
    const sel = form.querySelector('select[name=period]');
    syncForm();
    if (sel) {
      sel.addEventListener('change', () => showPeriodFields(form));
      const pick = { month: 'month', week: 'week', from: 'custom', to: 'custom' };
      for (const [name, kind] of Object.entries(pick)) {
        const input = form.querySelector('input[name=' + name + ']');
        if (input) input.addEventListener('input', () => { sel.value = kind; showPeriodFields(form); });
      }
    }
    form.addEventListener('submit', () => {
      // only what the selection uses goes into the URL; empty fields stay out
      const kind = sel ? sel.value : null;
      for (const f of form.querySelectorAll('[data-period-kinds]')) {
        if (!f.dataset.periodKinds.split(' ').includes(kind)) f.querySelectorAll('input, select').forEach((c) => { c.disabled = true; });
      }
      for (const c of Array.from(form.elements)) {
        if (c.name && c.tagName !== 'BUTTON' && !String(c.value).trim()) c.disabled = true;
      }
      // the page's own default period, without a month or week, is the page's default: not written
      if (sel && sel.value === sel.dataset.default && !form.querySelector('[data-period-kinds] input:not(:disabled)')) sel.disabled = true;
    });
    window.addEventListener('pageshow', syncForm);
    window.addEventListener('popstate', syncForm);
  }
  /** Keep the filters when following a link built by a script. */
  function pageUrl(path, params) {
    const p = toParams(Object.assign({}, filters, params || {}));
    const q = p.toString();
    return path + (q ? '?' + q : '');
  }
  async function fillFilterOptions() {
    const selects = document.querySelectorAll('#filters select[data-dim]');
    await Promise.all(Array.from(selects).map(async (sel) => {
      const dim = sel.dataset.dim;
      let values;
      try {
        values = (await api('/dimensions/' + encodeURIComponent(dim) + '/values', { limit: 500 })).values || [];
      } catch (e) {
        return;
      }
      const current = filters[dim] || '';
      for (const opt of Array.from(sel.options)) if (opt.value !== '') opt.remove();
      const vals = values.map(String);
      if (current && !vals.includes(current)) vals.unshift(current);
      for (const v of vals) {
        const opt = el('option', { value: v, text: dimValue(dim, v) });
        if (v === current) opt.selected = true;
        sel.append(opt);
      }
    }));
  }

  // -- charts ---------------------------------------------------------------------------
  // single series in the accent colour; groups in d3's category10 (distinct hues)
  const PALETTE = ['#0a58ca', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
    '#bcbd22', '#17becf', '#1f77b4', '#393b79'];
  const THEME = {
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK JP", sans-serif',
    background: null,
    view: { stroke: null },
    range: { category: PALETTE },
    axis: { labelColor: '#3d4650', titleColor: '#3d4650', gridColor: '#e8ecf0', domainColor: '#8c959f', tickColor: '#8c959f', labelFontSize: 11, titleFontSize: 12 },
    legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', columns: 4, labelLimit: 160 },
    line: { strokeWidth: 2 },
    point: { size: 55, filled: true },
  };
  const FMT = {
    day: S['dashboard.fmt.day'] || '%-d %b',
    week: S['dashboard.fmt.day'] || '%-d %b',
    month: S['dashboard.fmt.month'] || '%b %Y',
    quarter: S['dashboard.fmt.quarter'] || 'Q%q %Y',
    year: '%Y',
  };
  function timeAxisFormat(grain) {
    return FMT[grain] || FMT.day;
  }
  /** Seconds shown on an axis in a readable unit: returns [divisor, unit key]; business hours never in days. */
  function durationScale(values, business) {
    const max = Math.max(0, ...values.filter((v) => !missing(v)).map(Number));
    if (max >= 2 * 86400 && !business) return [86400, 'day'];
    if (max >= 2 * 3600) return [3600, 'hour'];
    if (max >= 120) return [60, 'minute'];
    return [1, 'second'];
  }
  function axisUnitLabel(unit, values) {
    if (unit === 'seconds') {
      const business = businessHours();
      const [div, u] = durationScale(values, business);
      return { div, title: t('units.' + u + 's') + (business ? ' (' + t('units.business_hours') + ')' : '') };
    }
    if (unit === 'percent') return { div: 1, title: '%' };
    return { div: 1, title: '' };
  }

  /**
   * Render a Vega-Lite spec into `node`; clicking a mark whose datum has `_drill` (an index
   * into `drills`) opens the rows behind it.
   */
  async function chart(node, spec, drills, label) {
    clear(node);
    if (!window.vegaEmbed) {
      node.append(el('p', { class: 'error', text: t('common.error', { error: 'vega' }) }));
      return null;
    }
    // legend columns that fit the container (a phone gets one or two)
    const columns = Math.max(1, Math.min(4, Math.floor((node.clientWidth || 600) / 170)));
    const theme = Object.assign({}, THEME, { legend: Object.assign({}, THEME.legend, { columns }) });
    const full = Object.assign({
      width: 'container',
      autosize: { type: 'fit', contains: 'padding', resize: true },
      config: theme,
    }, spec);
    if (spec.config) full.config = Object.assign({}, theme, spec.config);
    const result = await window.vegaEmbed(node, full, {
      mode: 'vega-lite',
      actions: false,
      renderer: 'svg',
      ast: true, // vega's expression interpreter: no eval, so the CSP needs no 'unsafe-eval'
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
      formatLocale: cfg.d3.number,
      timeFormatLocale: cfg.d3.time,
    });
    const view = result.view;
    const svg = node.querySelector('svg');
    if (svg) {
      svg.setAttribute('role', 'img');
      if (label) svg.setAttribute('aria-label', label);
    }
    if (drills && drills.length) {
      node.classList.add('clickable');
      view.addEventListener('click', (event, item) => {
        if (!item || !item.datum || !item.mark) return;
        const mt = item.mark.marktype;
        if (mt !== 'symbol' && mt !== 'rect') return;
        const i = item.datum._drill;
        if (i === undefined || i === null || !drillable(drills[i])) return;
        openDrill(drills[i]);
      });
    }
    return view;
  }

  /** A line chart of metric records over time (one line per group), with interval band and comparison. */
  function trendSpec(records, opts) {
    const o = opts || {};
    const info = metricInfo(o.metric);
    const grain = o.grain || 'month';
    // one series per group: the breakdown dimension(s), e.g. [by] or [by, share_dim]
    const groupDims = (o.groupDims || (o.groupDim ? [o.groupDim] : [])).filter(Boolean);
    const groupDim = groupDims.length ? groupDims[0] : null;
    const groupOf = (r) => groupDims.map((g) => dimValue(g, r[g])).join(' · ');
    const groupTitle = groupDims.map(dimLabel).join(' · ');
    const ax = axisUnitLabel(info.unit, records.map((r) => r.value));
    const drills = [];
    const values = [];
    for (const r of records) {
      if (missing(r.value) && missing(r.previous_value)) continue;
      const group = groupDim ? groupOf(r) : null;
      const d = {
        metric: o.metric, grain, period_start: r.period_start,
        group: Object.fromEntries(groupDims.map((g) => [g, r[g]])),
        label: periodText(r.period_start, grain) + (group ? ' · ' + group : ''),
      };
      drills.push(d);
      values.push({
        period: r.period_start,
        y: missing(r.value) ? null : Number(r.value) / ax.div,
        lo: missing(r.ci_low) ? null : Number(r.ci_low) / ax.div,
        hi: missing(r.ci_high) ? null : Number(r.ci_high) / ax.div,
        prev: missing(r.previous_value) ? null : Number(r.previous_value) / ax.div,
        group: group || info.name,
        periodLabel: periodText(r.period_start, grain),
        valueLabel: value(r.value, info.unit),
        nLabel: missing(r.n) ? '–' : number(r.n, 0),
        ciLabel: missing(r.ci_low) ? '–' : value(r.ci_low, info.unit) + ' – ' + value(r.ci_high, info.unit),
        prevLabel: value(r.previous_value, info.unit),
        _drill: drills.length - 1,
      });
    }
    const x = {
      field: 'period', type: 'temporal', title: null,
      scale: { type: 'utc' },
      axis: { format: timeAxisFormat(grain), labelOverlap: true, labelAngle: 0 },
    };
    // quarters and years: one tick per period (automatic ticks would fall on months)
    const starts = Array.from(new Set(values.map((v) => v.period))).sort();
    if ((grain === 'quarter' || grain === 'year' || (grain === 'month' && starts.length <= 7)) && starts.length) {
      x.axis.values = starts.map((p) => parseDay(p).getTime());
    } else if (grain === 'month' && starts.length) {
      // ticks on month starts (automatic ones fall between months and repeat a month's label)
      x.axis.tickCount = { interval: 'month', step: Math.max(1, Math.ceil(starts.length / 12)) };
    }
    const y = { type: 'quantitative', title: ax.title || null, scale: { zero: info.unit === 'count' } };
    const tooltip = [
      { field: 'periodLabel', title: t('common.period') },
      { field: 'valueLabel', title: t('common.value') },
      { field: 'nLabel', title: t('common.n') },
    ];
    if (values.some((v) => v.lo !== null)) tooltip.push({ field: 'ciLabel', title: t('common.interval') });
    if (groupDim) tooltip.unshift({ field: 'group', title: groupTitle });
    if (values.some((v) => v.prev !== null)) tooltip.push({ field: 'prevLabel', title: t('common.previous_value') });
    // groups in their natural order (weekdays Monday first, hours 0-23, names A-Z)
    const cmp = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
    const sorted = records.slice().sort((a, b) => {
      for (const g of groupDims) { const c = cmp(a[g], b[g]); if (c) return c; }
      return 0;
    });
    const groupOrder = Array.from(new Set(sorted.map(groupOf)));
    const color = groupDim
      ? { field: 'group', type: 'nominal', title: groupTitle, sort: groupOrder, scale: { domain: groupOrder } }
      : { value: PALETTE[0] };
    const layers = [];
    if (!groupDim && !o.noBand && values.some((v) => v.lo !== null)) {
      layers.push({
        mark: { type: 'area', opacity: 0.18, color: PALETTE[0] },
        encoding: { x, y: Object.assign({}, y, { field: 'lo' }), y2: { field: 'hi' } },
      });
    }
    if (values.some((v) => v.prev !== null)) {
      layers.push({
        mark: { type: 'line', strokeDash: [4, 3], opacity: 0.7 },
        encoding: { x, y: Object.assign({}, y, { field: 'prev' }), color: groupDim ? color : { value: '#868e96' }, detail: { field: 'group' } },
      });
    }
    layers.push({
      mark: { type: 'line', point: false },
      encoding: { x, y: Object.assign({}, y, { field: 'y' }), color, detail: { field: 'group' } },
    });
    layers.push({
      mark: { type: 'point', filled: true, size: o.pointSize || 60, cursor: 'pointer' },
      encoding: { x, y: Object.assign({}, y, { field: 'y' }), color, tooltip },
    });
    const spec = { data: { values }, height: o.height || 260, layer: layers };
    if (o.sparkline) {
      spec.height = o.height || 48;
      spec.config = Object.assign({}, THEME, { axis: { disable: true }, view: { stroke: null } });
      spec.padding = 4;
      for (const l of layers) {
        l.encoding.x = Object.assign({}, x, { axis: null });
        l.encoding.y = Object.assign({}, l.encoding.y, { axis: null });
        delete l.encoding.color;
        if (l.mark.type === 'point') l.mark.size = 40;
      }
      layers[layers.length - 1].mark.color = PALETTE[0];
      layers[layers.length - 2].mark.color = PALETTE[0];
      spec.layer = layers.filter((l) => l.mark.type !== 'area');
    }
    spec.layer.push(...targetLayers(records, { groupOf: groupDim ? groupOf : null, color, y, div: ax.div, info, sparkline: o.sparkline }));
    return { spec, drills, values };
  }

  const TARGET_COLOR = '#2b8a3e';
  /**
   * The records' targets (the team's, from cxm.toml, or a published benchmark) as dashed
   * horizontal rules across the chart, one per group and target; a single series gets a label.
   */
  function targetLayers(records, o) {
    const seen = new Map();
    for (const r of records) {
      if (missing(r.target)) continue;
      const group = o.groupOf ? o.groupOf(r) : o.info.name;
      const key = group + '\u0000' + r.target;
      if (seen.has(key)) continue;
      const source = r.target_source === 'cxm.toml' ? t('common.target') : t('common.target') + ' (' + t('common.benchmark') + ')';
      seen.set(key, {
        target: Number(r.target) / o.div, group,
        targetLabel: value(r.target, o.info.unit) + (o.groupOf ? ' · ' + group : ''),
        sourceLabel: r.target_source === 'cxm.toml' ? 'cxm.toml' : String(r.target_source || ''),
        text: source + ' ' + value(r.target, o.info.unit),
      });
    }
    const rows = Array.from(seen.values());
    if (!rows.length) return [];
    const y = Object.assign({}, o.y, { field: 'target' });
    if (o.sparkline) y.axis = null;
    const rule = {
      name: 'target',
      data: { values: rows },
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: o.sparkline ? 1 : 1.5, color: TARGET_COLOR },
      encoding: {
        y,
        tooltip: [{ field: 'targetLabel', title: t('common.target') }, { field: 'sourceLabel', title: t('explain.source') }],
      },
    };
    if (o.groupOf && !o.sparkline) {
      rule.encoding.color = o.color;
      delete rule.mark.color;
    }
    const out = [rule];
    if (!o.sparkline && rows.length === 1) {
      out.push({
        data: { values: rows },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, color: TARGET_COLOR, fontSize: 11 },
        encoding: { y, x: { value: 'width' }, text: { field: 'text' } },
      });
    }
    return out;
  }

  // -- data tables (keyboard access to every chart value) ------------------------------
  /** Months as rows, one column per metric, every cell drilling to its rows (the keyboard
   * twin of the monthly trend charts). */
  function monthTable(node, recs, metrics) {
    const months = Array.from(new Set(recs.map((r) => r.period_start))).sort();
    const at = new Map(recs.map((r) => [r.metric + ':' + r.period_start, r]));
    const cols = [{ label: t('common.period'), text: (p) => periodText(p, 'month') }];
    for (const m of metrics) {
      const info = metricInfo(m);
      cols.push({
        label: metricName(m), num: true,
        text: (p) => { const r = at.get(m + ':' + p); return r ? value(r.value, info.unit) : '–'; },
        drill: (p) => (at.has(m + ':' + p) ? { metric: m, grain: 'month', period_start: p, group: {}, label: periodText(p, 'month') } : null),
      });
    }
    table(node, cols, months);
  }

  /**
   * columns: [{label, text(row), num, drill(row) -> drill descriptor | null}]
   */
  function table(node, columns, rows, caption) {
    clear(node);
    if (caption) node.append(el('caption', { text: caption }));
    const thead = el('thead');
    const tr = el('tr');
    for (const c of columns) tr.append(el('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label }));
    thead.append(tr);
    const tbody = el('tbody');
    for (const r of rows) {
      const row = el('tr');
      columns.forEach((c, i) => {
        const text = c.text(r);
        const cls = [c.num ? 'num' : '', /^\d{4}-\d{2}-\d{2}[ T]\d/.test(text) ? 'nowrap' : '', c.cls ? c.cls(r) : ''].join(' ').trim();
        const cell = el(i === 0 ? 'th' : 'td', { class: cls || null, scope: i === 0 ? 'row' : null });
        const d = c.drill ? drillable(c.drill(r)) : null;
        if (c.label) cell.dataset.label = c.label;
        if (d && text !== '–' && text !== '') {
          cell.append(el('button', {
            type: 'button', class: 'cell', text,
            'aria-label': text + ' — ' + t('common.show_rows') + ': ' + (d.label || ''),
            onclick: () => openDrill(d),
          }));
        } else if (c.action && c.action(r)) {
          cell.append(el('button', { type: 'button', class: 'cell', text, onclick: c.action(r) }));
        } else if (c.link && c.link(r)) {
          cell.append(el('a', { href: c.link(r), text }));
        } else {
          cell.textContent = text;
        }
        row.append(cell);
      });
      tbody.append(row);
    }
    node.append(thead, tbody);
  }

  // -- drill-down -----------------------------------------------------------------------
  const PAGE_SIZE = 50;
  let drillState = null;
  let drillOpener = null;
  function drillParams(d, page, format) {
    const p = [['metric', d.metric]];
    if (d.grain) p.push(['grain', d.grain]);
    if (d.period_start && d.grain !== 'total') p.push(['period_start', d.period_start]);
    for (const [dim, v] of Object.entries(d.group || {})) {
      p.push([dim, v === null || v === undefined || v === '(none)' ? '' : String(v)]);
    }
    const skip = Object.keys(d.group || {});
    for (const kv of filterParams({ skip, noDates: !!d.noDates })) p.push(kv);
    for (const kv of d.extra || []) p.push(kv);
    if (d.sort) { p.push(['sort', d.sort]); if (d.desc) p.push(['desc', 'true']); }
    if (d.q) p.push(['q', d.q]);
    if (d.counted_only) p.push(['counted_only', 'true']);
    if (format === 'csv') p.push(['format', 'csv']);
    else { p.push(['page', String(page)]); p.push(['page_size', String(PAGE_SIZE)]); }
    // empty group values must reach the API (a group of rows without a value)
    const q = new URLSearchParams();
    for (const [k, v] of p) q.append(k, v);
    return q;
  }
  /** A drill descriptor, or null when its metric has no rows to list (spend, CAC, ARPU). */
  function drillable(d) {
    return d && metricInfo(d.metric).rows !== false ? d : null;
  }
  /** Columns not shown in the panel: the period is its subtitle, scales go with the score. */
  const HIDDEN = new Set(['period_start', 'scale_min', 'scale_max']);
  const HUGE = 1000; // rates with more rows than this open on the counted rows only
  function colLabel(k) {
    const key = 'dashboard.col.' + k;
    return S[key] !== undefined ? S[key] : k;
  }
  /** A drill cell in words: durations formatted, enum values translated, the score on its scale. */
  function drillText(k, r, d) {
    const v = r[k];
    if (missing(v) || v === '') return '';
    const info = metricInfo(d.metric);
    if (k === 'value' && info.unit === 'seconds') return duration(v);
    if (/_s$/.test(k) && typeof v === 'number') return duration(v, false);
    if (k === 'raw_score' && !missing(r.scale_max)) return number(v, Number.isInteger(v) ? 0 : 1) + '/' + number(r.scale_max, 0);
    if (typeof v === 'string') {
      const key = 'value.' + k.replace(/_id$/, '') + '.' + v;
      if (S[key] !== undefined) return S[key];
    }
    return cellText(v);
  }
  function drillTable(node, rows, d) {
    clear(node);
    const keys = Object.keys(rows[0]).filter((k) => !HIDDEN.has(k));
    const thead = el('thead');
    const tr = el('tr');
    for (const k of keys) {
      const sorted = d.sort === k;
      const th = el('th', { scope: 'col', 'aria-sort': sorted ? (d.desc ? 'descending' : 'ascending') : null, 'data-col': k });
      th.append(el('button', {
        type: 'button', class: 'sort', title: t('drill.tools.sort_by', { column: colLabel(k) }),
        text: colLabel(k) + (sorted ? (d.desc ? ' ▼' : ' ▲') : ''),
        onclick: () => {
          if (d.sort === k) d.desc = !d.desc; else { d.sort = k; d.desc = false; }
          d.page = 1;
          loadDrill(true);
        },
      }));
      tr.append(th);
    }
    thead.append(tr);
    const tbody = el('tbody');
    for (const r of rows) {
      const row = el('tr');
      keys.forEach((k, i) => {
        const text = drillText(k, r, d);
        const cell = el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, 'data-label': colLabel(k),
          class: typeof r[k] === 'number' ? 'num' : null });
        if (k === 'ticket_id' && r[k]) cell.append(el('button', { type: 'button', class: 'cell', text, onclick: () => openTicket(r[k], true) }));
        else if (k === 'customer_id' && r[k]) cell.append(el('a', { href: pageUrl(cfg.pages.timeline, { customer: r[k] }), text }));
        else cell.textContent = text;
        row.append(cell);
      });
      tbody.append(row);
    }
    node.append(thead, tbody);
  }
  // -- the drill state in the URL (reopens after reload and Back) ---------------------------
  const STATE_KEYS = ['metric', 'grain', 'period_start', 'group', 'label', 'extra', 'noDates', 'page', 'sort', 'desc', 'q', 'counted_only'];
  let pushed = 0;
  let fromHistory = false;
  function writeUrl(push, ticket) {
    if (fromHistory) return;
    const u = new URL(window.location.href);
    if (drillState) {
      const st = {};
      for (const k of STATE_KEYS) if (drillState[k] !== undefined && drillState[k] !== null) st[k] = drillState[k];
      u.searchParams.set('drill', JSON.stringify(st));
    } else u.searchParams.delete('drill');
    if (ticket) u.searchParams.set('ticket', ticket); else u.searchParams.delete('ticket');
    if (u.href === window.location.href) return;
    if (push) { history.pushState({ cxm: true }, '', u.href); pushed += 1; } else history.replaceState(history.state, '', u.href);
  }
  function readUrl() {
    const q = new URLSearchParams(window.location.search);
    let d = null;
    try { d = q.get('drill') ? JSON.parse(q.get('drill')) : null; } catch (e) { d = null; }
    if (d && typeof d.metric !== 'string') d = null;
    return { drill: d, ticket: q.get('ticket') };
  }
  function restoreFromUrl() {
    const { drill, ticket } = readUrl();
    const dialog = document.getElementById('drill');
    fromHistory = true;
    try {
      if (drill) openDrill(drill);
      if (ticket) openTicket(ticket, !!drill);
      if (!drill && !ticket && dialog.open) { drillState = null; dialog.close(); }
    } finally { fromHistory = false; }
  }
  let filterTimer = null;
  async function loadDrill(replace) {
    const d = drillState;
    const status = document.getElementById('drill-status');
    const tableNode = document.getElementById('drill-table');
    const csv = document.getElementById('drill-csv');
    const counted = document.getElementById('drill-counted');
    const filter = document.getElementById('drill-filter');
    if (filter.value !== (d.q || '')) filter.value = d.q || '';
    if (replace) writeUrl(false, null);
    setStatus(status, t('common.loading'));
    delete status.dataset.total;
    clear(tableNode);
    delete tableNode.dataset.rows;
    csv.href = API + '/rows?' + drillParams(d, 1, 'csv').toString();
    csv.setAttribute('download', 'rows-' + d.metric.replace(/[^a-z0-9_]+/gi, '_') + (d.period_start ? '-' + d.period_start : '') + '.csv');
    let body;
    try {
      body = await api('/rows', drillParams(d, d.page));
    } catch (e) {
      setStatus(status, e.status === 400 || e.status === 404
        ? t('drill.unavailable') + ' (' + e.message + ')' : t('common.error', { error: e.message }), true);
      document.getElementById('drill-page').textContent = '';
      document.getElementById('drill-prev').disabled = true;
      document.getElementById('drill-next').disabled = true;
      return;
    }
    if (d !== drillState) return; // another drill opened meanwhile
    const hasCounted = !missing(body.counted);
    if (hasCounted && d.counted_only === undefined) {
      // a rate over a huge population opens on its numerator (840 churned, not 29,954 customers)
      d.counted_only = Number(body.population) > HUGE && Number(body.counted) < Number(body.population);
      if (d.counted_only) { writeUrl(false, null); loadDrill(); return; }
    }
    counted.parentElement.hidden = !hasCounted;
    counted.checked = !!d.counted_only;
    document.getElementById('drill-counted-text').textContent = hasCounted
      ? t('drill.tools.counted_of', { counted: number(body.counted), population: number(body.population) }) : '';
    const total = Number(body.total || 0);
    const pages = Math.max(1, Number(body.pages || Math.ceil(total / PAGE_SIZE) || 1));
    const rows = body.rows || [];
    const first = total ? (d.page - 1) * PAGE_SIZE + 1 : 0;
    const last = (d.page - 1) * PAGE_SIZE + rows.length;
    setStatus(status, total ? t('common.rows_range', { first: number(first), last: number(last), total: number(total) })
      : (d.q ? t('drill.tools.no_match') : t('drill.empty')));
    status.dataset.total = String(total);
    document.getElementById('drill-page').textContent = t('common.page_of', { page: number(d.page), pages: number(pages) });
    document.getElementById('drill-prev').disabled = d.page <= 1;
    document.getElementById('drill-next').disabled = d.page >= pages;
    if (!rows.length) return;
    drillTable(tableNode, rows, d);
    tableNode.dataset.rows = String(rows.length);
  }
  // -- one ticket (from a rows table or a timeline) --------------------------------------
  function showRows(on) {
    document.getElementById('drill-rows').hidden = !on;
    document.getElementById('ticket-view').hidden = on;
  }
  async function openTicket(id, fromRows) {
    const dialog = document.getElementById('drill');
    if (!dialog.open) {
      drillOpener = document.activeElement;
      document.getElementById('drill-title').textContent = t('ticket.title', { id });
      if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
    }
    showRows(false);
    writeUrl(true, id);
    const back = document.getElementById('ticket-back');
    back.hidden = !fromRows;
    document.getElementById('ticket-title').textContent = t('ticket.title', { id });
    const status = document.getElementById('ticket-status');
    const fields = clear(document.getElementById('ticket-fields'));
    const events = clear(document.getElementById('ticket-events'));
    (fromRows ? back : document.getElementById('drill-close')).focus();
    setStatus(status, t('common.loading'));
    let body;
    try {
      body = await api('/tickets/' + encodeURIComponent(id), filters.tz ? [['tz', filters.tz]] : []);
    } catch (e) {
      setStatus(status, t('common.error', { error: e.message }), true);
      return;
    }
    setStatus(status, '');
    const facts = body.facts || {};
    const shown = Object.assign({}, body.ticket || {});
    for (const [k, v] of Object.entries(facts)) {
      if (k.endsWith('_s') && !missing(v)) shown[k.slice(0, -2)] = duration(v, false); // facts are calendar time
    }
    for (const [k, v] of Object.entries(shown)) {
      if (missing(v) || v === '') continue;
      fields.append(el('div', null, el('dt', { text: k }), el('dd', { text: cellText(v) })));
    }
    conversation(clear(document.getElementById('ticket-conversation')), body);
    const rows = [];
    for (const c of body.status_changes || []) {
      rows.push({ time: c.changed_at, what: (c.from_status ? dimValue('status', c.from_status) + ' → ' : '') + dimValue('status', c.to_status || c.status || ''), who: c.changed_by || c.agent_id || '' });
    }
    for (const a of body.responses || []) {
      rows.push({ time: a.responded_at, what: dimValue('survey', a.survey) + ' ' + (missing(a.raw_score) ? '' : number(a.raw_score, 0) + (missing(a.scale_max) ? '' : '/' + number(a.scale_max, 0)))
        + (a.comment ? ' “' + a.comment + '”' : ''), who: t('ticket.conv.answers') });
    }
    rows.sort((a, b) => String(a.time).localeCompare(String(b.time)));
    table(events, [
      { label: t('ticket.time'), text: (r) => cellText(r.time) },
      { label: t('ticket.event'), text: (r) => cellText(r.what) },
      { label: t('ticket.by'), text: (r) => cellText(r.who) },
    ], rows);
  }
  /** The ticket's messages as a conversation: who wrote when, internal notes marked, and how
   * long each first agent reply came after the customer's message. */
  function conversation(list, body) {
    const msgs = body.messages || [];
    if (!msgs.length) { list.append(el('li', { class: 'muted', text: t('ticket.conv.no_messages') })); return; }
    let waiting = null;
    for (const m of msgs) {
      const who = dimValue('author_type', m.author_type) + (m.author_type === 'agent' && m.author_id ? ' ' + m.author_id : '');
      const li = el('li', { class: 'msg ' + (m.author_type || '') + (m.public === false ? ' internal' : '') });
      const head = el('p', { class: 'msg-head' }, el('strong', { text: who }), ' · ', el('span', { class: 'when', text: cellText(m.created_at) }));
      if (m.channel) head.append(' · ' + dimValue('channel', m.channel));
      if (m.public === false) head.append(' · ' + t('ticket.internal'));
      li.append(head);
      if (m.author_type === 'customer' && m.public !== false) { if (waiting === null) waiting = m.created_at; }
      else if (m.author_type === 'agent' && m.public !== false && waiting !== null) {
        const secs = (Date.parse(m.created_at) - Date.parse(waiting)) / 1000;
        if (isFinite(secs)) li.append(el('p', { class: 'muted', text: t('ticket.conv.waited', { wait: duration(secs, false) }) }));
        waiting = null;
      }
      if (m.body) li.append(el('p', { class: 'msg-body', text: String(m.body) }));
      list.append(li);
    }
  }

  /** Open the rows behind one value: {metric, grain, period_start, group: {dim: value}, label}. */
  function openDrill(d) {
    const dialog = document.getElementById('drill');
    showRows(true);
    drillOpener = document.activeElement;
    drillState = Object.assign({ page: 1 }, d);
    writeUrl(!dialog.open || !!readUrl().ticket || !readUrl().drill, null);
    document.getElementById('drill-title').textContent = t('drill.title', { metric: metricName(d.metric) });
    document.getElementById('drill-subtitle').textContent = d.label || '';
    if (!dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
    }
    document.getElementById('drill-close').focus();
    loadDrill();
  }
  function initDrill() {
    const dialog = document.getElementById('drill');
    document.getElementById('drill-close').addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      drillState = null;
      if (!fromHistory) {
        if (pushed > 0) { const n = pushed; pushed = 0; fromHistory = true; history.go(-n); setTimeout(() => { fromHistory = false; }, 0); }
        else writeUrl(false, null);
      }
      if (drillOpener && document.contains(drillOpener) && typeof drillOpener.focus === 'function') drillOpener.focus();
    });
    dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });
    document.getElementById('ticket-back').addEventListener('click', () => {
      showRows(true);
      writeUrl(true, null);
      const first = document.querySelector('#drill-table button.cell');
      (first || document.getElementById('drill-close')).focus();
    });
    document.getElementById('drill-prev').addEventListener('click', () => {
      if (drillState && drillState.page > 1) { drillState.page -= 1; loadDrill(true); }
    });
    document.getElementById('drill-next').addEventListener('click', () => {
      if (drillState) { drillState.page += 1; loadDrill(true); }
    });
    document.getElementById('drill-filter').addEventListener('input', (ev) => {
      clearTimeout(filterTimer);
      const v = ev.target.value.trim();
      filterTimer = setTimeout(() => {
        if (!drillState || (drillState.q || '') === v) return;
        drillState.q = v || undefined;
        drillState.page = 1;
        loadDrill(true);
      }, 300);
    });
    document.getElementById('drill-counted').addEventListener('change', (ev) => {
      if (!drillState) return;
      drillState.counted_only = ev.target.checked;
      drillState.page = 1;
      loadDrill(true);
    });
    window.addEventListener('popstate', () => {
      if (pushed > 0) pushed -= 1;
      restoreFromUrl();
    });
    if (window.location.search.includes('drill=') || window.location.search.includes('ticket=')) restoreFromUrl();
    document.getElementById('drill-csv').addEventListener('click', (ev) => {
      if (!getToken()) return; // an open server: the plain link works
      ev.preventDefault();
      const a = ev.currentTarget;
      download(a.href, a.getAttribute('download')).catch((e) => setStatus(document.getElementById('drill-status'), t('common.error', { error: e.message }), true));
    });
  }

  // -- each number explains itself (from GET /catalog) ---------------------------------
  let cataloguePromise = null;
  /** The catalogue in the page's language, with this server's settings; fetched once. */
  function catalogue() {
    if (!cataloguePromise) {
      cataloguePromise = api('/catalog', [['lang', cfg.lang]]).then((body) => {
        const entries = {};
        for (const e of body.catalog || []) entries[e.id] = e;
        return { entries, texts: body.texts || {}, context: body.context || {}, settings: body.settings || {} };
      });
      cataloguePromise.catch(() => { cataloguePromise = null; });
    }
    return cataloguePromise;
  }
  let currencyPromise = null;
  function currencies() {
    if (!currencyPromise) {
      currencyPromise = api('/dimensions/currency/values', { limit: 20 }).then((b) => b.values || [], () => []);
    }
    return currencyPromise;
  }
  /** A weekly schedule as text: "Mon–Fri 09:00–17:00", days with the same window grouped. */
  function scheduleText(week) {
    const keys = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const runs = [];
    keys.forEach((k, i) => {
      const w = week[k] || null;
      const last = runs[runs.length - 1];
      if (last && last.w === w && last.end === i - 1) last.end = i;
      else runs.push({ w, start: i, end: i });
    });
    const open = runs.filter((r) => r.w);
    if (!open.length) return t('explain.closed');
    return open.map((r) => (r.start === r.end ? cfg.weekdays[r.start] : cfg.weekdays[r.start] + '–' + cfg.weekdays[r.end])
      + ' ' + r.w.replace('-', '–')).join(', ');
  }
  /** A setting's value: a number of days, a rating scale, else in the metric's unit (seconds: calendar). */
  function thresholdValue(v, unit) {
    if (missing(v)) return '–';
    if (unit === 'days') return t('explain.days', { n: number(v) });
    if (unit === 'scale') return number(v[0], 0) + '–' + number(v[1], 0);
    return value(v, unit, false);
  }
  function byText(x, unit) {
    const parts = [];
    if (!missing(x.value)) parts.push(thresholdValue(x.value, unit) + (x.by ? ' (' + t('explain.otherwise') + ')' : ''));
    for (const [k, v] of Object.entries(x.by || {})) parts.push(dimValue(x.by_dimension, k) + ' ' + thresholdValue(v, unit));
    return parts.join(', ') || t('explain.none_set');
  }
  /**
   * The explanation of one number: a disclosure whose list is filled from the catalogue the
   * first time it opens. `rec`: the record shown (n, interval, target, comparison);
   * `o.stat`, `o.business`: how the page asked for it; `o.periodText`: the period it covers.
   */
  function explain(metric, rec, opts) {
    const o = opts || {};
    const box = el('details', { class: 'explain', 'data-metric': metric });
    box.append(el('summary', { text: t('explain.summary') }, el('span', { class: 'visually-hidden', text: ' — ' + metricName(metric) })));
    const dl = el('dl', { class: 'explain-list' });
    box.append(dl);
    let filled = false;
    box.addEventListener('toggle', () => {
      if (!box.open || filled) return;
      filled = true;
      dl.append(el('div', null, el('dd', { text: t('common.loading') })));
      fillExplanation(dl, metric, rec, o).then(() => { box.dataset.ready = 'true'; }, (e) => {
        clear(dl).append(el('div', null, el('dd', { class: 'error', text: t('common.error', { error: e.message }) })));
        filled = false;
      });
    });
    return box;
  }
  async function fillExplanation(dl, metric, rec, o) {
    const cat = await catalogue();
    const entry = cat.entries[metric] || {};
    const text = cat.texts[metric] || {};
    const ctx = cat.context[metric] || {};
    const settings = cat.settings || {};
    const info = metricInfo(metric);
    const rows = [];
    const row = (key, value) => { if (value) rows.push([key, value]); };
    row('definition', text.description || entry.description);
    row('formula', text.formula || entry.formula);
    // the statistic: durations say which one the value is; other kinds what they are
    if (ctx.statistics) {
      row('statistic', t('explain.stat_duration', { stat: t('stat.' + (o.stat || 'median')) }));
    } else if (entry.kind) {
      row('statistic', t('explain.kind.' + entry.kind));
    }
    if (ctx.hours) {
      const bh = settings.business_hours || {};
      const business = o.business === undefined ? businessHours() : o.business;
      row('hours', business
        ? t('explain.hours_business', { schedule: scheduleText(bh.week || {}), tz: bh.timezone || '' })
          + (bh.country ? ' ' + t('explain.holidays', { country: bh.country }) : '')
        : t('explain.hours_calendar'));
      // per team or brand: each [[schedules]] entry with the tickets it applies to
      for (const sc of business ? (settings.schedules || []) : []) {
        const who = Object.entries(sc.where || {}).map(([d, vs]) => dimLabel(d) + ' = ' + vs.join(', ')).join('; ');
        rows.push(['schedule', t('explain.schedule_for', { name: sc.name, where: who || '–' }) + ' '
          + t('explain.hours_business', { schedule: scheduleText(sc.week || {}), tz: sc.timezone || '' })
          + (sc.country ? ' ' + t('explain.holidays', { country: sc.country }) : '')
          + (sc.holidays && sc.holidays.length ? ' ' + t('explain.closed_dates', { dates: sc.holidays.join(', ') }) : '')]);
      }
    }
    if (info.unit === 'currency') {
      const cur = await currencies();
      row('currency', cur.length ? t('explain.currency_text', { currency: cur.join(', ') }) : t('explain.currency_unknown'));
    }
    for (const th of ctx.thresholds || []) {
      rows.push([th.sla_metric ? 'setting.sla_policy_' + th.sla_metric : 'setting.' + th.setting.replace(/\./g, '_'),
        byText(th, th.unit)]);
    }
    if (rec && !missing(rec.target)) {
      row('target', t('explain.target_value', {
        target: value(rec.target, info.unit, o.business),
        source: rec.target_source === 'cxm.toml' ? t('explain.target_own') : rec.target_source,
      }));
    } else if (ctx.target) {
      row('target', byText(ctx.target, info.unit) + ' · '
        + (ctx.target.source === 'cxm.toml' ? t('explain.target_own') : ctx.target.source));
    }
    if (rec) {
      if (!missing(rec.denominator) && (entry.kind === 'rate' || entry.kind === 'share' || entry.kind === 'ratio')) {
        row('n', t('explain.n_rate', { numerator: number(rec.numerator), denominator: number(rec.denominator) }));
      } else if (!missing(rec.n)) {
        row('n', t('explain.n_text', { n: number(rec.n) }));
      }
      if (!missing(rec.skipped) && Number(rec.skipped) > 0) row('skipped', t('explain.skipped_text', { n: number(rec.skipped) }));
      if (rec.low_sample) row('sample', t('explain.low_sample', { n: number(settings.low_sample) }));
      if (!missing(rec.ci_low)) {
        row('interval', value(rec.ci_low, info.unit, o.business) + ' – ' + value(rec.ci_high, info.unit, o.business));
      }
    }
    if (o.periodText) row('period', o.periodText);
    if (rec && rec.previous_from) {
      let cmp = t('explain.compared', { span: span(rec.previous_from, rec.previous_to), value: value(rec.previous_value, info.unit, o.business) });
      if (rec.partial) cmp += ' ' + t('explain.partial');
      if (!missing(rec.p_value)) {
        const pv = Number(rec.p_value);
        cmp += ' ' + t(rec.significant ? 'explain.p_significant' : 'explain.p_not_significant', {
          p: pv < 0.001 ? '< ' + number(0.001, 3) : '= ' + number(pv, 3),
          confidence: new Intl.NumberFormat(loc, { style: 'percent' }).format(Number(settings.confidence || 0.95)),
        });
      }
      row('comparison', cmp);
    }
    if (entry.matures_days) {
      row('maturing', t('explain.maturing_text', { days: number(entry.matures_days) })
        + (rec && rec.maturing ? ' ' + t('explain.maturing_now') : ''));
    }
    row('zone', t('explain.zone_text', { tz: (effective && effective.tz) || settings.timezone || '' }));
    clear(dl);
    for (const [key, v] of rows) {
      dl.append(el('div', { 'data-key': key }, el('dt', { text: t('explain.' + key) }), el('dd', { text: v })));
    }
  }

  // -- shared bits of pages -------------------------------------------------------------
  let healthPromise = null;
  function health() {
    if (!healthPromise) healthPromise = api('/health').catch(() => ({}));
    return healthPromise;
  }
  /** Whether the store has rows in `table` (unknown counts: assume yes). */
  async function hasRows(tableName) {
    const h = await health();
    if (!h.tables) return true;
    return Number(h.tables[tableName] || 0) > 0;
  }
  /** Unsupported filter: a one-line explanation instead of a chart. */
  function unsupportedText() {
    return t('filters.unsupported', { dims: activeFilterDims().map(dimLabel).join(', ') });
  }

  /** On a phone, the filter bar starts folded unless a filter is set. */
  function initFilterBox() {
    const box = document.getElementById('filter-box');
    if (!box) return;
    const n = Object.keys(filters).length;
    const count = document.getElementById('filter-count');
    if (count) count.textContent = n ? ' (' + t('filters.count', { count: n }) + ')' : '';
    if (!n && window.matchMedia && window.matchMedia('(max-width: 640px)').matches) box.open = false;
  }

  /**
   * Run a page's main function once its period is resolved and stated (``opts.compares``: the
   * page compares with the previous period; ``opts.timesOnly``: a page without a period says
   * the zone its times are in); a failure shows as a message instead of an unhandled error.
   */
  function run(main, statusId, opts) {
    const o = opts || {};
    const fail = (e) => {
      const node = document.getElementById(statusId);
      if (node) setStatus(node, t('common.error', { error: e && e.message ? e.message : String(e) }), true);
      if (window.console) console.warn(e);
    };
    const ready = new Promise((resolve) => {
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', resolve);
      else resolve();
    });
    ready.then(period).then((eff) => {
      statePeriod(eff, { compares: o.compares || cfg.page === 'overview', timesOnly: o.timesOnly || !cfg.filtered || !cfg.dated });
      return main(eff);
    }, (e) => {
      setStatus(document.getElementById('period-statement'), t('period.failed', { error: e && e.message ? e.message : String(e) }), true);
      throw e;
    }).catch(fail);
  }

  /** Links to API answers (the JSON twins): with a token they are fetched with it and saved. */
  function initApiLinks() {
    document.addEventListener('click', (ev) => {
      const a = ev.target instanceof Element ? ev.target.closest('a.api-link') : null;
      if (!a || !getToken()) return;
      ev.preventDefault();
      download(a.href, 'cxm-' + a.pathname.split('/').filter(Boolean).pop() + '.json').catch(() => {});
    });
  }

  function init() {
    initFilterBox();
    initApiLinks();
    initForm();
    initToken();
    initDrill();
    fillFilterOptions();
  }

  window.CXM = {
    cfg, t, metricName, metricInfo, dimLabel, dimValue, number, percent, duration, value, changeText,
    verdictClass, businessHours, date, month, span, period: periodText, parseDay, isoDay, addMonths, monthEnd, cellText,
    el, clear, setStatus, api, apiUrl, download, getToken, ApiError, filters, filterParams, activeFilterDims, pageUrl,
    chart, trendSpec, table, monthTable, openDrill, openTicket, health, hasRows, unsupportedText, missing,
    PALETTE, THEME, timeAxisFormat, run, effectivePeriod: () => effective, resolvePeriod, periodName, previousName,
    statePeriod, explain, catalogue,
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
