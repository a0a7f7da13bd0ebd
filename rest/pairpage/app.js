// The pairing page of wauser's REST handler: plain JavaScript, no build
// step. Every address is relative to the page (.../pair), so the page works
// under any prefix the handler is mounted at.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  const stateLabels = {
    unpaired: 'not linked',
    pairing: 'linking',
    connecting: 'connecting',
    connected: 'connected',
    reconnecting: 'reconnecting',
    logged_out: 'logged out',
    stream_replaced: 'replaced by another client',
    banned: 'temporarily banned',
    outdated: 'client outdated',
  };
  const stateLabel = (s) => stateLabels[s] || s;

  let selected = '';   // the account shown in the pairing panel
  let stream = null;   // its EventSource
  let accounts = [];

  // api calls the page's JSON routes and throws an Error with the server's
  // message on failure.
  async function api(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    let data = null;
    try {
      data = await resp.json();
    } catch (_) {
      // not JSON: keep null
    }
    if (!resp.ok) {
      throw new Error((data && data.error) || `the server answered ${resp.status}`);
    }
    return data;
  }

  const accountPath = (id) => 'pair/accounts/' + encodeURIComponent(id);

  async function loadAccounts() {
    try {
      accounts = await api('GET', 'pair/accounts');
      $('accounts-error').hidden = true;
    } catch (err) {
      $('accounts-error').textContent = 'Could not load the accounts: ' + err.message;
      $('accounts-error').hidden = false;
      return;
    }
    renderAccounts();
  }

  function renderAccounts() {
    const list = $('account-list');
    list.replaceChildren();
    $('accounts-empty').hidden = accounts.length > 0;
    for (const a of accounts) {
      const li = document.createElement('li');
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.dataset.account = a.id;
      if (a.id === selected) btn.setAttribute('aria-current', 'true');
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = a.id;
      const state = document.createElement('span');
      state.className = 'state' + (a.state === 'connected' ? ' connected' : '');
      state.textContent = a.state === 'connected' && a.phone ? `connected, ${a.phone}` : stateLabel(a.state);
      btn.append(name, state);
      btn.addEventListener('click', () => select(a.id, false));
      li.append(btn);
      list.append(li);
    }
  }

  // select shows account id in the pairing panel and follows its state.
  function select(id, startQR) {
    selected = id;
    renderAccounts();
    $('pairing').hidden = false;
    $('pairing-account').textContent = id;
    $('status').textContent = 'Loading…';
    for (const el of ['connected', 'link', 'qr-figure', 'code-panel']) $(el).hidden = true;
    $('qr-panel').hidden = false;
    $('qr').removeAttribute('src');
    $('phone-error').textContent = '';
    $('pairing-title').focus();
    follow(id);
    if (startQR) showQR();
  }

  // follow opens the account's event stream: one view at once, then one
  // per change (each new QR code, the phone code, the state).
  function follow(id) {
    if (stream) stream.close();
    const es = new EventSource(accountPath(id) + '/events');
    stream = es;
    es.addEventListener('status', (e) => {
      if (stream === es) render(JSON.parse(e.data));
    });
    es.addEventListener('removed', () => {
      es.close();
      if (stream !== es) return;
      stream = null;
      $('status').textContent = 'This account was removed.';
      $('link').hidden = true;
      loadAccounts();
    });
    es.addEventListener('error', () => {
      if (stream === es && es.readyState === EventSource.CLOSED) {
        $('status').textContent = 'Lost the connection to the server: reload the page.';
      }
    });
  }

  function render(v) {
    if (v.account !== selected) return;
    const known = accounts.find((a) => a.id === v.account);
    if (known && (known.state !== v.state || known.phone !== v.phone)) {
      known.state = v.state;
      known.phone = v.phone;
      renderAccounts();
    }
    const status = $('status');
    const link = $('link');
    const qrFigure = $('qr-figure');
    const codePanel = $('code-panel');
    $('connected').hidden = true;

    switch (v.state) {
      case 'connected': {
        link.hidden = true;
        $('connected-as').textContent = v.phone + (v.push_name ? ` (${v.push_name})` : '');
        $('connected').hidden = false;
        status.textContent = 'Linked and connected.';
        if (stream) {
          stream.close();
          stream = null;
        }
        loadAccounts();
        return;
      }
      case 'pairing': {
        link.hidden = false;
        $('qr-start').hidden = true;
        if (v.image) {
          const img = $('qr');
          if (img.getAttribute('src') !== v.image) img.src = v.image;
          img.alt = `QR code to link account ${v.account} with WhatsApp`;
        }
        if (v.pairing === 'code' && v.code) {
          // Linking by phone number: the code replaces the QR code.
          $('code').textContent = v.code;
          codePanel.hidden = false;
          $('qr-panel').hidden = true;
          status.textContent = 'Enter the code on the phone.';
        } else if (v.pairing === 'qr' && v.image) {
          codePanel.hidden = true;
          $('qr-panel').hidden = false;
          qrFigure.hidden = false;
          status.textContent = 'Scan the QR code with WhatsApp on the phone.';
        } else {
          status.textContent = 'Asking WhatsApp for a code…';
        }
        return;
      }
      case 'unpaired':
      case 'logged_out': {
        link.hidden = false;
        $('qr-panel').hidden = false;
        qrFigure.hidden = true;
        codePanel.hidden = true;
        const start = $('qr-start');
        start.hidden = false;
        start.disabled = false;
        if (v.error) {
          status.textContent = `Linking stopped: ${v.error}. Start again.`;
        } else if (v.state === 'logged_out') {
          status.textContent = 'The phone unlinked this account: link it again.';
        } else {
          status.textContent = 'Not linked yet.';
        }
        return;
      }
      default: {
        // connecting, reconnecting and the end states: linked already.
        link.hidden = true;
        const who = v.phone ? ` as ${v.phone}` : '';
        status.textContent = `Linked${who}; ${stateLabel(v.state)}` + (v.error ? `: ${v.error}` : '.');
      }
    }
  }

  async function showQR() {
    const id = selected;
    const btn = $('qr-start');
    btn.disabled = true;
    $('status').textContent = 'Asking WhatsApp for a QR code…';
    try {
      const v = await api('POST', accountPath(id) + '/qr');
      render(v);
    } catch (err) {
      if (id === selected) $('status').textContent = 'Could not start linking: ' + err.message;
    } finally {
      btn.disabled = false;
    }
  }

  async function requestCode(event) {
    event.preventDefault();
    const id = selected;
    const input = $('phone');
    const error = $('phone-error');
    const btn = event.target.querySelector('button');
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    btn.disabled = true;
    try {
      const v = await api('POST', accountPath(id) + '/phone', { phone: input.value });
      render(v);
    } catch (err) {
      if (id === selected) {
        error.textContent = err.message;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    } finally {
      btn.disabled = false;
    }
  }

  async function createAccount(event) {
    event.preventDefault();
    const input = $('new-id');
    const error = $('create-error');
    const btn = event.target.querySelector('button');
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    btn.disabled = true;
    try {
      const acc = await api('POST', 'pair/accounts', { id: input.value.trim() });
      input.value = '';
      await loadAccounts();
      select(acc.id, true);
    } catch (err) {
      error.textContent = err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } finally {
      btn.disabled = false;
    }
  }

  $('create-form').addEventListener('submit', createAccount);
  $('phone-form').addEventListener('submit', requestCode);
  $('qr-start').addEventListener('click', showQR);
  loadAccounts();
})();
