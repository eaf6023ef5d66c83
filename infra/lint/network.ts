// Which inbound ports an Azure network security group leaves open, and to whom, computed from its rules
// the way Azure evaluates them: by ascending priority, the first rule whose source, port and protocol
// match decides; after the module's rules come Azure's own defaults (AllowVnetInBound at 65000,
// AllowAzureLoadBalancerInBound at 65001, DenyAllInBound at 65500), which is why an NSG without an
// explicit deny leaves every port open to the whole VNet.
import { evaluateString } from './routes.js';
import type { Json } from './terraform.js';

type Block = { [key: string]: Json };

export interface NsgRule {
  name: string;
  priority: number;
  access: 'Allow' | 'Deny';
  protocol: string;
  source: string;
  ports: string[];
}

/** Who sends the traffic: an address, and whether it is inside the VNet or Azure's load balancer. */
export interface Sender {
  address: string;
  inVnet: boolean;
  loadBalancer?: boolean;
}

const DEFAULTS: NsgRule[] = [
  {
    name: 'AllowVnetInBound',
    priority: 65000,
    access: 'Allow',
    protocol: '*',
    source: 'VirtualNetwork',
    ports: ['*'],
  },
  {
    name: 'AllowAzureLoadBalancerInBound',
    priority: 65001,
    access: 'Allow',
    protocol: '*',
    source: 'AzureLoadBalancer',
    ports: ['*'],
  },
  { name: 'DenyAllInBound', priority: 65500, access: 'Deny', protocol: '*', source: '*', ports: ['*'] },
];

/** The inbound rules of an azurerm_network_security_group, with variables substituted. */
export function inboundRules(nsg: Block, vars: Record<string, Json>): NsgRule[] {
  // `${var.subnet_cidrs.app}`: a field of an object variable, then plain `${var.x}`.
  const evaluate = (v: Json | undefined) => {
    if (typeof v !== 'string') throw new Error(`not a string: ${JSON.stringify(v)}`);
    const fields = v.replace(/\$\{var\.(\w+)\.(\w+)\}/g, (_m, name: string, key: string) => {
      const value = (vars[name] as Record<string, Json> | undefined)?.[key];
      if (value === undefined) throw new Error(`no value for var.${name}.${key}`);
      return String(value);
    });
    return evaluateString(fields, vars);
  };
  const rules = (Array.isArray(nsg.security_rule) ? nsg.security_rule : []) as Block[];
  return rules
    .filter((r) => r.direction === 'Inbound')
    .map((r) => ({
      name: String(r.name),
      priority: Number(r.priority),
      access: r.access as NsgRule['access'],
      protocol: String(r.protocol),
      source: evaluate(r.source_address_prefix),
      ports: r.destination_port_ranges
        ? (r.destination_port_ranges as Json[]).map((p) => evaluate(p))
        : [evaluate(r.destination_port_range)],
    }))
    .sort((a, b) => a.priority - b.priority);
}

const ipv4 = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);

function inCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}

function sourceMatches(source: string, sender: Sender): boolean {
  if (source === '*') return true;
  if (source === 'VirtualNetwork') return sender.inVnet;
  if (source === 'AzureLoadBalancer') return sender.loadBalancer === true;
  if (source === 'Internet') return !sender.inVnet && !sender.loadBalancer;
  if (/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(source))
    return inCidr(sender.address, source.includes('/') ? source : `${source}/32`);
  return false; // another service tag (AzureFrontDoor.Backend, ...): not this sender
}

const portMatches = (range: string, port: number) => {
  if (range === '*') return true;
  const [from, to = from] = range.split('-').map(Number);
  return port >= from! && port <= to!;
};

/** The TCP ports open to `sender`, as ranges ("443", "5432", "1000-2000"). */
export function openTcpPorts(rules: NsgRule[], sender: Sender): string[] {
  const all = [...rules].sort((a, b) => a.priority - b.priority).concat(DEFAULTS);
  const open: number[] = [];
  for (let port = 1; port <= 65535; port++) {
    const rule = all.find(
      (r) =>
        (r.protocol === '*' || r.protocol === 'Tcp') &&
        sourceMatches(r.source, sender) &&
        r.ports.some((p) => portMatches(p, port)),
    );
    if (rule?.access === 'Allow') open.push(port);
  }
  const ranges: string[] = [];
  for (let i = 0; i < open.length; ) {
    let j = i;
    while (j + 1 < open.length && open[j + 1] === open[j]! + 1) j++;
    ranges.push(i === j ? String(open[i]) : `${open[i]}-${open[j]}`);
    i = j + 1;
  }
  return ranges;
}
