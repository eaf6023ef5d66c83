import { describe, expect, it } from 'vitest';
import { type NsgRule, openTcpPorts } from '../lint/network.js';

const app = { address: '10.40.2.10', inVnet: true };
const internet = { address: '203.0.113.7', inVnet: false };

describe('openTcpPorts()', () => {
  const allow = (ports: string[], source: string, priority = 100): NsgRule => ({
    name: `allow-${priority}`,
    priority,
    access: 'Allow',
    protocol: 'Tcp',
    source,
    ports,
  });
  const denyAll: NsgRule = {
    name: 'deny',
    priority: 4000,
    access: 'Deny',
    protocol: '*',
    source: '*',
    ports: ['*'],
  };

  it('opens what an Allow rule names for senders in its source range, and compresses ranges', () => {
    const rules = [allow(['5432', '8000-8002'], '10.40.2.0/23'), denyAll];
    expect(openTcpPorts(rules, app)).toEqual(['5432', '8000-8002']);
    expect(openTcpPorts(rules, { address: '10.40.4.5', inVnet: true })).toEqual([]);
  });

  it('lets the first matching rule by priority decide', () => {
    const deny443: NsgRule = { ...denyAll, name: 'deny-443', priority: 50, ports: ['443'] };
    expect(openTcpPorts([allow(['443', '80'], '*'), deny443, denyAll], app)).toEqual(['80']);
  });

  it('falls through to Azure’s defaults: without a deny, the whole VNet reaches every port', () => {
    expect(openTcpPorts([allow(['443'], 'Internet')], app)).toEqual(['1-65535']);
    expect(openTcpPorts([allow(['443'], 'Internet')], internet)).toEqual(['443']);
  });
});
