// clients/web/static/contact.js - contact attempts, shared by the Hub and
// the agency desk: the form to record one (person.contact: the outcomes,
// and for a letter or e-mail sent what kind it was and to which kind of
// address, offered by channel), and a person's history as musterd shows
// it to the signed-in principal (person.show: the safe-contact
// instructions and every attempt with who made it and its outcome;
// nothing else of the record).
'use strict';

const Contact = {
  OUTCOMES: {phone: ['no_answer', 'contacted', 'declined'], visit: ['no_answer', 'contacted', 'declined'],
    sms: ['sent', 'contacted', 'declined'], email: ['sent', 'contacted', 'declined'], letter: ['sent']},
  KINDS: ['introduction', 'appointment', 'information', 'referral', 'rescreen', 'other'],
  TO: {letter: ['home', 'safe', 'care_of', 'work', 'other'], email: ['personal', 'work', 'safe', 'other']},

  options(sel, values) {
    sel.replaceChildren(...values.map((v) => M.el('option', {value: v}, v.replace('_', ' '))));
  },

  // The fields and the Record button for person id; record(args) sends
  // them (person.contact's arguments).
  form(id, record) {
    const label = (what) => `${what} for person ${id}`;
    const ch = M.el('select', {'aria-label': label('Channel')});
    const out = M.el('select', {'aria-label': label('Outcome')});
    const kind = M.el('select', {'aria-label': label('What was sent')});
    const to = M.el('select', {'aria-label': label('Sent to')});
    const note = M.el('input', {'aria-label': label('Note'), maxlength: 2000, placeholder: 'note', size: 12});
    Contact.options(ch, Object.keys(Contact.OUTCOMES));
    Contact.options(kind, Contact.KINDS);
    const sync = () => {
      const sent = out.value === 'sent' && Boolean(Contact.TO[ch.value]);
      kind.hidden = to.hidden = !sent;
      note.hidden = sent; // the content of a letter or e-mail is never recorded
      if (sent) Contact.options(to, Contact.TO[ch.value]);
    };
    ch.addEventListener('change', () => { Contact.options(out, Contact.OUTCOMES[ch.value]); sync(); });
    out.addEventListener('change', sync);
    Contact.options(out, Contact.OUTCOMES.phone);
    sync();
    const go = M.el('button', {type: 'button', onclick: () => {
      const args = {person: id, channel: ch.value, outcome: out.value};
      if (!kind.hidden) Object.assign(args, {kind: kind.value, to: to.value});
      if (!note.hidden && note.value.trim()) args.note = note.value.trim();
      record(args);
    }}, 'Record');
    return [ch, out, kind, to, note, go];
  },

  safeLine(sc) {
    if (!sc) return 'No safe-contact instructions.';
    const parts = [];
    if (sc.channels && sc.channels.length) parts.push(`only by ${sc.channels.join(', ')}`);
    for (const [c, why] of Object.entries(sc.do_not || {})) parts.push(`never by ${c} (${why})`);
    if (sc.hours) parts.push(`between ${sc.hours.from} and ${sc.hours.to}`);
    if (sc.safe_number) parts.push(`safe number ${sc.safe_number}`);
    if (sc.note) parts.push(sc.note);
    return `Safe contact: ${parts.join('; ') || 'as registered'}.`;
  },

  // Person id's safe-contact instructions and attempts, as an element.
  async history(id) {
    const p = await M.call('person.show', {person: id});
    const rows = p.contacts.map((c) => M.el('tr', {'data-outcome': c.outcome},
      M.el('td', {}, M.time(c.at)), M.el('td', {}, c.by), M.el('td', {}, c.channel || '-'),
      M.el('td', {}, c.outcome.replace('_', ' ')),
      M.el('td', {}, c.kind ? `${c.kind} to ${c.to} address` : (c.note || ''))));
    return M.el('div', {class: 'contacts'},
      M.el('p', {class: 'safe'}, Contact.safeLine(p.safe_contact)),
      rows.length ? M.el('table', {},
        M.el('caption', {class: 'sr'}, `Contact attempts for person ${id}`),
        M.el('thead', {}, M.el('tr', {}, ['When', 'By', 'Channel', 'Outcome', 'Note'].map((h) =>
          M.el('th', {scope: 'col'}, h)))),
        M.el('tbody', {}, rows)) : M.el('p', {}, 'No contact attempt yet.'));
  },
};
