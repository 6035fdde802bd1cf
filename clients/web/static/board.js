// clients/web/static/board.js - the wall board: a snapshot, then deltas in
// sequence from /api/board/events (a gap: reconnect for a new snapshot),
// a wall clock, and a stale banner when nothing (not even a heartbeat) came
// for 10 s or the gateway says musterd does not answer.
'use strict';

const B = {board: null, meta: null, ref: null, v: 0, heard: 0, up: false, updated: 0, es: null};
const STALE_MS = 10000;

function n(key) { return (B.board && typeof B.board[key] === 'number') ? B.board[key] : 0; }

function renderTitle() {
  const inc = B.board && B.board.incident;
  M.exercise(Boolean(inc && inc.exercise));
  if (!inc) { M.fill('title', 'No active incident'); return; }
  M.fill('title', `${inc.ref} ${inc.operation} - level ${inc.level} ${inc.level_name || ''}`,
    inc.state !== 'active' ? ` (${inc.state.replace('_', ' ')})` : '');
}

function renderAgencies() {
  const rows = [], counts = {};
  for (const a of (B.meta && B.meta.agencies) || []) {
    const s = B.board[`agency/${a.id}`] || {};
    counts[s.state || 'unknown'] = (counts[s.state || 'unknown'] || 0) + 1;
    rows.push(M.el('tr', {'data-agency': a.id, 'data-state': s.state, class: `st-${s.state}`},
      M.el('th', {scope: 'row'}, a.name), M.el('td', {}, s.state || '-'),
      M.el('td', {}, s.step ?? '-'), M.el('td', {}, s.acknowledged_by ? `${s.acknowledged_by} ${M.time(s.acknowledged_at)}` : '-')));
  }
  document.querySelector('#agencies tbody').replaceChildren(...rows);
  M.fill('agency-counts', Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(' · '));
}

function renderStaffing() {
  const shifts = (B.meta && B.meta.shifts) || [], roles = (B.meta && B.meta.roles) || [];
  const head = M.el('tr', {}, M.el('th', {scope: 'col'}, 'Role'),
    shifts.map((s) => M.el('th', {scope: 'col'}, `${s.name} ${M.time(s.starts_at).slice(0, 5)}`)));
  document.querySelector('#staffing thead').replaceChildren(head);
  const rows = roles.map((r) => M.el('tr', {}, M.el('th', {scope: 'row'}, r.name), shifts.map((s) => {
    const c = B.board[`cell/${s.key}/${r.id}`];
    if (!c || !c.required) return M.el('td', {class: 'none'}, '');
    const short = Math.max(0, c.required - c.pledged);
    return M.el('td', {class: short ? 'short' : 'met', 'data-cell': `${s.key}/${r.id}`,
      title: `required ${c.required}, pledged ${c.pledged}, accepted ${c.accepted}, arrived ${c.arrived}`},
    short ? `${short} short` : 'met', M.el('span', {class: 'small'}, ` ${c.arrived}/${c.required} in`));
  })));
  document.querySelector('#staffing tbody').replaceChildren(...rows);
}

function renderPersons() {
  M.fill('persons-total', `${n('persons')} registered`);
  const cats = Object.keys(B.board).filter((k) => k.startsWith('category/'));
  document.querySelector('#categories tbody').replaceChildren(...cats.map((k) =>
    M.el('tr', {}, M.el('th', {scope: 'row'}, k.slice(9)), M.el('td', {}, B.board[k]))));
  const rows = ((B.meta && B.meta.pathways) || []).map((p) => {
    const ref = n(`pathway/${p.id}/referred`), wait = n(`pathway/${p.id}/waitlisted`);
    const held = n(`pathway/${p.id}/held_consent`) + n(`pathway/${p.id}/held_urgent`);
    return M.el('tr', {class: p.capacity && ref >= p.capacity ? 'full' : null}, M.el('th', {scope: 'row'}, p.name),
      M.el('td', {}, ref), M.el('td', {}, p.capacity || '-'), M.el('td', {class: wait ? 'short' : ''}, wait),
      M.el('td', {}, held));
  });
  document.querySelector('#pathways tbody').replaceChildren(...rows);
}

function renderAlarms() {
  const items = [['Open alarms', n('alarms')], ['Victims\u2019 Code breaches', n('breaches')],
    ['Urgent risk', n('urgent')], ['Re-screens overdue', n('rescreen/overdue')]];
  const q = B.board['selfreg/unverified']; // only for an incident ever published
  if (q && typeof q === 'object') {
    const mins = q.oldest_at ? Math.max(0, Math.floor((Date.now() - q.oldest_at) / 60000)) : 0;
    items.push(['Self-registered, unverified', q.count ? `${q.count} (oldest ${mins} min)` : 0]);
  }
  M.fill('alarms', items.map(([k, v]) => [M.el('dt', {}, k), M.el('dd', {class: v ? 'alert' : ''}, v)]));
}

function render() {
  renderTitle();
  if (!B.board) return;
  renderAgencies();
  renderStaffing();
  renderPersons();
  renderAlarms();
}

function heard() { B.heard = Date.now(); }

function onSnapshot(e) {
  const d = JSON.parse(e.data);
  heard();
  B.up = true;
  B.v = d.v; B.ref = d.ref; B.board = d.board || null; B.meta = d.meta || null;
  B.updated = Date.now();
  render();
}

function onDelta(e) {
  const d = JSON.parse(e.data);
  heard();
  if (d.v !== B.v + 1 || !B.board) { reconnect(); return; } // a gap: a new snapshot
  B.v = d.v;
  for (const [k, val] of Object.entries(d.board)) {
    if (val === null) delete B.board[k]; else B.board[k] = val;
  }
  B.updated = Date.now();
  render();
}

function onHeartbeat(e) {
  const d = JSON.parse(e.data);
  B.up = d.up;
  if (d.up) heard();
}

function connect() {
  B.es = new EventSource('/api/board/events');
  B.es.addEventListener('snapshot', onSnapshot);
  B.es.addEventListener('delta', onDelta);
  B.es.addEventListener('heartbeat', onHeartbeat);
  B.es.onerror = () => {
    if (B.es.readyState === EventSource.CLOSED) setTimeout(reconnect, 2000);
  };
}

function reconnect() {
  if (B.es) B.es.close();
  B.v = 0;
  connect();
}

function tick() {
  const now = Date.now();
  M.fill('clock', new Date(now).toLocaleTimeString('en-GB', {hour12: false}));
  M.fill('updated', B.updated ? new Date(B.updated).toLocaleTimeString('en-GB', {hour12: false}) : 'never');
  const silent = now - B.heard > STALE_MS;
  const stale = !B.up || silent;
  document.getElementById('stale').hidden = !stale;
  document.body.classList.toggle('is-stale', stale);
  M.fill('stale-why', !B.up && !silent ? 'musterd does not answer: this is not live'
    : `no update for ${Math.round((now - B.heard) / 1000)} s: this is not live`);
}

M.init().then((me) => {
  if (!me) return;
  connect();
  tick();
  setInterval(tick, 500);
});
