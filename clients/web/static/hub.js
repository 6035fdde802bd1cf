// clients/web/static/hub.js - the Hub's desk: pledges (accept, decline,
// arrive), a relayed acknowledgement code (page.ack), finding a person and
// recording a contact.  Intake accounts see the persons part only.
'use strict';

const H = {ref: null, persons: []};

async function act(cmd, args, done) {
  try {
    await M.call(cmd, args);
    M.say(done);
  } catch (e) {
    M.say(`Refused: ${e.message}`, true);
  }
  await refresh().catch((e) => M.say(e.message, true));
}

function pledgeButtons(p) {
  const b = (label, cmd) => M.el('button', {type: 'button', onclick: () => act(cmd, {id: p.id}, `Pledge ${p.id}: ${label.toLowerCase()}`)}, label);
  if (p.state === 'offered') return [b('Accept', 'pledge.accept'), b('Decline', 'pledge.decline')];
  if (p.state === 'accepted') return [b('Arrived', 'pledge.arrive')];
  return [];
}

function renderPledges(list) {
  document.querySelector('#pledges tbody').replaceChildren(...list.pledges.map((p) =>
    M.el('tr', {'data-pledge': p.id}, M.el('td', {}, p.id), M.el('td', {}, p.agency), M.el('td', {}, p.role),
      M.el('td', {}, p.count), M.el('td', {}, p.shifts.join(', ')), M.el('td', {}, p.state),
      M.el('td', {}, pledgeButtons(p)))));
}

function contactCell(p) {
  return M.el('td', {}, Contact.form(p.person, (args) => act('person.contact', args,
    `Contact with person ${p.person} recorded`)));
}

function renderPersons() {
  const q = document.getElementById('find-q').value.trim().toLowerCase();
  const hits = H.persons.filter((p) => !q || String(p.person) === q || (p.name || '').toLowerCase().includes(q));
  document.querySelector('#persons tbody').replaceChildren(...hits.slice(0, 200).map((p) =>
    M.el('tr', {'data-person': p.person}, M.el('td', {}, p.person), M.el('td', {class: 'name'}, p.name ?? '-'),
      M.el('td', {}, p.category), M.el('td', {}, `${p.pathway ?? '-'} (${p.referral ?? '-'})`),
      M.el('td', {}, p.contact_state), contactCell(p))));
}

async function refresh() {
  if (!H.ref) return;
  const duty = M.me.principal === 'duty';
  const [inc, pledges, persons] = await Promise.all([M.call('incident.show', {ref: H.ref}),
    duty ? M.call('pledge.list', {incident: H.ref}) : null, M.call('person.list', {incident: H.ref})]);
  M.exercise(inc.exercise);
  if (pledges) renderPledges(pledges);
  H.persons = persons.persons;
  renderPersons();
}

document.getElementById('relay').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const args = {code: document.getElementById('relay-code').value.trim().toUpperCase(),
    via: document.getElementById('relay-via').value};
  const note = document.getElementById('relay-note').value.trim();
  if (note) args.note = note;
  act('page.ack', args, 'Code relayed: page acknowledged');
});

document.getElementById('find').addEventListener('submit', (ev) => { ev.preventDefault(); renderPersons(); });

document.getElementById('incident').addEventListener('change', (ev) => {
  H.ref = ev.target.value;
  refresh().catch((e) => M.say(e.message, true));
});

M.init().then(async (me) => {
  if (!me) return;
  const duty = me.principal === 'duty';
  for (const id of ['pledge-section', 'relay-section', 'board-link']) document.getElementById(id).hidden = !duty;
  try {
    const r = await M.call('incident.list', {state: 'active'});
    document.getElementById('incident').replaceChildren(...r.incidents.map((i) => M.el('option', {value: i.ref}, `${i.ref} ${i.operation}`)));
    H.ref = r.incidents.length ? r.incidents[0].ref : null;
    if (H.ref) await refresh(); else M.say('No active incident.');
  } catch (e) {
    M.say(e.message, true);
  }
  setInterval(() => refresh().catch(() => M.say('Cannot reach muster: retrying', true)), 15000);
});
