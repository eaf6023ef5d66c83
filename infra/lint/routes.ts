// Route tables for the three front doors of the deployment, computed from their configuration rather than
// read by eye: given a request path, which backend gets it, and with which path. Each follows its
// platform's documented matching rules:
//
// - Azure Front Door (azurerm_cdn_frontdoor_route): a pattern without `*` matches exactly; `/x/*` matches
//   everything under `/x/` (not `/x` itself). An exact match wins; otherwise the longest wildcard does.
//   The rule sets attached to the chosen route then run in `order`; a URL rewrite changes the path the
//   origin sees, a route override changes the origin group.
// - AWS ALB listener rules: `*` matches any characters and `?` one, against the whole path; rules run
//   by ascending priority and the first match wins; otherwise the listener's default action.
// - Kubernetes Ingress: `Exact` compares the path; `Prefix` matches whole path elements (`/sdk` matches
//   `/sdk` and `/sdk/a`, not `/sdkx`). The longest matching path wins, Exact before Prefix on a tie.

import type { Manifest } from './helm-render.js';
import type { Json } from './terraform.js';

type Block = { [key: string]: Json };

export interface RouteFinding {
  where: string;
  message: string;
}

const blocks = (value: Json | undefined): Block[] =>
  Array.isArray(value)
    ? (value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)) as Block[])
    : [];

/**
 * The value of a Terraform string that interpolates only variables (`"${var.prefix}/api/*"`), with the
 * given values. Anything else is refused: a route table computed from a guess is worse than none.
 */
export function evaluateString(value: Json | undefined, vars: Record<string, Json>): string {
  if (typeof value !== 'string') throw new Error(`not a string: ${JSON.stringify(value)}`);
  const out = value.replace(/\$\{var\.([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`no value for var.${name} in ${value}`);
    return String(vars[name]);
  });
  if (out.includes('${') || out.includes('%{')) throw new Error(`cannot evaluate ${value}`);
  return out;
}

function evaluateList(value: Json | undefined, vars: Record<string, Json>): string[] {
  if (!Array.isArray(value)) throw new Error(`not a list literal: ${JSON.stringify(value)}`);
  return value.map((item) => evaluateString(item, vars));
}

/** The resource names an expression refers to for one resource type: `${azurerm_x.api.id}` → ["api"]. */
function names(value: Json | undefined, type: string): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(new RegExp(`\\b${type}\\.([A-Za-z0-9_-]+)\\b`, 'g'))].map((m) => m[1]!);
}

// ── Azure Front Door ─────────────────────────────────────────────────────────────────────────────────

export interface FrontDoorRoute {
  name: string;
  originGroup: string;
  patterns: string[];
  ruleSets: string[];
  linkedToDefaultDomain: boolean;
}

export interface FrontDoorRule {
  name: string;
  ruleSet: string;
  order: number;
  stop: boolean;
  rewrite?: { source: string; destination: string; preserveUnmatchedPath: boolean };
  originGroup?: string;
}

export interface FrontDoor {
  routes: FrontDoorRoute[];
  rules: FrontDoorRule[];
  ruleSets: string[];
}

/** Reads the routes and rules of a module (resources by address, as `moduleResources` gives them). */
export function readFrontDoor(resources: Map<string, Block>, vars: Record<string, Json>): FrontDoor {
  const routes: FrontDoorRoute[] = [];
  const rules: FrontDoorRule[] = [];
  const ruleSets: string[] = [];
  for (const [address, body] of resources) {
    const [type, name = ''] = address.split('.');
    if (type === 'azurerm_cdn_frontdoor_rule_set') ruleSets.push(name);
    if (type === 'azurerm_cdn_frontdoor_route') {
      routes.push({
        name,
        originGroup:
          names(body.cdn_frontdoor_origin_group_id, 'azurerm_cdn_frontdoor_origin_group')[0] ?? '?',
        patterns: evaluateList(body.patterns_to_match, vars),
        ruleSets: names(body.cdn_frontdoor_rule_set_ids, 'azurerm_cdn_frontdoor_rule_set'),
        linkedToDefaultDomain: body.link_to_default_domain === true,
      });
    }
    if (type === 'azurerm_cdn_frontdoor_rule') {
      if (body.conditions !== undefined) throw new Error(`${address}: rule conditions are not modelled`);
      const actions = blocks(body.actions)[0] ?? {};
      const known = new Set(['url_rewrite_action', 'route_configuration_override_action']);
      for (const key of Object.keys(actions))
        if (!known.has(key)) throw new Error(`${address}: action ${key} is not modelled`);
      const rewrite = blocks(actions.url_rewrite_action)[0];
      const override = blocks(actions.route_configuration_override_action)[0];
      rules.push({
        name,
        ruleSet: names(body.cdn_frontdoor_rule_set_id, 'azurerm_cdn_frontdoor_rule_set')[0] ?? '?',
        order: Number(body.order),
        stop: body.behavior_on_match === 'Stop',
        rewrite: rewrite && {
          source: evaluateString(rewrite.source_pattern, vars),
          destination: evaluateString(rewrite.destination, vars),
          preserveUnmatchedPath: rewrite.preserve_unmatched_path !== false,
        },
        originGroup: override
          ? names(override.cdn_frontdoor_origin_group_id, 'azurerm_cdn_frontdoor_origin_group')[0]
          : undefined,
      });
    }
  }
  return { routes, rules, ruleSets };
}

/** What Front Door itself would refuse, or what would make the route table ambiguous. */
export function checkFrontDoor(frontDoor: FrontDoor): RouteFinding[] {
  const findings: RouteFinding[] = [];
  const owner = new Map<string, string>();
  for (const route of frontDoor.routes) {
    const where = `azurerm_cdn_frontdoor_route.${route.name}`;
    for (const pattern of route.patterns) {
      // The wildcard may only end a pattern, right after a slash.
      if (!pattern.startsWith('/') || (pattern.includes('*') && !/^[^*]*\/\*$/.test(pattern)))
        findings.push({ where, message: `invalid pattern ${pattern}` });
      const other = owner.get(pattern);
      if (other) findings.push({ where, message: `pattern ${pattern} is also on route ${other}` });
      owner.set(pattern, route.name);
    }
    for (const set of route.ruleSets)
      if (!frontDoor.ruleSets.includes(set)) findings.push({ where, message: `no rule set ${set}` });
  }
  for (const rule of frontDoor.rules) {
    if (!frontDoor.ruleSets.includes(rule.ruleSet))
      findings.push({
        where: `azurerm_cdn_frontdoor_rule.${rule.name}`,
        message: `no rule set ${rule.ruleSet}`,
      });
  }
  return findings;
}

export interface Forwarded {
  route: string;
  /** The origin group (Front Door) or target (ALB) or Service (Ingress) that gets the request. */
  backend: string;
  /** The path the backend sees. */
  path: string;
}

/** Where Front Door sends a request for `path` on the default domain; null when no route matches (404). */
export function frontDoorRoute(frontDoor: FrontDoor, path: string): Forwarded | null {
  let best: { route: FrontDoorRoute; exact: boolean; length: number } | undefined;
  for (const route of frontDoor.routes) {
    if (!route.linkedToDefaultDomain) continue;
    for (const pattern of route.patterns) {
      const exact = !pattern.endsWith('*');
      const matches = exact ? pattern === path : path.startsWith(pattern.slice(0, -1));
      if (!matches) continue;
      const candidate = { route, exact, length: pattern.length };
      if (
        !best ||
        (candidate.exact && !best.exact) ||
        (candidate.exact === best.exact && candidate.length > best.length)
      )
        best = candidate;
    }
  }
  if (!best) return null;
  const forwarded: Forwarded = { route: best.route.name, backend: best.route.originGroup, path };
  const rules = frontDoor.rules
    .filter((rule) => best.route.ruleSets.includes(rule.ruleSet))
    .sort((a, b) => a.order - b.order);
  for (const rule of rules) {
    if (rule.rewrite && forwarded.path.startsWith(rule.rewrite.source)) {
      const rest = forwarded.path.slice(rule.rewrite.source.length);
      forwarded.path = rule.rewrite.destination + (rule.rewrite.preserveUnmatchedPath ? rest : '');
    }
    if (rule.originGroup) forwarded.backend = rule.originGroup;
    if (rule.stop) break;
  }
  return forwarded;
}

// ── AWS Application Load Balancer ────────────────────────────────────────────────────────────────────

export interface AlbRule {
  name: string;
  priority: number;
  patterns: string[];
  target: string;
}

/** Listener rules that forward on path patterns, and what the listener does otherwise. */
export function readAlb(resources: Map<string, Block>, vars: Record<string, Json>): AlbRule[] {
  const rules: AlbRule[] = [];
  for (const [address, body] of resources) {
    const [type, name = ''] = address.split('.');
    if (type !== 'aws_lb_listener_rule') continue;
    const action = blocks(body.action)[0] ?? {};
    if (action.type !== 'forward') throw new Error(`${address}: only forward actions are modelled`);
    const conditions = blocks(body.condition);
    if (conditions.some((c) => Object.keys(c).some((k) => k !== 'path_pattern')))
      throw new Error(`${address}: only path_pattern conditions are modelled`);
    rules.push({
      name,
      priority: Number(body.priority),
      patterns: conditions.flatMap((c) => evaluateList(blocks(c.path_pattern)[0]?.values, vars)),
      target: names(action.target_group_arn, 'aws_lb_target_group')[0] ?? '?',
    });
  }
  return rules.sort((a, b) => a.priority - b.priority);
}

/** AWS allows five condition values per rule; priorities must be unique per listener. */
export function checkAlb(rules: AlbRule[]): RouteFinding[] {
  const findings: RouteFinding[] = [];
  const seen = new Set<number>();
  for (const rule of rules) {
    const where = `aws_lb_listener_rule.${rule.name}`;
    if (rule.patterns.length > 5)
      findings.push({ where, message: `${rule.patterns.length} path patterns; a rule takes at most 5` });
    if (seen.has(rule.priority)) findings.push({ where, message: `priority ${rule.priority} is taken` });
    seen.add(rule.priority);
  }
  return findings;
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** The target group a request for `path` reaches, or null for the listener's default action. */
export function albRoute(rules: AlbRule[], path: string): Forwarded | null {
  for (const rule of rules) {
    if (rule.patterns.some((p) => globToRegExp(p).test(path)))
      return { route: rule.name, backend: rule.target, path };
  }
  return null;
}

// ── Kubernetes Ingress ───────────────────────────────────────────────────────────────────────────────

export interface IngressPath {
  host: string;
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  service: string;
}

/** Every path of every rendered Ingress. */
export function ingressPaths(manifests: Manifest[]): IngressPath[] {
  const out: IngressPath[] = [];
  for (const m of manifests) {
    if (m.kind !== 'Ingress') continue;
    const spec = m.spec as {
      rules?: {
        host?: string;
        http?: { paths?: { path: string; pathType: string; backend: { service: { name: string } } }[] };
      }[];
    };
    for (const rule of spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        out.push({
          host: rule.host ?? '*',
          path: p.path,
          pathType: p.pathType as IngressPath['pathType'],
          service: p.backend.service.name,
        });
      }
    }
  }
  return out;
}

/** The Service that gets a request for `path`, by the Ingress specification's precedence. */
export function ingressRoute(paths: IngressPath[], path: string): Forwarded | null {
  const elements = (p: string) => p.split('/').filter(Boolean);
  let best: { p: IngressPath; length: number } | undefined;
  for (const p of paths) {
    if (p.pathType === 'ImplementationSpecific')
      throw new Error(`${p.path}: ImplementationSpecific is not modelled`);
    const want = elements(p.path);
    const got = elements(path);
    const matches =
      p.pathType === 'Exact'
        ? p.path === path
        : want.length <= got.length && want.every((e, i) => e === got[i]);
    if (!matches) continue;
    const length = p.path.replace(/\/$/, '').length;
    if (!best || length > best.length || (length === best.length && p.pathType === 'Exact'))
      best = { p, length };
  }
  return best ? { route: `${best.p.pathType} ${best.p.path}`, backend: best.p.service, path } : null;
}
