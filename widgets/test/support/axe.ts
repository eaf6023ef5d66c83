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
declare global {
  interface Window {
    axe?: { run(context: Element | Document, options?: object): Promise<AxeResult> };
  }
}

let loading: Promise<void> | undefined;

function load(): Promise<void> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('could not load axe-core'));
    document.head.append(script);
  });
  return loading;
}

/** Fails with every axe violation found in `element` (shadow roots included). */
export async function expectAccessible(element: Element, state = ''): Promise<void> {
  await load();
  assert(window.axe, 'axe-core did not load');
  const { violations } = await window.axe.run(element, { resultTypes: ['violations'] });
  const report = violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => JSON.stringify(n.target)).join('\n  ')}`,
    )
    .join('\n');
  assert(violations.length === 0, `axe found violations${state ? ` (${state})` : ''}:\n${report}`);
}
