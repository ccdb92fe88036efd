// berth demo dashboard: polls /api/pools once a second, charts every pool with uPlot, drives the load and
// starvation buttons and lists the transfer events from /api/events. Plain browser JavaScript, no build step.
// window.berthDashboard exposes what the page shows, for DashboardBrowserTest and for the curious.
(function () {
  'use strict';

  const POLL_MS = 1000;
  const WINDOW_S = 120;            // the charts keep the last two minutes
  const POLL_TIMEOUT_MS = 5000;
  const STARVE_TIMEOUT_MS = 30000;
  const MAX_EVENTS = 12;
  const CHART_HEIGHT = 170;
  const SERIES = [
    {key: 'leased', label: 'leased', stroke: '#1d4ed8', fill: 'rgba(29, 78, 216, 0.10)'},
    {key: 'idle', label: 'idle', stroke: '#15803d'},
    {key: 'waiting', label: 'waiting', stroke: '#b91c1c', dash: [6, 3]},
  ];
  const KINDS = {postgresql: 'PostgreSQL', redis: 'Redis'};

  const views = new Map();         // pool name -> {card, chart, data, latest, max, observer}
  const state = {polls: 0, failures: 0, load: null, loadPending: false, events: 0, scriptErrors: []};
  let nextId = 0;

  window.addEventListener('error', (e) => state.scriptErrors.push(String(e.message)));
  window.addEventListener('unhandledrejection', (e) => state.scriptErrors.push(String(e.reason)));

  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function num(value) {
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  }

  function fmtMs(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    if (value >= 10000) return (value / 1000).toFixed(1) + ' s';
    if (value >= 1000) return (value / 1000).toFixed(2) + ' s';
    if (value >= 100) return value.toFixed(0) + ' ms';
    if (value >= 10) return value.toFixed(1) + ' ms';
    if (value >= 1 || value === 0) return value.toFixed(value === 0 ? 0 : 2) + ' ms';
    return value.toFixed(3) + ' ms';
  }

  function fmtTime(epochMillis) {
    const date = typeof epochMillis === 'number' ? new Date(epochMillis) : new Date();
    return date.toLocaleTimeString([], {hour12: false});
  }

  function fmtCount(value) {
    return num(value).toLocaleString('en-US');
  }

  // ---- pool cards ----------------------------------------------------------------------------------------

  function latencyRow(label, prefix) {
    return el('tr', {},
      el('th', {scope: 'row', text: label}),
      ...['p50', 'p99', 'p999', 'max'].map((q) => el('td', {class: 'num', 'data-field': prefix + '.' + q, text: '–'})));
  }

  function counter(label, field) {
    return el('div', {class: 'counter'}, el('dt', {text: label}), el('dd', {'data-field': field, text: '0'}));
  }

  function createView(pool) {
    const name = String(pool.name);
    const id = 'pool-' + (nextId++);
    const chartBox = el('div', {class: 'chart', 'data-chart': name, role: 'img',
      'aria-label': 'Leased, idle and waiting ' + name + ' resources over the last two minutes'});
    const card = el('article', {class: 'pool', 'data-pool': name, 'data-kind': String(pool.kind || ''),
        'aria-labelledby': id + '-title'},
      el('header', {class: 'pool-head'},
        el('h3', {id: id + '-title', text: name}),
        el('span', {class: 'kind', text: KINDS[pool.kind] || String(pool.kind || 'pool')}),
        el('p', {class: 'sizes'},
          el('span', {'data-field': 'leased', class: 'leased', text: '0'}), ' leased · ',
          el('span', {'data-field': 'idle', text: '0'}), ' idle · ',
          el('span', {'data-field': 'waiting', class: 'waiting', text: '0'}), ' waiting · ',
          el('span', {'data-field': 'total', text: '0'}), ' of ',
          el('span', {'data-field': 'max', text: '0'}), ' open',
          el('span', {'data-field': 'overloaded', class: 'overloaded', hidden: '', text: 'overloaded: shedding what it cannot serve in time'}))),
      chartBox,
      el('table', {class: 'latency'},
        el('caption', {text: 'Acquire wait and hold time, since start'}),
        el('thead', {}, el('tr', {}, el('td', {}),
          ...['p50', 'p99', 'p99.9', 'max'].map((q) => el('th', {scope: 'col', class: 'num', text: q})))),
        el('tbody', {}, latencyRow('acquire wait', 'wait'), latencyRow('hold', 'hold'))),
      el('dl', {class: 'counters'},
        counter('timeouts', 'timeouts'), counter('shed at once', 'shed'), counter('leaks', 'leaks'),
        counter('created', 'created'), counter('destroyed', 'destroyed')),
      el('h4', {class: 'holders-title', id: id + '-holders', text: 'Longest holders right now'}),
      el('ol', {class: 'holders', 'data-holders': name, 'aria-labelledby': id + '-holders'}));

    const view = {name, card, chartBox, chart: null, observer: null, latest: null, max: num(pool.max),
      data: [[], ...SERIES.map(() => [])]};
    $('pools').append(card);
    createChart(view);
    return view;
  }

  function createChart(view) {
    if (typeof window.uPlot !== 'function') {
      view.chartBox.textContent = 'Charts are unavailable: uPlot did not load from /webjars/uplot/1.6.30/.';
      view.chartBox.classList.add('chart-missing');
      return;
    }
    const width = Math.max(view.chartBox.clientWidth, 200);
    view.chart = new window.uPlot({
      width, height: CHART_HEIGHT,
      legend: {live: false},
      cursor: {drag: {x: false, y: false}},
      scales: {
        x: {time: true, range: timeRange},
        y: {range: (u, min, max) => [0, Math.max(max, view.max, 1)]},
      },
      axes: [
        {stroke: '#3d4450', grid: {stroke: '#e3e6ea'}, ticks: {stroke: '#c9ced6'}, space: 70,
          values: (u, splits) => splits.map((s) => fmtTime(s * 1000))},
        {stroke: '#3d4450', grid: {stroke: '#e3e6ea'}, ticks: {stroke: '#c9ced6'}, size: 40,
          incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000]},
      ],
      series: [{}, ...SERIES.map((s) => ({label: s.label, stroke: s.stroke, width: 2, fill: s.fill, dash: s.dash,
        points: {show: false}}))],
    }, view.data, view.chartBox);
    if (typeof ResizeObserver === 'function') {
      view.observer = new ResizeObserver(() => {
        const w = Math.max(view.chartBox.clientWidth, 200);
        if (view.chart && Math.abs(view.chart.width - w) > 1) view.chart.setSize({width: w, height: CHART_HEIGHT});
      });
      view.observer.observe(view.chartBox);
    }
  }

  // the last two minutes once there are; until then the chart grows from the first poll (at least 10 s wide)
  function timeRange(u, min, max) {
    if (typeof max !== 'number') return [min, max];
    return [Math.min(Math.max(min, max - WINDOW_S), max - 10), max];
  }

  function removeView(view) {
    if (view.observer) view.observer.disconnect();
    if (view.chart) view.chart.destroy();
    view.card.remove();
    views.delete(view.name);
  }

  function setField(card, field, text, flag) {
    const node = card.querySelector('[data-field="' + field + '"]');
    if (!node) return;
    node.textContent = text;
    if (flag !== undefined) node.classList.toggle('alert', Boolean(flag));
  }

  function updateView(view, pool, seconds) {
    view.latest = pool;
    view.max = num(pool.max);
    const card = view.card;
    const time = view.data[0];
    if (time.length && seconds < time[time.length - 1]) view.data.forEach((column) => column.length = 0);
    time.push(seconds);
    SERIES.forEach((s, i) => view.data[i + 1].push(num(pool[s.key])));
    while (time.length && time[0] < seconds - WINDOW_S) view.data.forEach((column) => column.shift());
    if (view.chart) view.chart.setData(view.data);

    setField(card, 'leased', fmtCount(pool.leased));
    setField(card, 'idle', fmtCount(pool.idle));
    setField(card, 'waiting', fmtCount(pool.waiting), num(pool.waiting) > 0);
    setField(card, 'total', fmtCount(pool.total));
    setField(card, 'max', fmtCount(pool.max));
    for (const kind of ['wait', 'hold']) {
      for (const q of ['p50', 'p99', 'p999', 'max']) setField(card, kind + '.' + q, fmtMs((pool[kind] || {})[q]));
    }
    setField(card, 'timeouts', fmtCount(pool.timeouts), num(pool.timeouts) > 0);
    setField(card, 'shed', fmtCount(pool.shed), num(pool.shed) > 0);
    card.querySelector('[data-field="overloaded"]').hidden = pool.overloaded !== true;
    setField(card, 'leaks', fmtCount(pool.leaks), num(pool.leaks) > 0);
    setField(card, 'created', fmtCount(pool.created));
    setField(card, 'destroyed', fmtCount(pool.destroyed));

    const holders = (Array.isArray(pool.holders) ? pool.holders : []).map((h) => el('li', {'data-holder': ''},
      el('span', {class: 'holder-line'},
        el('span', {'data-field': 'thread', class: 'thread', text: String(h.thread ?? '?')}),
        ' held ',
        el('span', {'data-field': 'heldMs', class: 'held' + (num(h.heldMs) >= 1000 ? ' alert' : ''), text: fmtMs(h.heldMs)}),
        h.state ? el('span', {'data-field': 'state', class: 'state', text: String(h.state)}) : ''),
      el('code', {'data-field': 'site', class: 'site', text: h.site ? String(h.site) : 'call site unknown'})));
    if (!holders.length) holders.push(el('li', {class: 'empty'}, 'Nothing is leased.'));
    card.querySelector('[data-holders]').replaceChildren(...holders);
  }

  // ---- the whole response --------------------------------------------------------------------------------

  function render(body) {
    if (!body || !Array.isArray(body.pools)) throw new Error('/api/pools answered without a "pools" array');
    const seconds = (typeof body.time === 'number' ? body.time : Date.now()) / 1000;
    const seen = new Set();
    const container = $('pools');
    body.pools.forEach((pool, index) => {
      const name = String(pool.name);
      seen.add(name);
      const view = views.get(name) || createView(pool);
      views.set(name, view);
      if (container.children[index] !== view.card) container.insertBefore(view.card, container.children[index] || null);
      updateView(view, pool, seconds);
    });
    for (const view of [...views.values()]) if (!seen.has(view.name)) removeView(view);
    $('pools-empty').hidden = body.pools.length > 0;
    renderSlow(Array.isArray(body.slowRequests) ? body.slowRequests : []);
    renderLoad(body.load || null);
    $('updated').textContent = fmtTime(body.time);
  }

  function renderSlow(requests) {
    const rows = requests.map((r) => el('tr', {},
      el('td', {text: fmtTime(r.time)}),
      el('td', {}, el('code', {text: String(r.method ?? '') + ' ' + String(r.path ?? '')})),
      el('td', {class: 'num' + (num(r.status) >= 500 ? ' alert' : ''), text: String(r.status ?? '–')}),
      el('td', {class: 'num', text: fmtMs(r.totalMs)}),
      el('td', {class: 'num', text: fmtMs(r.waitMs)}),
      el('td', {class: 'num', text: fmtMs(r.holdMs)})));
    if (!rows.length) rows.push(el('tr', {class: 'empty-row'}, el('td', {colspan: '6', text: 'None yet.'})));
    $('slow-requests').replaceChildren(...rows);
  }

  function renderLoad(load) {
    state.load = load;
    const running = Boolean(load && load.running);
    const status = $('load-status');
    const progress = $('load-progress');
    if (load && num(load.total) > 0) {
      progress.max = num(load.total);
      progress.value = Math.min(num(load.sent), num(load.total));
      const figures = fmtCount(load.sent) + ' of ' + fmtCount(load.total) + ' requests sent, '
        + fmtCount(load.errors) + (num(load.errors) === 1 ? ' error' : ' errors')
        + (num(load.errors) > 0 ? ' (answered in ' + fmtMs(load.errorMsMean) + ' on average, at most ' + fmtMs(load.errorMsMax) + ')' : '')
        + ', ' + fmtCount(load.okPerSecond) + ' served a second';
      status.textContent = (running ? 'Running: ' : 'Done: ') + figures + '.';
    }
    status.dataset.running = String(running);
    status.classList.toggle('alert', Boolean(load && num(load.errors) > 0));
    $('start-load').disabled = running || state.loadPending;
  }

  // ---- polling -------------------------------------------------------------------------------------------

  async function readJson(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (e) {
      if (response.ok) throw new Error(response.url + ' did not answer JSON: ' + text.slice(0, 120));
      return null;
    }
  }

  function failure(response, body) {
    const message = body && body.message ? body.message : response.statusText;
    return new Error('HTTP ' + response.status + (message ? ': ' + message : ''));
  }

  async function request(method, path, timeoutMs) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await fetch(path, {method, cache: 'no-store', signal: abort.signal,
        headers: {Accept: 'application/json'}});
      const body = await readJson(response);
      return {response, body};
    } catch (e) {
      if (e.name === 'AbortError') throw new Error(method + ' ' + path + ' took longer than ' + timeoutMs / 1000 + ' s');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  // a missed poll leaves a gap in every chart instead of a line drawn across it
  function markGap() {
    for (const view of views.values()) {
      const time = view.data[0];
      if (!time.length || view.data[1][time.length - 1] === null) continue;
      time.push(time[time.length - 1] + 0.001);
      SERIES.forEach((s, i) => view.data[i + 1].push(null));
      if (view.chart) view.chart.setData(view.data);
    }
  }

  function showStatus(kind, text) {
    const status = $('status');
    status.dataset.state = kind;
    status.textContent = text;
  }

  async function poll() {
    try {
      const {response, body} = await request('GET', '/api/pools', POLL_TIMEOUT_MS);
      if (!response.ok) throw failure(response, body);
      render(body);
      state.polls++;
      $('samples').textContent = fmtCount(state.polls);
      showStatus('ok', 'Live' + (state.failures ? ' (' + fmtCount(state.failures) + ' failed polls so far)' : ''));
    } catch (e) {
      state.failures++;
      markGap();
      showStatus('error', 'Poll failed at ' + fmtTime() + ': ' + (e && e.message ? e.message : e)
        + '. Retrying every second; the figures below are from the last good poll.');
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // ---- buttons -------------------------------------------------------------------------------------------

  async function startLoad() {
    const button = $('start-load');
    const status = $('load-status');
    state.loadPending = true;
    button.disabled = true;
    status.classList.remove('alert');
    status.textContent = 'Starting…';
    try {
      const {response, body} = await request('POST', '/api/load', POLL_TIMEOUT_MS);
      if (response.status === 409) {
        status.textContent = (body && body.message) || 'A load is already running.';
      } else if (!response.ok) {
        throw failure(response, body);
      } else {
        status.textContent = 'Started: ' + fmtCount(body && body.total) + ' requests.';
      }
    } catch (e) {
      status.textContent = 'Could not start the load: ' + (e && e.message ? e.message : e);
      status.classList.add('alert');
    } finally {
      state.loadPending = false;
      button.disabled = Boolean(state.load && state.load.running);
    }
  }

  async function provokeStarvation() {
    const button = $('starve');
    const report = $('starve-report');
    button.disabled = true;
    report.dataset.state = 'pending';
    report.textContent = 'Holding every primary connection for about 2 s and waiting for one more acquire to time out…';
    try {
      const {response, body} = await request('POST', '/api/starve', STARVE_TIMEOUT_MS);
      if (!response.ok) throw failure(response, body);
      if (!body || typeof body.report !== 'string') throw new Error('/api/starve answered without a "report"');
      report.textContent = body.report;
      report.dataset.state = 'done';
    } catch (e) {
      report.textContent = 'Could not provoke starvation: ' + (e && e.message ? e.message : e);
      report.dataset.state = 'error';
    } finally {
      button.disabled = false;
    }
  }

  // ---- transfer events (server-sent events) --------------------------------------------------------------

  function showTransfer(event) {
    state.events++;
    let text;
    try {
      const t = JSON.parse(event.data);
      text = 'Transfer ' + (t.id ?? '?') + ': ' + (t.from ?? '?') + ' → ' + (t.to ?? '?') + ', amount '
        + (typeof t.amount === 'number' ? t.amount.toLocaleString('en-US') : String(t.amount ?? '?'));
    } catch (e) {
      text = String(event.data);
    }
    const list = $('events');
    list.prepend(el('li', {}, el('time', {text: fmtTime()}), ' ', text));
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    const status = $('events-status');
    status.dataset.state = 'open';
    status.textContent = fmtCount(state.events) + ' transfer events received; the latest first.';
  }

  function subscribe() {
    if (typeof EventSource !== 'function') {
      $('events-status').textContent = 'This browser cannot receive server-sent events.';
      return;
    }
    const source = new EventSource('/api/events');
    const status = $('events-status');
    source.addEventListener('transfer', showTransfer);
    source.onopen = () => {
      status.dataset.state = 'open';
      if (!state.events) status.textContent = 'Connected; waiting for transfers.';
    };
    source.onerror = () => {
      status.dataset.state = 'error';
      status.textContent = 'The event stream was interrupted; reconnecting…';
      if (source.readyState === EventSource.CLOSED) setTimeout(subscribe, 5000);  // the browser gave up
    };
  }

  // ---- what the page shows, for tests --------------------------------------------------------------------

  window.berthDashboard = Object.freeze({
    polls: () => state.polls,
    failures: () => state.failures,
    pools: () => [...views.keys()],
    pool: (name) => (views.has(name) ? JSON.parse(JSON.stringify(views.get(name).latest)) : null),
    // data points in the pool's chart (what uPlot holds), 0 when the pool or its chart is missing
    samples: (name) => {
      const view = views.get(name);
      return view && view.chart ? view.chart.data[0].length : 0;
    },
    // the largest leased / idle / waiting figure in the chart's window
    peak: (name, key) => {
      const view = views.get(name);
      const index = SERIES.findIndex((s) => s.key === key);
      return view && index >= 0 ? Math.max(0, ...view.data[index + 1]) : 0;
    },
    load: () => (state.load ? {...state.load} : null),
    events: () => state.events,
    scriptErrors: () => [...state.scriptErrors],
  });

  $('start-load').addEventListener('click', startLoad);
  $('starve').addEventListener('click', provokeStarvation);
  poll();
  subscribe();
})();
