// tests/web/web_test.js - muster-web in a real browser: Debian's chromium
// (started by bb_web.sh, headless, reached over the DevTools protocol) driven
// by puppeteer-core (lib.js), which never downloads a browser.  One step per run,
// so that the shell can kill and restart musterd between steps while the
// board stays open in its tab:
//   node web_test.js roles|board-open|board-change|board-stale|board-live|desk|hooks
// Environment: WS (DevTools endpoint), WEB (https://host:port), OUT
// (screenshots), CLI (JSON array: the muster command line), REF (the
// incident), P_XSS P_RTL P_OTHER (person ids), CODE (an acknowledgement
// code), HOOK_SECRET, SLOW (deadline factor).  Every wait is a condition
// with a deadline, never a sleep.
'use strict';

const path = require('path');
const {execFileSync} = require('child_process');
const {E, SLOW, fail, ok, check, signIn, api, openPage, hookCall, main} = require('./lib');

async function axe(page, name) {
  await page.addScriptTag({path: require.resolve('axe-core/axe.min.js')});
  const r = await page.evaluate(async () => axe.run(document, {resultTypes: ['violations']}));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe on ${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target).join(' ')}`).join('; ')}`);
}

async function shoot(page, name) {
  for (const [w, h] of [[1920, 1080], [1366, 768], [390, 844]]) {
    await page.setViewport({width: w, height: h});
    await page.screenshot({path: path.join(E.OUT, `${name}-${w}x${h}.png`)});
  }
}

async function stepRoles(browser) {
  const bad = await fetch(`${E.WEB}/api/login`, {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({user: 'c.jones', password: 'not-the-password'})});
  check(bad.status === 401, `a wrong password answered ${bad.status}`);
  ok('a wrong password is refused (401)');

  const homes = {gold: '/gold', duty: '/hub', cjones: '/desk', mh: '/desk'};
  const s = {};
  for (const who of Object.keys(homes)) {
    s[who] = await signIn(browser, who);
    check(new URL(s[who].page.url()).pathname === homes[who], `${who} landed on ${s[who].page.url()}`);
  }
  ok('each role signs in and lands on its own page');

  const desk = s.cjones.page;
  for (const url of ['/board', '/gold', '/hub']) {
    const r = await desk.goto(`${E.WEB}${url}`);
    check(r.status() === 403, `agency opening ${url}: ${r.status()}`);
    check(!(await desk.content()).includes('Agencies'), `${url} leaked its page to an agency`);
  }
  const board = await api(desk, 'status.show', {incident: E.REF});
  check(board.status === 403, `agency status.show: ${board.status}`);
  const other = await api(desk, 'person.show', {person: Number(E.P_OTHER)});
  check(other.status === 404 && !JSON.stringify(other.body).includes('Not Yours'), `a person not referred: ${JSON.stringify(other)}`);
  const inc = await api(desk, 'incident.show', {ref: E.REF});
  check(inc.status === 200 && inc.body.result.pages.length === 1 && inc.body.result.pages[0].agency === 'bereavement',
    `the agency sees other pages: ${JSON.stringify(inc.body.result.pages)}`);
  const sse = await desk.evaluate(async () => (await fetch('/api/board/events')).status);
  check(sse === 403, `agency board events: ${sse}`);
  ok('an agency gets 403 for the board, Gold and Hub pages and status.show, 404 for a person not referred, only its own page');

  const nocsrf = await api(desk, 'pledge.offer', {incident: E.REF, role: 'bereavement-volunteer', count: 1, shifts: ['x']}, false);
  check(nocsrf.status === 403 && nocsrf.body.error.code === 'CSRF', `a POST without CSRF: ${JSON.stringify(nocsrf)}`);
  const wrong = await api(desk, 'pledge.offer', {incident: E.REF}, 'A'.repeat(43));
  check(wrong.status === 403 && wrong.body.error.code === 'CSRF', `a POST with a wrong CSRF token: ${wrong.status}`);
  ok('a POST without the CSRF token, or with a wrong one, is refused (403)');

  await desk.goto(`${E.WEB}/desk`);
  await desk.waitForSelector(`tr[data-person="${E.P_XSS}"] td.name`, {timeout: 5000 * SLOW});
  const names = await desk.$$eval('#persons td.name', (tds) => tds.map((td) => td.textContent));
  check(names.includes('<img src=x onerror=alert(1)>'), `the hostile name is not shown as text: ${names}`);
  check(names.includes(E.RTL_NAME), `the right-to-left name is not shown as given: ${names}`);
  check(!names.includes('Not Yours'), 'the desk shows a person not referred');
  check((await desk.$$('#persons img')).length === 0, 'an <img> was made from a name');
  ok('hostile and right-to-left names render as text');

  await s.gold.page.goto(`${E.WEB}/board`);
  await s.gold.page.waitForFunction((ref) => document.getElementById('title').textContent.includes(ref) &&
    document.getElementById('stale').hidden, {timeout: 5000 * SLOW}, E.REF)
    .catch(async () => fail(`the board: ${await s.gold.page.evaluate(() => JSON.stringify(B))}`));
  await shoot(s.gold.page, 'board');
  await shoot(desk, 'desk');
  ok(`screenshots of the board and the desk at three sizes in ${E.OUT}`);

  for (const [who, url] of [['gold', '/board'], ['gold', '/gold'], ['duty', '/hub'], ['cjones', '/desk']]) {
    const p = s[who].page;
    await p.setBypassCSP(true); // for axe's own script only
    await p.goto(`${E.WEB}${url}`);
    await p.waitForFunction(() => !document.getElementById('stale') || document.getElementById('stale').hidden,
      {timeout: 5000 * SLOW});
    await p.waitForNetworkIdle({idleTime: 300, timeout: 2000 * SLOW}).catch(() => {});
    await axe(p, url);
  }
  const anon = await browser.createBrowserContext();
  const lp = await anon.newPage();
  await lp.setBypassCSP(true);
  await lp.goto(`${E.WEB}/login`);
  await axe(lp, '/login');
  ok('axe-core: no serious or critical violation on the login, board, Gold, Hub and desk pages');
  for (const x of Object.values(s)) await x.ctx.close();
  await anon.close();
}

async function boardPage(browser) { return openPage(browser, '/board'); }

async function stepBoardOpen(browser) {
  const {page} = await signIn(browser, 'duty', {width: 1920, height: 1080});
  await page.goto(`${E.WEB}/board`);
  await page.waitForFunction((ref) => document.getElementById('title').textContent.includes(ref) &&
    document.getElementById('stale').hidden, {timeout: 10000 * SLOW}, E.REF);
  ok('the board is open and live');
}

async function stepBoardChange(browser) {
  const page = await boardPage(browser);
  const cli = JSON.parse(E.CLI);
  const t0 = Date.now();
  execFileSync(cli[0], [...cli.slice(1), '--as', 'agency:mental-health', 'agency', 'ack', E.REF, '--note', 'from the CLI']);
  const t1 = Date.now();
  await page.waitForSelector('tr[data-agency="mental-health"][data-state="acknowledged"]', {timeout: 1000 * SLOW})
    .catch(() => fail(`the CLI's acknowledgement did not reach the board within ${1000 * SLOW} ms`));
  ok(`a change made with the CLI appeared on the board ${Date.now() - t1} ms after the CLI returned (${t1 - t0} ms in the CLI)`);
}

async function stepBoardStale(browser) {
  const page = await boardPage(browser);
  const t0 = Date.now();
  await page.waitForSelector('#stale:not([hidden])', {timeout: 10000})
    .catch(() => fail('no stale banner within 10 s of musterd\'s death'));
  ok(`the stale banner showed ${Date.now() - t0} ms after the check began (musterd killed just before)`);
}

async function stepBoardLive(browser) {
  const page = await boardPage(browser);
  await page.waitForSelector('#stale[hidden]', {timeout: 20000 * SLOW})
    .catch(() => fail('the board did not recover after musterd restarted'));
  check(await page.$('tr[data-agency="mental-health"][data-state="acknowledged"]'), 'the recovered board lost the acknowledgement');
  ok('the board recovered by itself after the restart');
}

async function stepDesk(browser) {
  const {page, ctx} = await signIn(browser, 'cjones', {width: 390, height: 844});
  await page.waitForSelector('#ack:not([hidden])', {timeout: 5000 * SLOW});
  await page.type('#ack-note', 'Two volunteers on their way');
  await page.select('#ack-role', 'bereavement-volunteer');
  await page.$eval('#ack-count', (e) => { e.value = '2'; });
  await page.click('input[name="ack-shift"]');
  await page.click('#ack-button');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Acknowledged', {timeout: 5000 * SLOW})
    .catch(async () => fail(`desk ack: ${await page.$eval('#status', (e) => e.textContent)}`));
  await page.waitForSelector('#pledges tbody tr', {timeout: 5000 * SLOW});
  ok('an agency acknowledged its page with a note and a pledge from the desk (on a phone-sized screen)');
  await ctx.close();
}

const hook = (body, ts, secret) => hookCall('sms', body, ts, secret);

async function stepHooks() {
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({from: '+447700900123', text: `ack ${E.CODE} on my way`});
  check((await hook(body, null)).status === 401, 'an unsigned hook was accepted');
  check((await hook(body, now, 'x'.repeat(40))).status === 401, 'a hook signed with the wrong secret was accepted');
  check((await hook(body, now - 400, E.HOOK_SECRET)).status === 401, 'a hook stamped 400 s ago was accepted');
  const r = await hook(body, now, E.HOOK_SECRET);
  check(r.status === 200 && r.body.result.state === 'acknowledged', `a signed hook: ${JSON.stringify(r)}`);
  const again = await hook(body, now, E.HOOK_SECRET);
  check(again.status === 401 && again.body.error.message === 'replayed', `a replayed hook: ${JSON.stringify(again)}`);
  ok('a signed SMS reply acknowledged the page; unsigned, wrongly signed, stale and replayed calls were refused');
}

const steps = {roles: stepRoles, 'board-open': stepBoardOpen, 'board-change': stepBoardChange,
  'board-stale': stepBoardStale, 'board-live': stepBoardLive, desk: stepDesk};

main(steps, {hooks: stepHooks});
