import { describe, expect, it, vi } from 'vitest';
import { orgOf, resolveTenant } from '../src/tenant.js';
import { jwt } from './helpers.js';

const baseUrl = 'https://api.test/';
const never = (): Promise<string> => {
  throw new Error('firstToken must not be called');
};

describe('orgOf()', () => {
  it('reads a non-empty string org_id from a JWT, and nothing from anything else', () => {
    expect(orgOf(jwt({ org_id: 'org_ü' }))).toBe('org_ü');
    expect([jwt({ org_id: '' }), jwt({ org_id: 7 }), jwt({}), 'opaque', undefined].map(orgOf)).toEqual(
      Array(5).fill(undefined),
    );
  });
});

describe('resolveTenant()', () => {
  it('takes `tenant` first, then the org_id of apiKey, naming the queue by base URL and tenant', async () => {
    expect(
      await resolveTenant({ baseUrl, tenant: 'org_a', apiKey: jwt({ org_id: 'org_b' }) }, true, never),
    ).toEqual(['org_a', 'acme-analytics https://api.test org_a']);
    expect(await resolveTenant({ baseUrl, apiKey: jwt({ org_id: 'org_b' }) }, true, never)).toEqual([
      'org_b',
      'acme-analytics https://api.test org_b',
    ]);
  });

  it('names the queue of a key without org_id by a digest, never by the key', async () => {
    const [org, name] = await resolveTenant({ baseUrl, apiKey: 'secret-key' }, true, never);
    expect(org).toBeUndefined();
    expect(name).toMatch(/^acme-analytics https:\/\/api\.test #[\da-z]+$/);
    expect(name).not.toContain('secret-key');
    expect((await resolveTenant({ baseUrl, apiKey: 'other-key' }, true, never))[1]).not.toBe(name);
  });

  it('decodes nothing from a publishable key (pk_…): a digest names its queue, or `tenant` its org', async () => {
    const key = 'pk_7Hq2ZxW0cN4mKp9sLt3VbY8dRf6Ga1Je';
    const atob = vi.spyOn(globalThis, 'atob');
    try {
      const [org, name] = await resolveTenant({ baseUrl, apiKey: key }, true, never);
      expect(org).toBeUndefined();
      expect(name).toMatch(/^acme-analytics https:\/\/api\.test #[\da-z]+$/);
      expect(name).not.toContain(key.slice(3));
      expect(atob).not.toHaveBeenCalled();
    } finally {
      atob.mockRestore();
    }
    expect(await resolveTenant({ baseUrl, apiKey: key, tenant: 'org_shop' }, true, never)).toEqual([
      'org_shop',
      'acme-analytics https://api.test org_shop',
    ]);
  });

  it('with only getToken, waits for the first token and takes its org_id', async () => {
    const options = { baseUrl, getToken: () => 'unused' };
    expect(await resolveTenant(options, true, async () => jwt({ org_id: 'org_c' }))).toEqual([
      'org_c',
      'acme-analytics https://api.test org_c',
    ]);
    // A token without org_id: no tenant, no queue name.
    expect(await resolveTenant(options, true, async () => 'opaque')).toEqual([undefined, undefined]);
    // No queue to name (memory): no waiting for a token.
    expect(await resolveTenant(options, false, never)).toEqual([undefined, undefined]);
  });

  it('lets storageName name the queue', async () => {
    expect(await resolveTenant({ baseUrl, tenant: 'org_a', storageName: 'mine' }, true, never)).toEqual([
      'org_a',
      'mine',
    ]);
  });
});
