// Gives each provider its API and read token from the URL fragment (#api=…&a=…&b=…) or the form, so
// no token is written into the page. An external file: the page's CSP allows no inline script.
function apply(values) {
  const api = values.get('api') || 'http://127.0.0.1:8787';
  for (const [id, key] of [
    ['tenant-a', 'a'],
    ['tenant-b', 'b'],
  ]) {
    const provider = document.getElementById(id);
    provider.setAttribute('base-url', api);
    if (values.get(key)) provider.setAttribute('api-key', values.get(key));
  }
  const form = document.getElementById('tokens');
  for (const name of ['api', 'a', 'b']) form.elements[name].value = values.get(name) ?? '';
}

// Runs at the end of <body>, before the bundle: the providers are parsed but not yet upgraded.
apply(new URLSearchParams(location.hash.slice(1)));
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('tokens').addEventListener('submit', (event) => {
    event.preventDefault();
    const values = new URLSearchParams(new FormData(event.target));
    history.replaceState(null, '', `#${values}`);
    apply(values);
  });
  document.getElementById('events').addEventListener('row-select', (event) => {
    console.info('row-select', event.detail);
  });
});
