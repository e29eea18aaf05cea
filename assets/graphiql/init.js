// Bootstrap for the embedded GraphiQL playground (served at /graphql/assets/init.js).
// Kept out of index.html so a Content-Security-Policy with `script-src 'self'` works.
// Relies on the globals React, ReactDOM (React 18 UMD) and GraphiQL (graphiql 4 UMD).
(function () {
  'use strict';

  var container = document.getElementById('graphiql');

  if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' || typeof GraphiQL === 'undefined') {
    container.textContent = 'Failed to load the GraphiQL assets from /graphql/assets/.';
    return;
  }

  var graphqlUrl = '/graphql';
  var subscriptionUrl =
    (window.location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + window.location.host + '/graphql/ws';

  // Plain JSON-over-POST fetcher, used only if the bundle lacks GraphiQL.createFetcher.
  function plainFetcher(params, opts) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    return window
      .fetch(graphqlUrl, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin'
      })
      .then(function (response) { return response.json(); });
  }

  var fetcher =
    typeof GraphiQL.createFetcher === 'function'
      ? GraphiQL.createFetcher({ url: graphqlUrl, subscriptionUrl: subscriptionUrl })
      : plainFetcher;

  var defaultQuery = [
    '# Welcome to the Rapport GraphQL API.',
    '#',
    '# Run a query with Ctrl-Enter (Cmd-Enter on a Mac).',
    '# The docs explorer (book icon) lists all types.',
    '',
    '{',
    '  companies {',
    '    id',
    '    name',
    '    code',
    '  }',
    '}',
    ''
  ].join('\n');

  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      // Paste {"Authorization": "Bearer rpt_…"} (or a JWT) here when the server requires credentials.
      isHeadersEditorEnabled: true
    })
  );
})();
