// tests/web/acts_test.js - what Gold and the Hub do in muster-web, in
// Debian's chromium (started by bb_web_acts.sh) driven by puppeteer-core
// (lib.js).  One step per run; bb_web_acts.sh checks each act afterwards
// with the muster CLI:
//   node acts_test.js board-open|gold|hub|desk-contacts|hooks-email
// Environment as web_test.js, and REF (an active incident with an
// unreachable agency a01 and its alarm), P1 P2 (offered pledges), P_ANNA
// P_BEN (persons referred to cruse), P_CARA (held for consent), CODE_CRUSE CODE_HUB (acknowledgement codes),
// HOOK_SECRET_EMAIL.
'use strict';

const path = require('path');
const {E, SLOW, fail, ok, check, signIn, api, status, openPage, hookCall, main} = require('./lib');

// Set the fields of fill ({selector: value}, inside sel), then click the
// button labelled label inside sel: found, filled and clicked in one go
// (the pages re-render their lists as they refresh).
async function press(page, sel, label, fill = {}) {
  await page.waitForFunction((s, l) => [...document.querySelectorAll(`${s} button`)].some((b) => b.textContent === l),
    {timeout: 5000 * SLOW}, sel, label).catch(() => fail(`no button "${label}" in ${sel} on ${page.url()}`));
  await page.evaluate((s, l, f) => {
    const root = document.querySelector(s);
    for (const [k, v] of Object.entries(f)) {
      const e = root.querySelector(k);
      e.value = v;
      e.dispatchEvent(new Event('change', {bubbles: true}));
    }
    [...root.querySelectorAll('button')].find((b) => b.textContent === l).click();
  }, sel, label, fill);
}

async function boardShows(board, ref, what) {
  await board.waitForFunction((r) => document.getElementById('title').textContent.startsWith(`${r} `),
    {timeout: 5000 * SLOW}, ref)
    .catch(async () => fail(`${what}: the board shows "${await board.$eval('#title', (e) => e.textContent)}"`));
}

async function stepBoardOpen(browser) {
  const {page} = await signIn(browser, 'duty', {width: 1920, height: 1080});
  await page.goto(`${E.WEB}/board`);
  await page.waitForFunction(() => document.getElementById('stale').hidden, {timeout: 10000 * SLOW});
  await boardShows(page, E.REF, 'the board');
  ok('a wall board is open on the incident');
}

async function goldAlarm(page) {
  const row = '#alarms tbody tr';
  await page.waitForSelector(row, {timeout: 5000 * SLOW}).catch(() => fail('Gold sees no alarm'));
  const id = await page.$$eval(row, (rows, ref) => rows.filter((r) => r.children[0].textContent === ref &&
    r.children[1].textContent === 'agency_unreachable' && r.children[2].textContent.includes('agency a01 ')).map((r) => r.dataset.alarm)[0], E.REF);
  check(id, 'no agency_unreachable alarm on Gold\'s page');
  await press(page, `tr[data-alarm="${id}"]`, 'Clear');
  await status(page, `Alarm ${id} cleared`, 'clearing the alarm');
  await page.waitForFunction((a) => !document.querySelector(`tr[data-alarm="${a}"]`), {timeout: 5000 * SLOW}, id)
    .catch(() => fail('the cleared alarm is still listed'));
  ok(`Gold cleared alarm ${id} (agency a01 unreachable) and it left the list`);
}

async function goldStandup(page, board) {
  await page.select('#plan', 'webacts');
  await page.$eval('#level', (e) => { e.value = '1'; });
  await page.type('#operation', 'TAKEOVER');
  await page.click('#standup button[type=submit]');
  await status(page, /^\S+ stood up$/, 'the standup');
  const ref = (await page.$eval('#status', (e) => e.textContent)).split(' ')[0];
  check(ref !== E.REF, 'the standup gave the old incident');
  await boardShows(board, ref, 'a new incident did not take over the board');
  check(await board.$eval('#exercise', (e) => !e.hidden), 'the board shows no EXERCISE banner');
  ok(`Gold stood up exercise ${ref}: it took over the open wall board, with the EXERCISE banner`);
  await press(page, `article[data-ref="${ref}"]`, 'Stand down', {input: 'exercise over'});
  await status(page, `${ref} stood down`, 'the stand-down');
  await boardShows(board, E.REF, 'after the stand-down');
  ok(`Gold stood ${ref} down; the board went back to ${E.REF}`);
}

async function stepGold(browser) {
  const board = await openPage(browser, '/board');
  const {page} = await signIn(browser, 'gold');
  page.on('dialog', (d) => d.accept()); // "Stand down ...?"
  const a01 = `article[data-ref="${E.REF}"] li[data-agency="a01"]`;
  await page.waitForSelector(`${a01}[data-state="unreachable"]`, {timeout: 5000 * SLOW})
    .catch(() => fail('Gold\'s page does not show a01 unreachable'));
  await press(page, a01, 'Re-page');
  await status(page, 'a01 re-paged', 'the re-page');
  ok('Gold re-paged the unreachable agency');
  await goldAlarm(page);
  await goldStandup(page, board);
}

async function hubPledges(page) {
  const moves = [[E.P1, 'Accept', 'accept', 'accepted'], [E.P2, 'Decline', 'decline', 'declined'],
    [E.P1, 'Arrived', 'arrived', 'arrived']];
  for (const [id, label, said, state] of moves) {
    await press(page, `#pledges tr[data-pledge="${id}"]`, label);
    await status(page, `Pledge ${id}: ${said}`, `${label} pledge ${id}`);
    await page.waitForFunction((i, s) => document.querySelector(`tr[data-pledge="${i}"]`)?.children[5]?.textContent === s,
      {timeout: 5000 * SLOW}, id, state).catch(() => fail(`pledge ${id} is not shown ${state}`));
  }
  ok(`the Hub accepted pledge ${E.P1}, declined ${E.P2} and checked ${E.P1}'s staff in`);
}

async function hubRelay(page) {
  await page.type('#relay-code', E.CODE_CRUSE.toLowerCase());
  await page.select('#relay-via', 'phone');
  await page.type('#relay-note', 'Rang the Hub back');
  await page.click('#relay button[type=submit]');
  await status(page, 'Code relayed: page acknowledged', 'the relayed code');
  ok('the Hub relayed an acknowledgement code read out by phone (typed in lower case)');
}

async function hubPerson(page) {
  await page.type('#find-q', 'anna');
  await page.click('#find button[type=submit]');
  await page.waitForFunction((a) => {
    const rows = [...document.querySelectorAll('#persons tbody tr')];
    return rows.length === 1 && rows[0].dataset.person === a;
  }, {timeout: 5000 * SLOW}, E.P_ANNA).catch(async () => fail(`find "anna": ${await page.$$eval('#persons tbody tr',
    (rows) => rows.map((r) => r.textContent).join(' | '))}`));
  const row = `#persons tr[data-person="${E.P_ANNA}"]`;
  await press(page, row, 'Record', {'select[aria-label^="Channel"]': 'phone', 'select[aria-label^="Outcome"]': 'no_answer'});
  await status(page, `Contact with person ${E.P_ANNA} recorded`, 'the contact attempt');
  ok('the Hub found a person by name and recorded a contact attempt');
}

async function stepHub(browser) {
  const {page} = await signIn(browser, 'duty');
  check(new URL(page.url()).pathname === '/hub', `duty landed on ${page.url()}`);
  await hubPledges(page);
  await hubRelay(page);
  await hubPerson(page);
}

// The rows of person id's contact attempts on the desk, as text.
async function attempts(page, id) {
  return page.$$eval(`td[data-history="${id}"] tbody tr`, (rows) => rows.map((r) =>
    [...r.children].map((td) => td.textContent).slice(1).join('|')));
}

async function stepDeskContacts(browser) {
  const {page} = await signIn(browser, 'cjones', {width: 390, height: 844});
  const row = `#persons tr[data-person="${E.P_ANNA}"]`;
  await press(page, row, 'Attempts');
  await page.waitForSelector(`td[data-history="${E.P_ANNA}"] tbody tr`, {timeout: 5000 * SLOW})
    .catch(() => fail('the desk shows no contact attempt'));
  let seen = await attempts(page, E.P_ANNA);
  check(seen.length === 1 && seen[0] === 'duty (s.patel)|phone|no answer|', `the Hub's attempt on the desk: ${seen}`);
  const safe = await page.$eval(`td[data-history="${E.P_ANNA}"] .safe`, (e) => e.textContent);
  check(safe === 'Safe contact: only by phone, sms; never by letter (shared address).', `safe contact: ${safe}`);
  ok('the desk shows the attempts made by others and the safe-contact instructions');
  await press(page, row, 'Record', {'select[aria-label^="Channel"]': 'sms', 'select[aria-label^="Outcome"]': 'sent'});
  await status(page, `Contact with person ${E.P_ANNA} recorded`, 'the desk\'s contact attempt');
  await page.waitForFunction((id) => document.querySelectorAll(`td[data-history="${id}"] tbody tr`).length === 2,
    {timeout: 5000 * SLOW}, E.P_ANNA).catch(() => fail('the desk\'s attempt did not appear'));
  seen = await attempts(page, E.P_ANNA);
  check(seen[1] === 'agency:cruse (c.jones)|sms|sent|', `the desk's attempt: ${seen}`);
  await page.screenshot({path: path.join(E.OUT, 'desk-contacts-390x844.png'), fullPage: true});
  ok('an attempt recorded at the desk (on a phone-sized screen) joined the person\'s attempts, with its outcome');
  const html = await page.content();
  check(!html.includes('Mill Road') && !html.includes('Cara Held'), 'the desk shows what the agency may not see');
  check(!(await page.$(`tr[data-person="${E.P_CARA}"]`)), 'the desk lists a person held for consent');
  const held = await api(page, 'person.show', {person: Number(E.P_CARA)});
  check(held.status === 404 && !JSON.stringify(held.body).includes('Cara'), `a person held for consent: ${JSON.stringify(held)}`);
  ok('the desk shows nothing the agency may not see: no address, no person held for consent (404)');
}

async function stepHooksEmail() {
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({from: 'duty@hub.example', text: `ACK ${E.CODE_HUB} read at the Hub`});
  const unsigned = await hookCall('email', body, null);
  check(unsigned.status === 401 && unsigned.body.error.code === 'BAD_SIGNATURE', `an unsigned e-mail reply: ${JSON.stringify(unsigned)}`);
  const sms = await hookCall('email', body, now, E.HOOK_SECRET);
  check(sms.status === 401, `an e-mail reply signed with the SMS hook's secret: ${sms.status}`);
  const r = await hookCall('email', body, now, E.HOOK_SECRET_EMAIL);
  check(r.status === 200 && r.body.result.state === 'acknowledged' && r.body.result.agency === 'hub',
    `a signed e-mail reply: ${JSON.stringify(r)}`);
  const again = await hookCall('email', body, now, E.HOOK_SECRET_EMAIL);
  check(again.status === 401 && again.body.error.message === 'replayed', `a replayed e-mail reply: ${JSON.stringify(again)}`);
  ok('a signed e-mail reply acknowledged the page; unsigned, wrongly keyed and replayed calls were refused');
}

main({'board-open': stepBoardOpen, gold: stepGold, hub: stepHub, 'desk-contacts': stepDeskContacts}, {'hooks-email': stepHooksEmail});
