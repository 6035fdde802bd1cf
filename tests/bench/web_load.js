// tests/bench/web_load.js - the web gateway's figures for `make bench`
// (tests/bench/run.sh, scenario "web"), with Node's own modules only.
//
//   node web_load.js URL REF BOARD_USER BOARD_PW SESSIONS CHANGES LOGIN_USERS...
//
// LOGIN_USERS are "name:password" accounts for the sign-in storm; WEB_PID
// is muster-web's pid, for its memory.  Prints
// one figure per line, "name value unit", as run.sh's other scenarios do:
//
// - SESSIONS board streams (GET /api/board/events, signed in as the duty manager), each
//   waiting for its snapshot; then CHANGES times a person is registered
//   through POST /api/call and the time until every stream has the delta
//   is taken from the moment the request was sent (an upper bound on "after
//   musterd commits it": it includes the request's own work);
// - sign-ins: every LOGIN_USERS account signs in 5 times, all at once
//   (argon2id for each), while the board session reads /api/me every 50 ms:
//   the sign-in latencies, and the reads' (a sign-in must not hold up
//   anyone else's requests).
'use strict';
const https = require('https');

const [url, ref, boardUser, boardPw, sessionsArg, changesArg, ...loginUsers] = process.argv.slice(2);
const SESSIONS = Number(sessionsArg);
const CHANGES = Number(changesArg);
const agent = new https.Agent({keepAlive: true, maxSockets: Infinity, rejectUnauthorized: false});
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms

function request(method, path, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const req = https.request(url + path, {
            method, agent,
            headers: {...headers, ...(data ? {'Content-Type': 'application/json'} : {})},
        }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { text += c; });
            res.on('end', () => resolve({status: res.statusCode, headers: res.headers, text}));
        });
        req.on('error', reject);
        req.setTimeout(60000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
        if (data) req.write(data);
        req.end();
    });
}

async function login(user, password) {
    const t0 = now();
    const r = await request('POST', '/api/login', {user, password});
    if (r.status !== 200) throw new Error(`sign-in of ${user}: ${r.status} ${r.text}`);
    const cookie = r.headers['set-cookie'][0].split(';')[0];
    return {cookie, csrf: JSON.parse(r.text).csrf, ms: now() - t0};
}

// One board stream: resolves `ready` on its snapshot; calls onDelta(v).
function stream(cookie, onDelta) {
    let ready;
    const snapshot = new Promise((resolve, reject) => { ready = {resolve, reject}; });
    const req = https.request(url + '/api/board/events', {agent: new https.Agent({rejectUnauthorized: false}),
        headers: {Cookie: cookie, Accept: 'text/event-stream'}}, (res) => {
        if (res.statusCode !== 200) return ready.reject(new Error(`stream: ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
            buf += chunk;
            let end;
            while ((end = buf.indexOf('\n\n')) >= 0) {
                const frame = buf.slice(0, end);
                buf = buf.slice(end + 2);
                const ev = /^event: (\w+)/m.exec(frame);
                const data = /^data: (.*)$/m.exec(frame);
                if (!ev || !data) continue;
                if (ev[1] === 'snapshot') ready.resolve();
                else if (ev[1] === 'delta') onDelta(JSON.parse(data[1]).v);
            }
        });
    });
    req.on('error', (e) => ready.reject(e));
    req.end();
    return {snapshot, close: () => req.destroy()};
}

// muster-web's memory (WEB_PID) now, and its peak so far, in MiB.
function rss(name) {
    const status = require('fs').readFileSync(`/proc/${process.env.WEB_PID}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
    fig(name, kib('VmRSS') / 1024, 'MiB');
    fig(`${name}_peak`, kib('VmHWM') / 1024, 'MiB');
}

function percentile(values, p) {
    const v = [...values].sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : 0;
}

function fig(name, value, unit) {
    console.log(`${name} ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);
}

async function boardFigures(gold) {
    let waiting = null; // {t0, left, resolve}
    const latencies = [];
    const seen = new Array(SESSIONS).fill(0);
    const streams = [];
    for (let i = 0; i < SESSIONS; i++) {
        streams.push(stream(gold.cookie, (v) => {
            if (v <= seen[i]) return;
            seen[i] = v;
            if (waiting) {
                latencies.push(now() - waiting.t0);
                if (--waiting.left === 0) waiting.resolve();
            }
        }));
    }
    await Promise.all(streams.map((s) => s.snapshot));
    for (let c = 0; c < CHANGES; c++) {
        const done = new Promise((resolve) => { waiting = {t0: now(), left: SESSIONS, resolve}; });
        const r = await request('POST', '/api/call',
            {cmd: 'person.add', args: {incident: ref, person: {category: 'witness', name: `Bench Witness ${c}`}}},
            {Cookie: gold.cookie, 'X-CSRF-Token': gold.csrf});
        if (r.status !== 200) throw new Error(`person.add: ${r.status} ${r.text}`);
        await done;
        waiting = null;
    }
    fig('web_sse_sessions', SESSIONS, 'streams');
    fig('web_sse_change_p50', percentile(latencies, 50), 'ms');
    fig('web_sse_change_p99', percentile(latencies, 99), 'ms');
    fig('web_sse_change_max', percentile(latencies, 100), 'ms');
    return streams;
}

async function loginFigures(gold) {
    let reading = true;
    const reads = [];
    const reader = (async () => {
        while (reading) {
            const t0 = now();
            const r = await request('GET', '/api/me', undefined, {Cookie: gold.cookie});
            if (r.status !== 200) throw new Error(`/api/me: ${r.status}`);
            reads.push(now() - t0);
            await new Promise((resolve) => setTimeout(resolve, 50)); // the reader's pace
        }
    })();
    const logins = [];
    await Promise.all(loginUsers.map(async (up) => {
        const [user, password] = [up.slice(0, up.indexOf(':')), up.slice(up.indexOf(':') + 1)];
        for (let i = 0; i < 5; i++) logins.push((await login(user, password)).ms);
    }));
    reading = false;
    await reader;
    fig('web_login_concurrent', loginUsers.length, 'accounts');
    fig('web_login_p50', percentile(logins, 50), 'ms');
    fig('web_login_p99', percentile(logins, 99), 'ms');
    fig('web_read_during_logins_p99', percentile(reads, 99), 'ms');
}

(async () => {
    const gold = await login(boardUser, boardPw);
    const streams = await boardFigures(gold);
    rss('web_rss_with_sessions');
    await loginFigures(gold);
    rss('web_rss_after_logins');
    streams.forEach((s) => s.close());
    agent.destroy();
    process.exit(0);
})().catch((e) => {
    console.error(`web_load: ${e.message}`);
    process.exit(1);
});
