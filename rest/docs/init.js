// The API reference page of wauser's REST handler: Swagger UI (vendored
// from the npm package swagger-ui-dist, see README) rendering the
// handler's own /openapi.json. Addresses are built from the page's origin
// and path (never its user:password@ part, which browsers refuse in
// fetch), relative to the page, so it works under any prefix.
'use strict';

(() => {
  const base = location.origin + location.pathname; // .../docs
  const spec = new URL('openapi.json', base).href;
  document.getElementById('spec-link').href = spec;
  if (document.documentElement.dataset.demo === 'true') {
    document.getElementById('demo-banner').hidden = false;
  }
  // One document per dialect that is on (data-dialects): the whole one,
  // hundreds of operations, is slow to render; it is the last choice.
  const labels = {
    sync: 'sync: the WhatsApp Use sync API',
    business: 'business: the Business Server API',
    chat: 'chat: the WhatsSync Chat API',
    multisession: 'multisession: the multi-session server',
  };
  const dialects = (document.documentElement.dataset.dialects || '').split(' ').filter(Boolean);
  const choices = dialects.map((d) => ({ name: labels[d] || d, url: spec + '?dialect=' + encodeURIComponent(d) }));
  choices.push({ name: 'every dialect (slow)', url: spec });
  const select = document.getElementById('dialect');
  for (const c of choices) {
    const option = document.createElement('option');
    option.value = c.url;
    option.textContent = c.name;
    select.append(option);
  }
  select.addEventListener('change', () => {
    window.ui.specActions.updateUrl(select.value);
    window.ui.specActions.download(select.value);
  });
  window.ui = SwaggerUIBundle({
    url: choices[0].url,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null, // no request to validator.swagger.io
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    filter: true,
  });
})();
