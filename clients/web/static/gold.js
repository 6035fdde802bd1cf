// clients/web/static/gold.js - Gold's page: stand up, stand down, re-page
// an agency that has not answered, and clear alarms.
'use strict';

async function act(cmd, args, done) {
  try {
    const r = await M.call(cmd, args);
    M.say(typeof done === 'function' ? done(r) : done);
  } catch (e) {
    M.say(`Refused: ${e.message}`, true);
  }
  await refresh().catch((e) => M.say(e.message, true));
}

function incidentCard(inc) {
  const pages = inc.pages.map((p) => M.el('li', {'data-agency': p.agency, 'data-state': p.state}, `${p.agency}: ${p.state} `,
    p.state === 'paging' || p.state === 'unreachable'
      ? M.el('button', {type: 'button', onclick: () => act('agency.repage', {incident: inc.ref, agency: p.agency}, `${p.agency} re-paged`)}, 'Re-page') : null));
  const note = M.el('input', {maxlength: 2000, 'aria-label': `Stand-down note for ${inc.ref}`});
  return M.el('article', {class: 'incident', 'data-ref': inc.ref},
    M.el('h3', {}, `${inc.ref} ${inc.operation} - level ${inc.level}`, inc.exercise ? M.el('span', {class: 'tag'}, ' EXERCISE') : ''),
    M.el('ul', {class: 'pages'}, pages),
    note, M.el('button', {type: 'button', class: 'danger', onclick: () => {
      if (!confirm(`Stand down ${inc.ref}?`)) return;
      const args = {ref: inc.ref};
      if (note.value.trim()) args.note = note.value.trim();
      act('incident.standdown', args, `${inc.ref} stood down`);
    }}, 'Stand down'));
}

async function refresh() {
  const list = await M.call('incident.list', {state: 'active'});
  const shows = await Promise.all(list.incidents.map((i) => M.call('incident.show', {ref: i.ref})));
  M.exercise(shows.some((s) => s.exercise));
  M.fill('incidents', shows.length ? shows.map(incidentCard) : 'None.');
  const alarms = await M.call('alarm.list', {});
  document.querySelector('#alarms tbody').replaceChildren(...alarms.alarms.map((a) =>
    M.el('tr', {'data-alarm': a.alarm}, M.el('td', {}, a.incident), M.el('td', {}, a.kind), M.el('td', {}, a.detail),
      M.el('td', {}, M.el('button', {type: 'button', onclick: () => act('alarm.clear', {alarm: a.alarm}, `Alarm ${a.alarm} cleared`)}, 'Clear')))));
}

document.getElementById('standup').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const exercise = document.querySelector('input[name="mode"]:checked').value === 'exercise';
  if (!exercise && !confirm('Stand up a LIVE incident? Every agency will be paged for real.')) return;
  act('incident.standup', {plan: document.getElementById('plan').value,
    level: Number(document.getElementById('level').value), exercise,
    operation: document.getElementById('operation').value.trim()}, (r) => `${r.ref} stood up`);
});

M.init().then(async (me) => {
  if (!me) return;
  try {
    const plans = await M.call('plan.list', {});
    document.getElementById('plan').replaceChildren(...plans.plans.map((p) => M.el('option', {value: p.id}, p.name)));
    await refresh();
  } catch (e) {
    M.say(e.message, true);
  }
  setInterval(() => refresh().catch(() => M.say('Cannot reach muster: retrying', true)), 10000);
});
