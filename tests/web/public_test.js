// tests/web/public_test.js - the public self-registration page in a real
// browser (Debian's chromium through puppeteer-core; bb_web_public_browser.sh
// runs each step): every language at 390x844 and 1366x768, with JavaScript
// on and off, axe-core clean; a person fills the form without
// JavaScript and with it, sees the reference, and the Hub sees them with
// the CLI; a script typed into the form is refused and never runs.
// Every wait is a condition with a deadline.
'use strict';

const fs = require('fs');
const path = require('path');
const {E, SLOW, fail, ok, check, cli, signIn, main} = require('./lib');

const LANGS = ['en', 'pl', 'lt', 'ro', 'pt'];
const SIZES = [[390, 844], [1366, 768]];
const words = (l) => JSON.parse(fs.readFileSync(path.join(E.SRC, 'clients/web/i18n', `${l}.json`), 'utf8'));
const FORM = `${E.WEB}/p/ARENA`;

async function axe(page, name) {
  await page.addScriptTag({path: require.resolve('axe-core/axe.min.js')});
  const r = await page.evaluate(async () => axe.run(document, {resultTypes: ['violations']}));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe on ${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target).join(' ')}`).join('; ')}`);
}

async function newPage(browser, js, [w, h]) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  page.on('dialog', (d) => fail(`a dialog opened: ${d.message()}`));
  await page.setJavaScriptEnabled(js);
  await page.setViewport({width: w, height: h});
  return {ctx, page};
}

// What a person sees: the language, the heading, the consent and the
// button in their words, and nothing wider than the screen.
async function stepLanguages(browser) {
  for (const js of [true, false]) {
    for (const size of SIZES) {
      const {ctx, page} = await newPage(browser, js, size);
      await page.setBypassCSP(true); // for axe's own script only
      for (const l of LANGS) {
        const w = words(l);
        const r = await page.goto(`${FORM}?lang=${l}`);
        check(r.status() === 200, `${l}: ${r.status()}`);
        const seen = await page.evaluate(() => ({
          lang: document.documentElement.lang, h1: document.querySelector('h1').textContent,
          button: document.querySelector('button[type=submit]').textContent,
          consent: document.querySelector('label[for=f-consent-yes]').textContent,
          wide: document.documentElement.scrollWidth > window.innerWidth,
          picker: [...document.querySelectorAll('nav.langs a')].map((a) => a.textContent),
        }));
        check(seen.lang === l && seen.h1 === w.form_title && seen.button === w.submit &&
          seen.consent === w.consent_label, `${l} at ${size}: ${JSON.stringify(seen)}`);
        check(!seen.wide, `${l} at ${size.join('x')} is wider than the screen`);
        check(seen.picker.length === 5, `the picker: ${seen.picker}`);
        if (js) await axe(page, `/p/ARENA?lang=${l} at ${size.join('x')}`);
        await page.screenshot({path: path.join(E.OUT, `public-${l}-${size.join('x')}-${js ? 'js' : 'nojs'}.png`), fullPage: true});
      }
      await ctx.close();
    }
  }
  ok('the form in en, pl, lt, ro and pt at 390x844 and 1366x768, JavaScript on and off: in the words of each, no wider than the screen, axe-core clean');
}

// Wait until the form's challenge is old enough to be taken (the gateway
// refuses a form posted within 3 s of being served).
async function matured(page) {
  const t = await page.$eval('input[name=t]', (e) => e.value);
  const issued = Buffer.from(t, 'base64url').readBigUInt64BE(0);
  const deadline = Date.now() + 10000 * SLOW;
  while (BigInt(Math.floor(Date.now() / 1000)) - issued < 3n) {
    check(Date.now() < deadline, 'the challenge did not mature');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function fill(page, who) {
  await page.type('#f-name', who.name);
  await page.type('#f-phone', who.phone);
  await page.type('#f-safe_to_call', who.safe);
  await page.type('#f-home_area', who.area);
  await page.select('#f-language', who.lang);
  await page.click(`#f-involvement-${who.involvement}`);
  await page.click('#f-support-yes');
  await page.click('#f-consent-yes');
  await matured(page);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function register(browser, js, size, who) {
  const {ctx, page} = await newPage(browser, js, size);
  await page.goto(`${FORM}?lang=${who.lang}`);
  await fill(page, who);
  const ref = await page.$eval('#reference', (e) => e.textContent).catch(() => null);
  check(/^SR-[A-Z0-9-]{8,}$/.test(ref || ''), `no reference for ${who.name}: ${await page.content()}`);
  check(await page.$eval('h1', (e) => e.textContent) === words(who.lang).thanks_title, 'the thank-you page is not in the person\'s language');
  await page.screenshot({path: path.join(E.OUT, `public-thanks-${who.lang}-${size.join('x')}.png`), fullPage: true});
  await ctx.close();
  return ref;
}

async function stepSubmit(browser) {
  const a = {name: 'Ona Kazlauskienė', phone: '07700 900201', safe: 'po 18 val.', area: 'ely', lang: 'lt', involvement: 'witness'};
  const b = {name: 'João Silva', phone: '07700 900202', safe: 'depois das 18h', area: 'wisbech', lang: 'pt', involvement: 'injured'};
  const refA = await register(browser, false, [390, 844], a);
  const refB = await register(browser, true, [1366, 768], b);
  const list = JSON.parse(cli('--as', 'intake', '--json', 'person', 'list', E.REF)).persons;
  for (const who of [a, b]) {
    const p = list.find((x) => x.name === who.name);
    check(p && p.category === 'self-referred', `${who.name} in person list: ${JSON.stringify(list)}`);
  }
  const queue = JSON.parse(cli('--as', 'duty', '--json', 'status', E.REF)).board['selfreg/unverified'];
  check(queue && queue.count === 2, `the board's unverified queue: ${JSON.stringify(queue)}`);
  ok(`a person registered without JavaScript on a phone (${refA}, Lithuanian) and with it (${refB}, Portuguese); intake sees both self-referred and unverified`);
}

async function stepHostile(browser) {
  const before = JSON.parse(cli('--as', 'intake', '--json', 'person', 'list', E.REF)).persons.length;
  const {ctx, page} = await newPage(browser, true, [390, 844]);
  await page.setBypassCSP(true); // for axe's own script, added after the page is checked
  await page.goto(`${FORM}?lang=en`);
  await fill(page, {name: '<script>alert(1)</script>', phone: '07700 900203', safe: 'any time', area: 'ely', lang: 'en', involvement: 'present'});
  const seen = await page.evaluate(() => ({
    summary: document.querySelector('.summary') && document.querySelector('.summary').textContent,
    name: document.getElementById('f-name').value,
    scripts: document.querySelectorAll('script').length,
  }));
  check(seen.summary && seen.summary.includes(words('en').err_bad_chars), `no message for a script: ${JSON.stringify(seen)}`);
  check(seen.scripts === 0 && seen.name === '', `the script came back into the page: ${JSON.stringify(seen)}`);
  await axe(page, 'the form with its messages');
  await ctx.close();
  const after = JSON.parse(cli('--as', 'intake', '--json', 'person', 'list', E.REF)).persons.length;
  check(after === before, `a script in the name stored a person (${before} -> ${after})`);
  ok('a script typed as a name is refused with a message, never runs, and nothing is stored');
}

// The pages of the way back in: asking for a link, and a used one.
async function stepLinkPages(browser) {
  for (const js of [true, false]) {
    const {ctx, page} = await newPage(browser, js, [390, 844]);
    await page.setBypassCSP(true); // for axe's own script only
    for (const l of LANGS) {
      const w = words(l);
      let r = await page.goto(`${E.WEB}/p/r/?lang=${l}`);
      check(r.status() === 200 && await page.$eval('h1', (e) => e.textContent) === w.link_title, `the link form in ${l}`);
      if (js) await axe(page, `/p/r/?lang=${l}`);
      r = await page.goto(`${E.WEB}/p/r/${'A'.repeat(43)}?lang=${l}`);
      check(r.status() === 410 && await page.$eval('h1', (e) => e.textContent) === w.link_used_title, `a used link in ${l}`);
      if (js) await axe(page, `a used link in ${l}`);
    }
    await ctx.close();
  }
  ok('asking for a link and a used link, in every language, JavaScript on and off, axe-core clean');
}

// The duty manager's wall board shows the queue waiting for a call handler.
async function stepBoard(browser) {
  const {ctx, page} = await signIn(browser, 'duty');
  await page.goto(`${E.WEB}/board`);
  await page.waitForFunction(() => [...document.querySelectorAll('#alarms dt')].some((dt) =>
    dt.textContent === 'Self-registered, unverified' && /^2 \(oldest \d+ min\)$/.test(dt.nextElementSibling.textContent)),
  {timeout: 5000 * SLOW}).catch(async () => fail(`the board: ${await page.$eval('#alarms', (e) => e.textContent)}`));
  await ctx.close();
  ok('the duty manager\'s board shows 2 self-registered, unverified, with the age of the oldest');
}

main({languages: stepLanguages, submit: stepSubmit, hostile: stepHostile, board: stepBoard,
  'link-pages': stepLinkPages});
