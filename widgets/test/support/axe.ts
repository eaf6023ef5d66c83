// axe-core, loaded as a classic script (it is not an ES module) from the repository's node_modules.
import { assert } from './assert.js';

interface AxeResult {
  violations: {
    id: string;
    impact: string;
    help: string;
    nodes: { target: unknown[]; failureSummary?: string }[];
  }[];
}
type AxeWindow = Window & {
  axe?: { run(context: Element | Document, options?: object): Promise<AxeResult> };
};

const loading = new WeakMap<Window, Promise<void>>();

/** Loads axe into a window (this page's, or a same-origin frame's: axe only checks its own realm's nodes). */
function load(win: AxeWindow): Promise<void> {
  let promise = loading.get(win);
  if (!promise) {
    promise = new Promise((resolve, reject) => {
      const script = win.document.createElement('script');
      script.src = '/node_modules/axe-core/axe.min.js';
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('could not load axe-core'));
      win.document.head.append(script);
    });
    loading.set(win, promise);
  }
  return promise;
}

/** Fails with every axe violation found in `element` (shadow roots included). */
export async function expectAccessible(element: Element, state = ''): Promise<void> {
  const win = (element.ownerDocument.defaultView ?? window) as AxeWindow;
  await load(win);
  assert(win.axe, 'axe-core did not load');
  const { violations } = await win.axe.run(element, { resultTypes: ['violations'] });
  const report = violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => JSON.stringify(n.target)).join('\n  ')}`,
    )
    .join('\n');
  assert(violations.length === 0, `axe found violations${state ? ` (${state})` : ''}:\n${report}`);
}
