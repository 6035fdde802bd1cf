// clients/web/static/common.js - what every page of muster-web shares:
// who is signed in (and the CSRF token that goes with every change), the
// one way to call musterd (/api/call), and building the page with text
// nodes only (nothing a person typed is ever parsed as HTML).
'use strict';

const M = {
  me: null,

  // Build an element: M.el('td', {class: 'x'}, 'text', child...).  Text is
  // always a text node.
  el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  },

  fill(id, ...kids) {
    const e = document.getElementById(id);
    e.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined)
      .map((k) => (k instanceof Node ? k : document.createTextNode(String(k)))));
    return e;
  },

  time(ms) {
    if (!ms) return '-';
    return new Date(ms).toLocaleString('en-GB', {hour12: false});
  },

  async init() {
    const r = await fetch('/api/me', {credentials: 'same-origin', cache: 'no-store'});
    if (r.status === 401) { location.href = '/login'; return null; }
    M.me = await r.json();
    for (const e of document.querySelectorAll('[data-me]')) e.textContent = `${M.me.user} (${M.me.principal})`;
    const out = document.getElementById('logout');
    if (out) out.addEventListener('click', M.logout);
    return M.me;
  },

  async logout() {
    await fetch('/api/logout', {method: 'POST', headers: {'X-CSRF-Token': M.me.csrf}});
    location.href = '/login';
  },

  // Run a musterd command as the signed-in user; throws an Error with
  // .status and .code when musterd (or the gateway) refuses.
  async call(cmd, args) {
    const r = await fetch('/api/call', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': M.me.csrf},
      body: JSON.stringify({cmd, args: args || {}}),
    });
    const j = await r.json().catch(() => ({}));
    if (r.status === 401) { location.href = '/login'; }
    if (!r.ok) {
      const e = new Error((j.error && j.error.message) || r.statusText);
      e.status = r.status;
      e.code = j.error && j.error.code;
      throw e;
    }
    return j.result;
  },

  // Say what happened in the page's status line (role=status: read out).
  say(text, bad) {
    const s = document.getElementById('status');
    if (!s) return;
    s.textContent = text;
    s.className = bad ? 'status bad' : 'status';
  },

  // The exercise banner, shown on every screen of an exercise incident.
  exercise(on) {
    const b = document.getElementById('exercise');
    if (b) b.hidden = !on;
  },
};
