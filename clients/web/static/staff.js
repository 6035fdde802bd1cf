// clients/web/static/staff.js - the pledge form shared by the desk and the
// Hub: a role, how many staff, and the shifts they cover, as a grid of
// checkboxes from staffing.show.
'use strict';

const Staff = {
  // Fill el with the form for incident's staffing; returns a function
  // giving the pledge object, or null when none was asked for.
  form(el, staffing, prefix, withAgency) {
    const roles = M.el('select', {id: `${prefix}-role`}, M.el('option', {value: ''}, '- no pledge -'),
      staffing.roles.map((r) => M.el('option', {value: r.id}, r.name)));
    const count = M.el('input', {id: `${prefix}-count`, type: 'number', min: 1, max: 1000, value: 1});
    const agency = withAgency ? M.el('input', {id: `${prefix}-agency`, autocapitalize: 'none'}) : null;
    const open = staffing.shifts.filter((s) => s.ends_at > Date.now());
    const boxes = open.map((s) => M.el('label', {class: 'shift'},
      M.el('input', {type: 'checkbox', value: s.key, name: `${prefix}-shift`}),
      ` ${s.name} ${M.time(s.starts_at)}`));
    el.replaceChildren(...[
      withAgency ? M.el('label', {for: `${prefix}-agency`}, 'Agency id') : null, agency,
      M.el('label', {for: `${prefix}-role`}, 'Role'), roles,
      M.el('label', {for: `${prefix}-count`}, 'Staff'), count,
      M.el('div', {class: 'shifts', role: 'group', 'aria-label': 'Shifts'}, boxes)].filter(Boolean));
    return () => {
      if (!roles.value) return null;
      const p = {role: roles.value, count: Number(count.value),
        shifts: [...el.querySelectorAll(`input[name="${prefix}-shift"]:checked`)].map((b) => b.value)};
      if (agency) p.agency = agency.value.trim();
      return p;
    };
  },
};
