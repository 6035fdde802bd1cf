// tests/web/lib.js - what the browser steps share (web_test.js,
// acts_test.js): connecting to the chromium bb_web*.sh started, signing
// in as one of web_lib.sh's accounts in a separate browser profile,
// calling /api/call from inside a page, the muster CLI, and running one
// step.  Every wait is a condition with a deadline, never a sleep.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const {execFileSync} = require('child_process');
const puppeteer = require('puppeteer-core');

const E = process.env;
const SLOW = Number(E.SLOW || 1);
const PW = {gold: 'gold-password-1234', duty: 'duty-password-1234', cjones: 'cruse-password-1234',
  mh: 'mh-password-12345'};
const USERS = {gold: 'insp-jones', duty: 's.patel', cjones: 'c.jones', mh: 'm.wood'};

function fail(msg) { console.error(`FAIL: ${msg}`); process.exit(1); }
function ok(msg) { console.log(`ok: ${msg}`); }
function check(cond, msg) { if (!cond) fail(msg); }

async function connect() {
  return puppeteer.connect({browserWSEndpoint: E.WS, defaultViewport: null, acceptInsecureCerts: true});
}

// A fresh, separate browser profile (its own cookies) signed in as who.
async function signIn(browser, who, viewport) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`page error (${who}): ${e.message}`));
  await page.setViewport(viewport || {width: 1366, height: 768});
  await page.goto(`${E.WEB}/login`);
  await page.type('#user', USERS[who]);
  await page.type('#password', PW[who]);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return {ctx, page};
}

// fetch from inside the page (same origin, its cookie); csrf: true sends
// the session's token, a string sends that.
async function api(page, cmd, args, csrf = true) {
  return page.evaluate(async (cmd, args, csrf) => {
    const me = await (await fetch('/api/me')).json();
    const headers = {'Content-Type': 'application/json'};
    if (csrf === true) headers['X-CSRF-Token'] = me.csrf;
    else if (typeof csrf === 'string') headers['X-CSRF-Token'] = csrf;
    const r = await fetch('/api/call', {method: 'POST', headers, body: JSON.stringify({cmd, args})});
    return {status: r.status, body: await r.json().catch(() => null)};
  }, cmd, args, csrf);
}

// The muster CLI (as bb_*.sh's m), its standard output.
function cli(...args) {
  const c = JSON.parse(E.CLI);
  return execFileSync(c[0], [...c.slice(1), ...args], {encoding: 'utf8'});
}

// Wait for the page's status line to say want (a string or a RegExp).
async function status(page, want, what) {
  await page.waitForFunction((w, re) => {
    const t = document.getElementById('status').textContent;
    return re ? new RegExp(w).test(t) : t === w;
  }, {timeout: 5000 * SLOW}, want instanceof RegExp ? want.source : want, want instanceof RegExp)
    .catch(async () => fail(`${what}: the page says "${await page.$eval('#status', (e) => e.textContent)}"`));
}

// The open page whose address ends with suffix.
async function openPage(browser, suffix) {
  for (const p of await browser.pages()) if (p.url().endsWith(suffix)) return p;
  fail(`no open page ${suffix}`);
  return null;
}

// POST body to /hooks/NAME, signed with secret at ts (ts null: unsigned).
async function hookCall(name, body, ts, secret) {
  const headers = {'Content-Type': 'application/json'};
  if (ts !== null) {
    headers['X-Muster-Timestamp'] = String(ts);
    headers['X-Muster-Signature'] = 'sha256=' + crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  }
  const r = await fetch(`${E.WEB}/hooks/${name}`, {method: 'POST', headers, body});
  return {status: r.status, body: await r.json().catch(() => null)};
}

// Run the step named on the command line, from steps (name: fn(browser));
// plain (name: fn()) need no browser.
function main(steps, plain = {}) {
  (async () => {
    const step = process.argv[2];
    if (plain[step]) { await plain[step](); return; }
    if (!steps[step]) fail(`no step ${step}`);
    fs.mkdirSync(E.OUT, {recursive: true});
    const browser = await connect();
    try {
      await steps[step](browser);
    } finally {
      await browser.disconnect();
    }
  })().catch((e) => fail(e.stack || String(e)));
}

module.exports = {E, SLOW, fail, ok, check, connect, signIn, api, cli, status, openPage, hookCall, main};
