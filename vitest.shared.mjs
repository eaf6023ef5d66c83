// Packages resolve each other's TypeScript source through the "source" export condition,
// so tests never need a build step between workspaces.
import { defaultClientConditions, defaultServerConditions } from 'vite';

export const sourceResolve = {
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
};
