// clients/web/static/login.js - signs in, then goes to the role's page.
'use strict';

document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const status = document.getElementById('status');
  status.textContent = 'Signing in...';
  const r = await fetch('/api/login', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({user: document.getElementById('user').value.trim(),
      password: document.getElementById('password').value}),
  });
  const j = await r.json().catch(() => ({}));
  if (r.ok) { location.href = j.home; return; }
  status.className = 'status bad';
  status.textContent = r.status === 429 ? 'Too many failed attempts: try again later.'
    : 'Wrong user name or password.';
});
