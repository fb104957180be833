// The simulated organisation: tenants with their IdP, people and service accounts with
// their devices and networks, applications behind policies, and the emitters that report.
import { createHash } from 'node:crypto';
import { Rng } from './rng.js';

export type Idp = 'okta' | 'entra' | 'keycloak';

export interface Device {
  id: string;
  os: string;
  userAgent: string;
  agentVersion: string;
}

export interface Principal {
  id: string;
  type: 'user' | 'service';
  tenant: string;
  country: string;
  asn: number;
  /** First three octets of the home network; the last is drawn per event. */
  net: string;
  devices: Device[];
  /** Relative activity: a few people do most of the work. */
  weight: number;
}

export interface App {
  name: string;
  policyId: string;
  policyVersion: string;
}

export interface Tenant {
  name: string;
  idp: Idp;
  principals: Principal[];
  cumulativeWeights: number[];
}

export interface World {
  tenants: Tenant[];
  apps: App[];
  enforcementPoints: string[];
}

const TENANTS: ReadonlyArray<readonly [string, Idp]> = [
  ['acme', 'okta'],
  ['globex', 'entra'],
  ['initech', 'keycloak'],
];
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['US', 5],
  ['DE', 2],
  ['GB', 2],
  ['FR', 1],
  ['IN', 2],
  ['JP', 1],
  ['BR', 1],
];
const ASNS = [7922, 3320, 2856, 3215, 9498, 2516, 28573, 16509, 15169];
const OSES = ['macOS 15.1', 'Windows 11 23H2', 'Ubuntu 24.04', 'iOS 18.1', 'Android 15'];
const BROWSERS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const APPS = ['payroll', 'git', 'wiki', 'crm', 'ci', 'grafana', 'jira', 'hr-portal', 'billing', 'admin-console', 'data-lake', 'vpn'];
const SERVICES = ['backup', 'deployer', 'etl', 'monitoring', 'billing-sync'];

export function buildWorld(seed: number, usersPerTenant = 300): World {
  const rng = new Rng(seed ^ 0x5eed);
  const tenants = TENANTS.map(([name, idp]) => {
    const principals: Principal[] = [];
    for (let i = 0; i < usersPerTenant; i++) {
      principals.push(principal(rng, `user${i}@${name}.example`, 'user', name, rng.logNormal(1, 0.8)));
    }
    for (const svc of SERVICES) principals.push(principal(rng, `svc-${svc}@${name}.example`, 'service', name, 3));
    let sum = 0;
    return { name, idp, principals, cumulativeWeights: principals.map((p) => (sum += p.weight)) };
  });
  const apps = APPS.map((name) => ({ name, policyId: `ztna/${name}/allow`, policyVersion: `2026.${1 + rng.int(11)}.${1 + rng.int(28)}` }));
  return { tenants, apps, enforcementPoints: ['pep-gw-1', 'pep-gw-2', 'pep-sidecar-1'] };
}

function principal(rng: Rng, id: string, type: 'user' | 'service', tenant: string, weight: number): Principal {
  const deviceCount = type === 'service' ? 1 : 1 + rng.int(2);
  const devices = Array.from({ length: deviceCount }, () => ({
    id: `dev-${rng.hex(10)}`,
    os: type === 'service' ? 'Linux container' : rng.pick(OSES),
    userAgent: type === 'service' ? 'ztna-agent/2.4 (service)' : rng.pick(BROWSERS),
    agentVersion: `3.${rng.int(4)}.${rng.int(10)}`,
  }));
  return {
    id,
    type,
    tenant,
    country: rng.weighted(COUNTRIES),
    asn: rng.pick(ASNS),
    net: `${rng.pick([81, 86, 92, 175, 203, 34, 52, 100])}.${rng.int(256)}.${rng.int(256)}`,
    devices,
    weight,
  };
}

/** A principal of the tenant, drawn by activity weight. */
export function drawPrincipal(rng: Rng, tenant: Tenant): Principal {
  const weights = tenant.cumulativeWeights;
  const r = rng.next() * weights[weights.length - 1]!;
  let lo = 0;
  let hi = weights.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (weights[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return tenant.principals[lo]!;
}

/** How often a service account's secret is rotated. */
export const SERVICE_CREDENTIAL_ROTATION_MS = 30 * 86400_000;

/**
 * The id of the secret a service account signs in with at a time (an Entra key id's form): a new
 * one every 30 days, at a phase of its own. Derived from the account, not drawn, so the world and
 * the traffic draw what they drew before.
 */
export function serviceCredentialId(principalId: string, at: number): string {
  const phase = createHash('sha256').update(principalId).digest().readUInt32BE(0) % SERVICE_CREDENTIAL_ROTATION_MS;
  const generation = Math.floor((at + phase) / SERVICE_CREDENTIAL_ROTATION_MS);
  const h = createHash('sha256').update(`${principalId}/${generation}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
