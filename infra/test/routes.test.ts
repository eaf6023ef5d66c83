import { describe, expect, it } from 'vitest';
import {
  albRoute,
  checkAlb,
  checkFrontDoor,
  evaluateString,
  type FrontDoor,
  frontDoorRoute,
  type IngressPath,
  ingressRoute,
} from '../lint/routes.js';

describe('frontDoorRoute()', () => {
  // The example of Microsoft's "How requests get matched to a route configuration", plus a rewrite.
  const frontDoor: FrontDoor = {
    routes: [
      { name: 'A', originGroup: 'a', patterns: ['/'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'B', originGroup: 'b', patterns: ['/*'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'D', originGroup: 'd', patterns: ['/abc'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'E', originGroup: 'e', patterns: ['/abc/'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'F', originGroup: 'f', patterns: ['/abc/*'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'G', originGroup: 'g', patterns: ['/abc/def'], ruleSets: [], linkedToDefaultDomain: true },
      { name: 'P', originGroup: 'p', patterns: ['/_p/*'], ruleSets: ['strip'], linkedToDefaultDomain: true },
    ],
    rules: [
      {
        name: 'strip',
        ruleSet: 'strip',
        order: 1,
        stop: false,
        rewrite: { source: '/_p/', destination: '/', preserveUnmatchedPath: true },
      },
    ],
    ruleSets: ['strip'],
  };
  const route = (path: string) => frontDoorRoute(frontDoor, path)?.route ?? null;

  it('prefers an exact pattern, then the longest wildcard', () => {
    expect(route('/')).toBe('A');
    expect(route('/abc')).toBe('D');
    expect(route('/abc/')).toBe('E');
    expect(route('/abc/d')).toBe('F');
    expect(route('/abc/def')).toBe('G');
    expect(route('/abc/defg')).toBe('F');
    expect(route('/abc/def/ghi')).toBe('F');
    expect(route('/path')).toBe('B');
  });

  it('does not match /x with /x/*', () => {
    expect(route('/_p')).toBe('B');
  });

  it('rewrites the path the origin sees with the route’s rule set', () => {
    expect(frontDoorRoute(frontDoor, '/_p/api/v1/events')).toEqual({
      route: 'P',
      backend: 'p',
      path: '/api/v1/events',
    });
  });

  it('reports invalid and duplicated patterns and unknown rule sets', () => {
    const bad: FrontDoor = {
      routes: [
        {
          name: 'x',
          originGroup: 'a',
          patterns: ['/a*', '/b'],
          ruleSets: ['nope'],
          linkedToDefaultDomain: true,
        },
        { name: 'y', originGroup: 'a', patterns: ['/b'], ruleSets: [], linkedToDefaultDomain: true },
      ],
      rules: [],
      ruleSets: [],
    };
    expect(checkFrontDoor(bad).map((f) => `${f.where}: ${f.message}`)).toEqual([
      'azurerm_cdn_frontdoor_route.x: invalid pattern /a*',
      'azurerm_cdn_frontdoor_route.x: no rule set nope',
      'azurerm_cdn_frontdoor_route.y: pattern /b is also on route x',
    ]);
  });
});

describe('albRoute()', () => {
  const rules = [
    { name: 'docs', priority: 20, patterns: ['/docs*'], target: 'api' },
    { name: 'api', priority: 10, patterns: ['/api/*', '/v?'], target: 'api2' },
  ].sort((a, b) => a.priority - b.priority);

  it('matches * and ? against the whole path, first rule by priority', () => {
    expect(albRoute(rules, '/docs/x')?.backend).toBe('api');
    expect(albRoute(rules, '/api/v1')?.backend).toBe('api2');
    expect(albRoute(rules, '/v1')?.backend).toBe('api2');
    expect(albRoute(rules, '/v12')).toBeNull();
    expect(albRoute(rules, '/x/api/v1')).toBeNull();
  });

  it('reports a rule with more than five path patterns', () => {
    expect(
      checkAlb([{ name: 'r', priority: 1, patterns: ['/a', '/b', '/c', '/d', '/e', '/f'], target: 't' }]),
    ).toEqual([{ where: 'aws_lb_listener_rule.r', message: '6 path patterns; a rule takes at most 5' }]);
  });
});

describe('ingressRoute()', () => {
  const paths: IngressPath[] = [
    { host: 'h', path: '/', pathType: 'Prefix', service: 'web' },
    { host: 'h', path: '/api', pathType: 'Prefix', service: 'api' },
    { host: 'h', path: '/api/token', pathType: 'Exact', service: 'web' },
  ];
  const backend = (path: string) => ingressRoute(paths, path)?.backend;

  it('matches Prefix by whole path elements and prefers the longest, Exact on a tie', () => {
    expect(backend('/api')).toBe('api');
    expect(backend('/api/v1/events')).toBe('api');
    expect(backend('/apix')).toBe('web');
    expect(backend('/api/token')).toBe('web');
    expect(backend('/api/token/x')).toBe('api');
  });
});

describe('evaluateString()', () => {
  /** How hcl2json spells an interpolation. */
  const hcl = (expression: string) => `\${${expression}}`;

  it('substitutes variables and refuses any other expression', () => {
    expect(evaluateString(`${hcl('var.p')}/api/*`, { p: '/_a' })).toBe('/_a/api/*');
    expect(() => evaluateString(`${hcl('local.p')}/x`, {})).toThrow(/cannot evaluate/);
    expect(() => evaluateString(hcl('var.q'), {})).toThrow(/no value for var.q/);
  });
});
