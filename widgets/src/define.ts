// Side-effect entry: `import '@acme/analytics-widgets/define'` registers every element.
import { defineElements } from './index.js';

defineElements();
