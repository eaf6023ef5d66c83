// Package boundaries, checked by `npm run lint` (dependency-cruiser). The dependencies go one way:
//
//   sdk-core  ←  widgets  ←  sdk-react  ←  demo-next          server (imports no other workspace)
//
// - a workspace reaches another only through that package's public entries (its `exports` map, read from
//   its package.json below), never by a relative path into the other folder;
// - sdk-core imports no other workspace; widgets only sdk-core; sdk-react sdk-core and widgets; demo-next
//   any package's public entries; the server none;
// - test code (tests, benchmarks, scripts, test-runner configurations) may also import the server's test
//   entries (`@acme/analytics-server/testing`, `/testing/wtr`), the one cross-package test dependency;
//   shipped code (`src/`, the demo's app) never does, and from sdk-core, widgets and sdk-react nothing of
//   the server is reachable at all.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const WORKSPACES = ['sdk-core', 'widgets', 'sdk-react', 'server', 'demo-next'];
const ANY_WORKSPACE = `^(${WORKSPACES.join('|')})/`;
const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every file an `exports` entry of the workspace names (any condition), as `workspace/path`. */
function entryFiles(workspace, keyFilter = () => true) {
  const { exports = {} } = JSON.parse(readFileSync(join(__dirname, workspace, 'package.json'), 'utf8'));
  const files = [];
  const collect = (target) => {
    if (typeof target === 'string') files.push(`${workspace}/${target.replace(/^\.\//, '')}`);
    else if (target && typeof target === 'object') Object.values(target).forEach(collect);
  };
  for (const [key, target] of Object.entries(exports)) if (keyFilter(key)) collect(target);
  return files;
}
const pathsOf = (files) => files.map((file) => `^${literal(file)}$`);

const PUBLIC_ENTRIES = pathsOf(WORKSPACES.flatMap((workspace) => entryFiles(workspace)));
const SERVER_TEST_ENTRIES = pathsOf(entryFiles('server', (key) => key.startsWith('./testing')));
/** What test code of the client packages may take from the server: its test entries and the wire contract's
 * types (which the SDK's contract test pins its own types against). Shipped code is still held off the server
 * entirely by `no-server-reachable-from-packages`. */
const SERVER_ENTRIES_FOR_TESTS = [
  ...SERVER_TEST_ENTRIES,
  ...pathsOf(entryFiles('server', (key) => key === './contract')),
];
/** What ships to users: the packages' sources and the demo application. */
const SHIPPED = [
  '^(sdk-core|widgets|sdk-react|server)/src/',
  '^demo-next/(app|lib)/',
  '^demo-next/next\\.config\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-relative-import-across-workspaces',
      comment:
        'A relative path into another workspace folder skips its public entries: import the package by its ' +
        'name (@acme/...) and one of its exports.',
      severity: 'error',
      from: { path: '^(sdk-core|widgets|sdk-react|server|demo-next)/' },
      to: { path: ANY_WORKSPACE, pathNot: '^$1/', dependencyTypes: ['local'] },
    },
    {
      name: 'no-server-internals',
      comment:
        'server/src is the server package’s own: other workspaces use its exports (@acme/analytics-server/' +
        'tokens, /contract; in tests /testing and /testing/wtr).',
      severity: 'error',
      from: { pathNot: '^server/' },
      to: { path: '^server/', pathNot: PUBLIC_ENTRIES },
    },
    {
      name: 'only-public-entries',
      comment: 'Another workspace is reached only through the entries of its package.json `exports` map.',
      severity: 'error',
      from: { path: '^(sdk-core|widgets|sdk-react|server|demo-next)/' },
      to: { path: ANY_WORKSPACE, pathNot: ['^$1/', ...PUBLIC_ENTRIES] },
    },
    {
      name: 'no-unexported-subpath',
      comment:
        'An @acme/... import that does not resolve names a path the package does not export (or a package ' +
        'that does not exist): use one of its `exports` entries.',
      severity: 'error',
      from: {},
      to: { path: '^@acme/', couldNotResolve: true },
    },
    {
      name: 'sdk-core-imports-no-workspace',
      comment:
        'The SDK core depends on no other workspace (its tests may use the server’s test entries and contract types).',
      severity: 'error',
      from: { path: '^sdk-core/' },
      to: { path: '^(widgets|sdk-react|server|demo-next)/', pathNot: SERVER_ENTRIES_FOR_TESTS },
    },
    {
      name: 'widgets-import-only-sdk-core',
      comment:
        'The widgets depend on @acme/analytics-sdk only (their tests may use the server’s test entry).',
      severity: 'error',
      from: { path: '^widgets/' },
      to: { path: '^(sdk-react|server|demo-next)/', pathNot: SERVER_ENTRIES_FOR_TESTS },
    },
    {
      name: 'sdk-react-not-server-or-demo',
      comment: 'The React bindings depend on the SDK core and the widgets, never on the server or the demo.',
      severity: 'error',
      from: { path: '^sdk-react/' },
      to: { path: '^(server|demo-next)/', pathNot: SERVER_ENTRIES_FOR_TESTS },
    },
    {
      name: 'server-imports-no-workspace',
      comment: 'The API server depends on no other workspace (whoever starts it passes ANALYTICS_SDK_DIR).',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(sdk-core|widgets|sdk-react|demo-next)/' },
    },
    {
      name: 'no-test-entry-in-shipped-code',
      comment: 'The server’s test entries are for test code; shipped code must not import them.',
      severity: 'error',
      from: { path: SHIPPED, pathNot: '^server/' },
      to: { path: [...SERVER_TEST_ENTRIES, '^server/src/testing/'] },
    },
    {
      name: 'no-server-reachable-from-packages',
      comment: 'Nothing of the server may end up in the SDK, the widgets or the React bindings.',
      severity: 'error',
      // From the published entries: what a user's bundle starts from (and one report per entry, not per file).
      from: {
        path: pathsOf(['sdk-core', 'widgets', 'sdk-react'].flatMap((w) => entryFiles(w))).filter((p) =>
          p.includes('/src/'),
        ),
      },
      to: { path: '^server/', reachable: true },
    },
    {
      name: 'demo-bundles-only-token-signing',
      comment:
        'The demo application takes only the jose-only token entry of the server; anything more would ' +
        'bundle Fastify or SQLite into Next.js.',
      severity: 'error',
      from: { path: '^demo-next/(app|lib)/' },
      to: {
        path: '^server/',
        pathNot: pathsOf(entryFiles('server', (key) => key === './tokens')),
        reachable: true,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Dependencies, builds and dot-folders (.next, scratch directories) are not the repository's code.
    exclude: { path: '(^|/)(node_modules|dist|coverage|test-output|\\.[^/]+)(/|$)' },
    tsConfig: { fileName: 'tsconfig.base.json' },
    // Type-only imports cross boundaries too.
    tsPreCompilationDeps: true,
    // Workspace packages resolve through their `exports` maps to their sources, as the tests run them.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
