// clients/web/static/desk.js - an agency's desk: what musterd shows this
// agency (its own page, its pledges, the persons referred to it with their
// contact attempts and outcomes) and the acts it may take on them.
'use strict';

const D = {ref: null, staffing: null, ackPledge: null, offerPledge: null, persons: null, open: new Set(),
  history: new Map()};

async function loadIncidents() {
  const r = await M.call('incident.list', {state: 'active'});
  const sel = document.getElementById('incident');
  sel.replaceChildren(...r.incidents.map((i) => M.el('option', {value: i.ref}, `${i.ref} ${i.operation}`)));
  D.ref = r.incidents.length ? r.incidents[0].ref : null;
  if (!D.ref) M.say('No active incident.');
  return D.ref;
}

function renderPage(inc) {
  const p = inc.pages[0];
  M.exercise(inc.exercise);
  if (!p) { M.fill('page', 'Your agency was not paged for this incident.'); return; }
  M.fill('page', M.el('dl', {class: 'page', 'data-state': p.state},
    M.el('dt', {}, 'Incident'), M.el('dd', {}, `${inc.ref} ${inc.operation} (level ${inc.level})`),
    M.el('dt', {}, 'State'), M.el('dd', {id: 'page-state'}, p.state),
    M.el('dt', {}, 'Acknowledged'), M.el('dd', {}, p.acknowledged_by ? `${p.acknowledged_by} ${M.time(p.acknowledged_at)}` : 'not yet'),
    p.ack_code ? [M.el('dt', {}, 'Code'), M.el('dd', {}, p.ack_code)] : null));
  document.getElementById('ack').hidden = p.state !== 'paging' && p.state !== 'unreachable';
}

function renderPledges(list) {
  document.querySelector('#pledges tbody').replaceChildren(...list.pledges.map((p) =>
    M.el('tr', {'data-pledge': p.id}, M.el('td', {}, p.role), M.el('td', {}, p.count),
      M.el('td', {}, p.shifts.join(', ')), M.el('td', {}, p.state),
      M.el('td', {}, p.state === 'offered' || p.state === 'accepted'
        ? M.el('button', {type: 'button', onclick: () => act('pledge.withdraw', {id: p.id}, 'Pledge withdrawn')}, 'Withdraw') : ''))));
}

// A person's contact attempts, below their row while opened (each
// opening, and each refresh while open, is an audited person.show).
function historyRow(p) {
  if (!D.open.has(p.person)) return null;
  const td = M.el('td', {colspan: 6, 'data-history': p.person}, D.history.get(p.person) || 'Loading...');
  Contact.history(p.person).then((h) => { D.history.set(p.person, h); td.replaceChildren(h); })
    .catch((e) => td.replaceChildren(`Cannot show the attempts: ${e.message}`));
  return M.el('tr', {class: 'history'}, td);
}

function toggle(id) {
  if (D.open.has(id)) D.open.delete(id); else D.open.add(id);
  D.history.delete(id);
  renderPersons(D.persons);
}

function renderPersons(list) {
  D.persons = list;
  document.querySelector('#persons tbody').replaceChildren(...list.persons.flatMap((p) => [
    M.el('tr', {'data-person': p.person}, M.el('td', {}, p.person), M.el('td', {class: 'name'}, p.name ?? '-'),
      M.el('td', {}, p.category), M.el('td', {}, `${p.pathway ?? '-'} (${p.referral ?? '-'})`),
      M.el('td', {}, M.el('span', {class: 'state'}, p.contact_state.replaceAll('_', ' ')), ' ',
        M.el('button', {type: 'button', class: 'link', 'aria-expanded': D.open.has(p.person) ? 'true' : 'false',
          onclick: () => toggle(p.person)}, 'Attempts')),
      M.el('td', {}, Contact.form(p.person, (args) => act('person.contact', args,
        `Contact with person ${p.person} recorded`)))),
    historyRow(p)].filter(Boolean)));
}

async function refresh() {
  if (!D.ref) return;
  const [inc, staffing, pledges, persons] = await Promise.all([
    M.call('incident.show', {ref: D.ref}), M.call('staffing.show', {incident: D.ref}),
    M.call('pledge.list', {incident: D.ref}), M.call('person.list', {incident: D.ref})]);
  renderPage(inc);
  if (!D.staffing) {
    D.ackPledge = Staff.form(document.getElementById('ack-pledge'), staffing, 'ack', false);
    D.offerPledge = Staff.form(document.getElementById('offer-pledge'), staffing, 'offer', false);
  }
  D.staffing = staffing;
  renderPledges(pledges);
  renderPersons(persons);
}

async function act(cmd, args, done) {
  try {
    await M.call(cmd, args);
    M.say(done);
  } catch (e) {
    M.say(`Refused: ${e.message}`, true);
  }
  await refresh().catch((e) => M.say(e.message, true));
}

document.getElementById('ack').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const args = {incident: D.ref};
  const note = document.getElementById('ack-note').value.trim();
  if (note) args.note = note;
  const pledge = D.ackPledge && D.ackPledge();
  if (pledge) args.pledge = pledge;
  act('agency.ack', args, 'Acknowledged');
});

document.getElementById('offer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const pledge = D.offerPledge && D.offerPledge();
  if (!pledge) { M.say('Choose a role to offer staff.', true); return; }
  act('pledge.offer', {incident: D.ref, ...pledge}, 'Staff offered');
});

document.getElementById('incident').addEventListener('change', (ev) => {
  D.ref = ev.target.value;
  D.staffing = null;
  refresh().catch((e) => M.say(e.message, true));
});

M.init().then(async (me) => {
  if (!me) return;
  try {
    if (await loadIncidents()) await refresh();
  } catch (e) {
    M.say(e.message, true);
  }
  setInterval(() => refresh().catch(() => M.say('Cannot reach muster: retrying', true)), 15000);
});
