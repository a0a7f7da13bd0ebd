// The console of wauser's REST handler (the pairing page, grown): plain
// JavaScript, no build step, no external assets.
//
// Addresses: every request goes to an absolute address built from the
// page's origin and path (location.origin + location.pathname), relative
// to the page (.../pair), so that the console works under any prefix the
// handler is mounted at, and also when the page was opened with the admin
// credentials in its address (user:password@host/pair): browsers refuse
// fetch() and EventSource for addresses with credentials in them, which
// relative addresses resolved against such a page would carry.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const pageBase = location.origin + location.pathname;
  const url = (path) => new URL(path, pageBase).href;
  const demo = document.documentElement.dataset.demo === 'true';

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
    held_elsewhere: 'connected by another server',
  };
  const stateLabel = (s) => stateLabels[s] || s;

  // asSentence makes a message a sentence: a capital first letter and a
  // final period.
  function asSentence(s) {
    s = String(s || '').trim();
    if (!s) return '';
    s = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?…]$/.test(s) ? s : s + '.';
  }

  // api calls the console's JSON routes and throws an Error whose message
  // is a sentence for people.
  async function api(method, path, body, contentType) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      if (contentType) {
        init.headers['Content-Type'] = contentType;
        init.body = body;
      } else {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let resp;
    try {
      resp = await fetch(url(path), init);
    } catch (_) {
      throw new Error('The server did not answer: check that it is running and that this computer can reach it.');
    }
    let data = null;
    try {
      data = await resp.json();
    } catch (_) {
      // not JSON: keep null
    }
    if (!resp.ok) {
      // 502 and 503 answers say what went wrong with WhatsApp, for people;
      // a 500's text is generic: the server's log has the cause.
      let msg = data && data.error;
      if (!msg || resp.status === 500) {
        msg = resp.status === 503
          ? 'The server is busy right now: try again in a moment'
          : `Something went wrong on the server (${resp.status}); its log says what`;
      }
      if (resp.status === 401 || resp.status === 403) {
        msg = 'The server refused the request: ' + (msg || 'sign in with the admin credentials again');
      }
      throw new Error(asSentence(msg));
    }
    return data;
  }

  // --- state shared by the views ---

  let accounts = [];        // the accounts, as GET pair/accounts lists them
  let selected = '';        // the account shown in the pairing panel
  let current = '';         // the account of the conversations and webhooks views
  let stream = null;        // the pairing panel's EventSource
  let changes = null;       // the conversations' EventSource
  let view = 'accounts';

  const accountPath = (id) => 'pair/accounts/' + encodeURIComponent(id);

  // --- views ---

  const views = ['accounts', 'conversations', 'webhooks', 'keys'];

  function showView(name) {
    if (!views.includes(name)) name = 'accounts';
    view = name;
    for (const v of views) $('view-' + v).hidden = v !== name;
    for (const a of document.querySelectorAll('nav a[data-view]')) {
      if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = $('view-' + name).dataset.title + ' · wauser console';
    $('picker').hidden = name === 'accounts' || name === 'keys' && accounts.length === 0;
    if (name === 'conversations') openConversations();
    if (name === 'webhooks') loadWebhooks();
    if (name === 'keys') loadKeys();
    if (name !== 'conversations') closeChanges();
  }

  window.addEventListener('hashchange', () => showView(location.hash.slice(1)));

  // --- accounts ---

  async function loadAccounts() {
    try {
      accounts = await api('GET', 'pair/accounts');
      $('accounts-error').hidden = true;
    } catch (err) {
      $('accounts-error').textContent = 'Could not load the accounts. ' + err.message;
      $('accounts-error').hidden = false;
      return;
    }
    renderAccounts();
    renderPicker();
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
      if (a.error && a.state !== 'connected') {
        const why = document.createElement('span');
        why.className = 'why';
        why.textContent = a.error;
        btn.append(why);
      }
      btn.addEventListener('click', () => select(a.id, false));
      li.append(btn);
      list.append(li);
    }
  }

  // renderPicker fills the account picker of the other views.
  function renderPicker() {
    const pick = $('account-picker');
    const ids = accounts.map((a) => a.id);
    if (!ids.includes(current)) {
      const linked = accounts.find((a) => a.state === 'connected');
      current = linked ? linked.id : (ids[0] || '');
    }
    pick.replaceChildren();
    for (const a of accounts) {
      const o = document.createElement('option');
      o.value = a.id;
      o.textContent = `${a.id} (${stateLabel(a.state)})`;
      pick.append(o);
    }
    pick.value = current;
    $('key-one-name').textContent = current ? `account ${current}` : 'the chosen account';
    $('key-one').disabled = !current;
  }

  $('account-picker').addEventListener('change', (e) => {
    current = e.target.value;
    renderPicker();
    if (view === 'conversations') openConversations();
    if (view === 'webhooks') loadWebhooks();
  });

  // select shows account id in the pairing panel and follows its state.
  function select(id, startQR) {
    selected = id;
    renderAccounts();
    $('pairing').hidden = false;
    $('pairing-account').textContent = id;
    $('status').textContent = 'Loading…';
    for (const el of ['connected', 'link', 'qr-figure', 'code-panel', 'unlink-panel', 'simulate-panel']) $(el).hidden = true;
    $('unlink-confirm').hidden = true;
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
    const es = new EventSource(url(accountPath(id) + '/events'));
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
    if (known && (known.state !== v.state || known.phone !== v.phone || known.error !== v.error)) {
      known.state = v.state;
      known.phone = v.phone;
      known.error = v.error;
      renderAccounts();
      renderPicker();
    }
    const status = $('status');
    const link = $('link');
    const qrFigure = $('qr-figure');
    const codePanel = $('code-panel');
    $('connected').hidden = true;
    $('unlink-panel').hidden = true;
    $('simulate-panel').hidden = true;

    switch (v.state) {
      case 'connected': {
        link.hidden = true;
        $('connected-as').textContent = v.phone + (v.push_name ? ` (${v.push_name})` : '');
        $('connected').hidden = false;
        $('unlink-panel').hidden = false;
        status.textContent = 'Linked and connected.';
        // The server ends the stream here: closed, it does not reconnect.
        if (stream) {
          stream.close();
          stream = null;
        }
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
          $('simulate-panel').hidden = !demo;
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
        $('simulate-panel').hidden = !demo;
        if (v.error) {
          status.textContent = `Not linked. ${v.error}`;
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
        $('unlink-panel').hidden = false;
        const who = v.phone ? ` as ${v.phone}` : '';
        status.textContent = `Linked${who}, ${stateLabel(v.state)}.` + (v.error ? ` ${v.error}` : '');
      }
    }
  }

  // failed shows an action's error in the pairing panel's status line and,
  // when given, under the form's field, so that both say the same.
  function failed(err, field, errorEl) {
    $('status').textContent = err.message;
    if (errorEl) errorEl.textContent = err.message;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  async function showQR() {
    const id = selected;
    const btn = $('qr-start');
    btn.disabled = true;
    $('status').textContent = 'Asking WhatsApp for a QR code…';
    try {
      render(await api('POST', accountPath(id) + '/qr'));
    } catch (err) {
      if (id === selected) failed(new Error('Could not start linking. ' + err.message));
    } finally {
      btn.disabled = false;
    }
  }

  async function simulateScan() {
    const id = selected;
    const btn = $('simulate');
    btn.disabled = true;
    $('status').textContent = 'The simulated phone scans the code…';
    try {
      render(await api('POST', accountPath(id) + '/simulated-scan'));
    } catch (err) {
      if (id === selected) failed(err);
    } finally {
      btn.disabled = false;
    }
  }

  async function unlink() {
    const id = selected;
    $('unlink-confirm').hidden = true;
    $('status').textContent = 'Unlinking…';
    try {
      render(await api('POST', accountPath(id) + '/unlink'));
      await loadAccounts();
    } catch (err) {
      if (id === selected) failed(err);
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
      render(await api('POST', accountPath(id) + '/phone', { phone: input.value }));
    } catch (err) {
      if (id === selected) failed(err, input, error);
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

  // --- conversations ---

  let conversations = [];   // of the current account, newest first
  let openConv = null;      // the conversation shown
  let messages = [];        // its messages, oldest first
  let convLoaded = '';      // the account whose conversations are loaded

  const when = (t) => {
    if (!t) return '';
    const d = new Date(t);
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString();
  };

  function convStatus(text) {
    $('conv-status').textContent = text;
  }

  function noAccount(statusEl) {
    if (current) return false;
    statusEl.textContent = 'No account yet: create one under Accounts.';
    return true;
  }

  // openConversations follows the account's changes, then loads the lists:
  // what changes meanwhile comes on the stream.
  function openConversations() {
    if (noAccount($('conv-status'))) return;
    const id = current;
    if (changes && convLoaded === id) return;
    closeChanges();
    convLoaded = id;
    conversations = [];
    openConv = null;
    messages = [];
    renderConversations();
    renderThread();
    convStatus('Loading the conversations…');
    const es = new EventSource(url(accountPath(id) + '/changes'));
    changes = es;
    es.addEventListener('ready', async () => {
      if (changes !== es) return;
      try {
        conversations = await api('GET', accountPath(id) + '/conversations');
        if (changes !== es) return;
        renderConversations();
        const acc = accounts.find((a) => a.id === id);
        const live = acc && acc.state === 'connected' ? 'Live: new messages appear as they arrive.'
          : `The account is ${stateLabel(acc ? acc.state : '')}: stored conversations are shown, and new ones appear once it is connected.`;
        convStatus(live);
      } catch (err) {
        convStatus('Could not load the conversations. ' + err.message);
      }
    });
    es.addEventListener('conversation', (e) => {
      if (changes === es) upsertConversation(JSON.parse(e.data));
    });
    es.addEventListener('message', (e) => {
      if (changes === es) upsertMessage(JSON.parse(e.data));
    });
    es.addEventListener('contact', () => {
      if (changes === es) refreshConversations(id);
    });
    es.addEventListener('error', () => {
      if (changes === es && es.readyState === EventSource.CLOSED) {
        convStatus('Lost the connection to the server: reload the page.');
      }
    });
  }

  function closeChanges() {
    if (changes) changes.close();
    changes = null;
    convLoaded = '';
  }

  let refreshTimer = 0;
  function refreshConversations(id) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      try {
        const list = await api('GET', accountPath(id) + '/conversations');
        if (convLoaded === id) {
          conversations = list;
          renderConversations();
        }
      } catch (_) {
        // the next change tries again
      }
    }, 300);
  }

  function upsertConversation(c) {
    const i = conversations.findIndex((x) => x.id === c.id);
    if (i >= 0) conversations[i] = c;
    else conversations.push(c);
    conversations.sort((a, b) => String(b.last_message_at || '').localeCompare(String(a.last_message_at || '')));
    renderConversations();
    if (openConv && openConv.id === c.id) {
      openConv = c;
      $('thread-title').textContent = c.title;
    }
  }

  function upsertMessage(m) {
    if (!openConv || m.conversation_id !== openConv.id) return;
    const i = messages.findIndex((x) => x.id === m.id);
    if (i >= 0) messages[i] = m;
    else messages.push(m);
    messages.sort((a, b) => String(a.at || '').localeCompare(String(b.at || '')));
    renderThread();
  }

  function renderConversations() {
    const list = $('conv-list');
    list.replaceChildren();
    $('conv-empty').hidden = conversations.length > 0 || convLoaded === '';
    for (const c of conversations) {
      const li = document.createElement('li');
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.dataset.conversation = c.id;
      if (openConv && openConv.id === c.id) btn.setAttribute('aria-current', 'true');
      const title = document.createElement('span');
      title.className = 'name';
      title.textContent = c.title;
      const meta = document.createElement('span');
      meta.className = 'state';
      const parts = [];
      if (c.kind === 'group') parts.push(`group of ${c.members}`);
      if (c.last_message_at) parts.push(when(c.last_message_at));
      if (c.unread_count > 0) parts.push(`${c.unread_count} unread`);
      meta.textContent = parts.join(' · ');
      btn.append(title, meta);
      btn.addEventListener('click', () => openConversation(c));
      li.append(btn);
      list.append(li);
    }
  }

  async function openConversation(c) {
    const id = current;
    openConv = c;
    messages = [];
    $('send-to').value = c.to;
    $('thread-title').textContent = c.title;
    renderConversations();
    renderThread();
    try {
      const list = await api('GET', accountPath(id) + '/conversations/' + encodeURIComponent(c.id) + '/messages');
      if (!openConv || openConv.id !== c.id || id !== current) return;
      // Keep what the stream brought meanwhile.
      const seen = new Set(list.map((m) => m.id));
      messages = list.concat(messages.filter((m) => !seen.has(m.id)));
      renderThread();
    } catch (err) {
      convStatus('Could not load the messages. ' + err.message);
    }
  }

  const statusLabels = {
    pending: 'sending', sent: 'sent', delivered: 'delivered', read: 'read', played: 'played', failed: 'not sent',
  };

  function renderThread() {
    const list = $('messages');
    list.replaceChildren();
    if (!openConv) {
      $('thread-title').textContent = 'New message';
      return;
    }
    for (const m of messages) {
      const li = document.createElement('li');
      li.className = 'msg' + (m.from_me ? ' mine' : '') + (m.deleted ? ' deleted' : '');
      li.dataset.message = m.id;
      const head = document.createElement('p');
      head.className = 'meta';
      head.textContent = `${m.sender} · ${when(m.at)}` + (m.edited ? ' · edited' : '');
      li.append(head);
      if (m.image) {
        const img = document.createElement('img');
        img.src = url(accountPath(current) + '/media/' + encodeURIComponent(m.id));
        img.alt = m.body ? `Picture: ${m.body}` : `Picture from ${m.sender}`;
        img.loading = 'lazy';
        img.className = 'picture';
        li.append(img);
      } else if (m.media) {
        const a = document.createElement('a');
        a.href = url(accountPath(current) + '/media/' + encodeURIComponent(m.id));
        a.textContent = `Download the ${m.type} (${m.media})`;
        li.append(a);
      }
      const body = document.createElement('p');
      body.className = 'body';
      if (m.deleted) body.textContent = 'This message was deleted.';
      else if (m.body) body.textContent = m.body;
      else if (!m.image && !m.media) body.textContent = `[${m.type}]`;
      if (body.textContent) li.append(body);
      if (m.reactions.length > 0) {
        const r = document.createElement('p');
        r.className = 'reactions';
        r.textContent = m.reactions.join(' ');
        r.setAttribute('aria-label', 'Reactions: ' + m.reactions.join(' '));
        li.append(r);
      }
      if (m.from_me && statusLabels[m.status]) {
        const s = document.createElement('p');
        s.className = 'delivery' + (m.status === 'failed' ? ' error' : '');
        s.textContent = statusLabels[m.status] + (m.error ? `: ${m.error}` : '');
        li.append(s);
      }
      list.append(li);
    }
    list.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }

  async function sendMessage(event) {
    event.preventDefault();
    const id = current;
    const to = $('send-to');
    const text = $('send-text');
    const file = $('send-image');
    const error = $('send-error');
    const btn = event.target.querySelector('button');
    error.textContent = '';
    to.removeAttribute('aria-invalid');
    if (noAccount($('conv-status'))) return;
    btn.disabled = true;
    convStatus('Sending…');
    try {
      let m;
      if (file.files.length > 0) {
        const f = file.files[0];
        const q = new URLSearchParams({ to: to.value.trim(), caption: text.value });
        m = await api('POST', accountPath(id) + '/images?' + q, f, f.type || 'application/octet-stream');
      } else {
        m = await api('POST', accountPath(id) + '/messages', { to: to.value.trim(), text: text.value });
      }
      text.value = '';
      file.value = '';
      convStatus('Sent.');
      if (!openConv || openConv.id !== m.conversation_id) {
        const c = conversations.find((x) => x.id === m.conversation_id);
        if (c) openConversation(c);
        else openConv = { id: m.conversation_id, title: to.value.trim(), to: to.value.trim() };
      }
      upsertMessage(m);
    } catch (err) {
      const msg = 'Not sent. ' + err.message;
      convStatus(msg);
      error.textContent = msg;
      if (/recipient|phone|number|to:/i.test(err.message)) {
        to.setAttribute('aria-invalid', 'true');
        to.focus();
      }
    } finally {
      btn.disabled = false;
    }
  }

  // --- webhooks ---

  let hooks = [];
  let openHook = null;

  async function loadWebhooks() {
    if (noAccount($('hooks-status'))) return;
    const id = current;
    try {
      hooks = await api('GET', accountPath(id) + '/webhooks');
      $('hooks-status').textContent = hooks.length > 0 ? `Events of account ${id} are delivered to these addresses.` : '';
    } catch (err) {
      $('hooks-status').textContent = 'Could not load the webhooks. ' + err.message;
      return;
    }
    renderWebhooks();
    if (openHook && hooks.some((h) => h.id === openHook.id)) loadDeliveries(openHook);
    else $('deliveries-panel').hidden = true;
  }

  function renderWebhooks() {
    const list = $('hook-list');
    list.replaceChildren();
    $('hooks-empty').hidden = hooks.length > 0;
    for (const h of hooks) {
      const li = document.createElement('li');
      li.dataset.webhook = h.id;
      const u = document.createElement('p');
      u.className = 'name';
      u.textContent = h.url;
      const ev = document.createElement('p');
      ev.className = 'hint';
      const types = h.event_types.length === 0 || h.event_types.includes('*') ? 'every event' : h.event_types.join(', ');
      ev.textContent = (h.enabled ? '' : 'Paused. ') + 'Receives ' + types + '.';
      const row = document.createElement('div');
      row.className = 'row';
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'secondary';
      show.textContent = 'Deliveries';
      show.addEventListener('click', () => loadDeliveries(h, true));
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'danger';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete the webhook to ${h.url}`);
      del.addEventListener('click', () => deleteWebhook(h));
      row.append(show, del);
      li.append(u, ev, row);
      list.append(li);
    }
  }

  async function deleteWebhook(h) {
    try {
      await api('DELETE', accountPath(current) + '/webhooks/' + encodeURIComponent(h.id));
      $('hooks-status').textContent = `Deleted the webhook to ${h.url}.`;
      if (openHook && openHook.id === h.id) openHook = null;
      await loadWebhooks();
      $('hooks-status').textContent = `Deleted the webhook to ${h.url}.`;
    } catch (err) {
      $('hooks-status').textContent = 'Could not delete the webhook. ' + err.message;
    }
  }

  async function createWebhook(event) {
    event.preventDefault();
    const input = $('hook-url');
    const error = $('hook-error');
    const btn = event.target.querySelector('button');
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    $('hook-secret-box').hidden = true;
    if (noAccount($('hooks-status'))) return;
    btn.disabled = true;
    const types = $('hook-events').value.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      const h = await api('POST', accountPath(current) + '/webhooks', { url: input.value.trim(), event_types: types });
      input.value = '';
      $('hook-events').value = '';
      $('hook-secret').textContent = h.secret;
      $('hook-secret-box').hidden = false;
      await loadWebhooks();
      $('hooks-status').textContent = `Created the webhook to ${h.url}.`;
    } catch (err) {
      const msg = 'Not created. ' + err.message;
      error.textContent = msg;
      $('hooks-status').textContent = msg;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } finally {
      btn.disabled = false;
    }
  }

  const deliveryStates = {
    queued: 'waiting', pending: 'retrying', delivered: 'delivered', failed: 'failed', dead: 'given up',
  };

  async function loadDeliveries(h, focus) {
    openHook = h;
    $('deliveries-url').textContent = h.url;
    $('deliveries-panel').hidden = false;
    if (focus) $('deliveries-title').focus();
    let list;
    try {
      list = await api('GET', accountPath(current) + '/webhooks/' + encodeURIComponent(h.id) + '/deliveries');
    } catch (err) {
      $('hooks-status').textContent = 'Could not load the deliveries. ' + err.message;
      return;
    }
    const body = $('deliveries').tBodies[0];
    body.replaceChildren();
    $('deliveries-empty').hidden = list.length > 0;
    for (const d of list) {
      const tr = document.createElement('tr');
      tr.dataset.delivery = d.id;
      const cells = [
        when(d.last_attempt_at || d.created_at),
        d.event_type,
        deliveryStates[d.state] || d.state,
        String(d.attempts),
        d.error || (d.status_code ? `Answered ${d.status_code}.` : ''),
      ];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      const td = document.createElement('td');
      if (d.replayable) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'secondary';
        btn.textContent = 'Replay';
        btn.setAttribute('aria-label', `Send the ${d.event_type} event again`);
        btn.addEventListener('click', () => replay(h, d));
        td.append(btn);
      }
      tr.append(td);
      body.append(tr);
    }
  }

  async function replay(h, d) {
    try {
      await api('POST', accountPath(current) + '/webhooks/' + encodeURIComponent(h.id) + '/deliveries/' + encodeURIComponent(d.id) + '/replay');
      $('hooks-status').textContent = `The ${d.event_type} event is queued to be sent again.`;
      await loadDeliveries(h);
    } catch (err) {
      $('hooks-status').textContent = 'Could not replay it. ' + err.message;
    }
  }

  // --- API keys ---

  async function loadKeys() {
    let keys;
    try {
      keys = await api('GET', 'pair/keys');
    } catch (err) {
      $('keys-status').textContent = 'Could not load the keys. ' + err.message;
      return;
    }
    const body = $('keys').tBodies[0];
    body.replaceChildren();
    for (const k of keys) {
      const tr = document.createElement('tr');
      tr.dataset.key = k.id;
      if (k.revoked) tr.className = 'revoked';
      const cells = [
        k.name,
        k.prefix + '…',
        k.scopes.join(', '),
        k.all_accounts ? 'all' : k.accounts.join(', '),
        k.revoked ? 'revoked' : (k.last_used_at ? when(k.last_used_at) : 'never'),
      ];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      const td = document.createElement('td');
      if (!k.revoked) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'danger';
        btn.textContent = 'Revoke';
        btn.setAttribute('aria-label', `Revoke the key ${k.name}`);
        btn.addEventListener('click', () => revokeKey(k));
        td.append(btn);
      }
      tr.append(td);
      body.append(tr);
    }
  }

  async function revokeKey(k) {
    try {
      await api('POST', 'pair/keys/' + encodeURIComponent(k.id) + '/revoke');
      await loadKeys();
      $('keys-status').textContent = `Revoked the key ${k.name}: it no longer works.`;
    } catch (err) {
      $('keys-status').textContent = 'Could not revoke the key. ' + err.message;
    }
  }

  async function createKey(event) {
    event.preventDefault();
    const name = $('key-name');
    const error = $('key-error');
    const btn = event.target.querySelector('button');
    error.textContent = '';
    name.removeAttribute('aria-invalid');
    $('new-key-box').hidden = true;
    const scopes = [...document.querySelectorAll('#key-form input[name=scope]:checked')].map((i) => i.value);
    const one = document.querySelector('#key-form input[name=key-accounts]:checked').value === 'one';
    btn.disabled = true;
    try {
      const k = await api('POST', 'pair/keys', {
        name: name.value, scopes, all_accounts: !one, accounts: one ? [current] : [],
      });
      name.value = '';
      $('new-key').textContent = k.key;
      $('new-key-box').hidden = false;
      await loadKeys();
      $('keys-status').textContent = `Created the key ${k.name}.`;
    } catch (err) {
      const msg = 'Not created. ' + err.message;
      error.textContent = msg;
      $('keys-status').textContent = msg;
      name.setAttribute('aria-invalid', 'true');
      name.focus();
    } finally {
      btn.disabled = false;
    }
  }

  // --- start ---

  if (demo) $('demo-banner').hidden = false;
  $('create-form').addEventListener('submit', createAccount);
  $('phone-form').addEventListener('submit', requestCode);
  $('qr-start').addEventListener('click', showQR);
  $('simulate').addEventListener('click', simulateScan);
  $('unlink').addEventListener('click', () => {
    $('unlink-confirm').hidden = false;
    $('unlink-yes').focus();
  });
  $('unlink-no').addEventListener('click', () => {
    $('unlink-confirm').hidden = true;
    $('unlink').focus();
  });
  $('unlink-yes').addEventListener('click', unlink);
  $('send-form').addEventListener('submit', sendMessage);
  $('hook-form').addEventListener('submit', createWebhook);
  $('key-form').addEventListener('submit', createKey);
  loadAccounts().then(() => showView(location.hash.slice(1)));
})();
