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
  window.ui = SwaggerUIBundle({
    url: spec,
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
