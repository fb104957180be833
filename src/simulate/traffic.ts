// Baseline traffic: every kind, every shape, with a daily cycle and noise. Deterministic
// for a seed and a start time.
import { Rng } from './rng.js';
import { buildWorld, drawPrincipal, serviceCredentialId, type Principal, type Tenant, type World } from './world.js';
import { render, VENDOR_SHAPES, type Shape, type Truth, type VendorShapeName } from './shapes.js';
import type { VendorShape } from './vendorShape.js';
import { activate, type ActiveScenario, type ScenarioLabel, type ScenarioName, type ScenarioWindow } from './scenarios.js';

export interface SimulatedRecord {
  /** 'event' carries its truth; the others are what a real feed also contains. */
  type: 'event' | 'invalid' | 'not-access';
  /** The scenario that injected this event, if one did. */
  scenario?: ScenarioName;
  truth?: Truth;
  shape?: Shape;
  /** The JSON line as an emitter sends it (no newline). */
  line: string;
  /** Kafka topic kind: which ztna.* topic it goes to. */
  topicKind: 'auth' | 'policy' | 'posture' | 'token';
  key: string;
}

export interface TrafficOptions {
  seed: number;
  /** Simulated start (ms since epoch). */
  start: number;
  /** Mean events per simulated second at the daily peak. */
  peakRate?: number;
  /** False: the same rate at every hour (a test whose window follows the wall clock gets the same traffic whenever it runs). */
  dailyCycle?: boolean;
  /** Share of records that are malformed (not JSON, wrong fields). */
  invalidShare?: number;
  /** Share of records that are vendor events but not access events. */
  notAccessShare?: number;
  /** Where event times come from: simulated arrivals (default) or the wall clock. */
  clock?: 'simulated' | 'wall';
  /** Incidents to inject, by absolute time (ms). */
  scenarios?: readonly ScenarioWindow[];
  /** The tenant the pipeline gives a record whose shape carries none (ZTNA_DEFAULT_TENANT): that record's truth. */
  defaultTenant?: string;
}

const KIND_WEIGHTS = [
  ['auth', 25],
  ['policy', 45],
  ['posture', 10],
  ['token', 20],
] as const;
// The shapes of each kind besides the tenant's IdP, OPA and our own: a few in a hundred each, so
// every source shows while most events keep their tenant (the gateways' and agents' carry none).
const VENDOR_WEIGHTS: Record<Truth['kind'], ReadonlyArray<readonly [VendorShapeName, number]>> = {
  auth: [
    ['ocsf', 4],
    ['teleport', 4],
    ['auth0', 3],
    ['google_workspace_login', 3],
    ['duo', 3],
    ['entra_noninteractive', 3],
    ['keycloak_event_log', 3],
  ],
  policy: [
    ['ocsf', 3],
    ['cloudflare_access', 3],
    ['cloudflare_gateway', 3],
    ['zpa_user_activity', 3],
    ['teleport', 3],
    ['zpa_browser_access', 3],
    ['opa_envoy', 3],
  ],
  posture: [
    ['ocsf', 5],
    ['intune', 5],
    ['zpa_user_status', 5],
    ['cloudflare_device_posture', 5],
    ['google_workspace_device', 5],
  ],
  token: [],
};
// Share of the attacks' own auth and policy events an OCSF-emitting broker reports (their logins
// all go to the vendor chosen for the window, when one is).
const INJECTED_OCSF_SHARE = 0.25;
const CHECKS = ['disk_encryption', 'os_patch_level', 'firewall', 'edr_running', 'screen_lock'];
const TOKEN_ACTIVITY = [
  ['use', 50],
  ['issue', 25],
  ['refresh', 18],
  ['revoke', 4],
  ['introspect', 3],
] as const;

interface LiveToken {
  id: string;
  raw: string;
  principal: Principal;
  deviceIndex: number;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
}

/** Share of the daily peak at a UTC hour: quiet nights, busy working hours, noise on top. */
export function dailyFactor(ms: number): number {
  const hour = (ms / 3_600_000) % 24;
  return 0.15 + 0.85 * Math.exp(-((hour - 13) ** 2) / (2 * 3.5 ** 2));
}

/** The shapes whose service sign-ins name the credential used: ours, and Entra's key id. */
const CREDENTIAL_SHAPES: ReadonlySet<Shape> = new Set(['native', 'entra']);

/** A service's sign-in names its current secret where its shape carries one (the guide's M7, rotation). */
function nameCredential(truth: Truth, shape: Shape): void {
  if (truth.kind === 'auth' && truth.principal_type === 'service' && CREDENTIAL_SHAPES.has(shape))
    truth.credential_id = serviceCredentialId(String(truth.principal_id), Date.parse(truth.time));
}

export class TrafficSimulator {
  readonly world: World;
  private readonly rng: Rng;
  private now: number;
  private seq = new Map<string, number>();
  /** Emitters down in a scenario's crash, until their next event. */
  private readonly crashed = new Set<string>();
  private sessions = new Map<string, string>();
  /** Per session, the last second a ZPA status was rendered in: a second record in that second would be the same event. */
  private zpaStatusSecond = new Map<string, string>();
  private tokensByPrincipal = new Map<string, LiveToken[]>();
  /** Each device's latest posture as the baseline reported it: the policy engine denies a non-compliant device. */
  private compliant = new Map<string, boolean>();
  private readonly peakRate: number;
  private readonly scenarios: ActiveScenario[];
  /** Attacks and incidents draw from their own PRNG: the baseline is the same with or without them. */
  private readonly incidentRng: Rng;
  /** The gateways' request latency draws from its own too, so the baseline's other draws stay the same. */
  private readonly gatewayRng: Rng;
  private nextBaselineAt: number;

  constructor(private readonly options: TrafficOptions) {
    this.rng = new Rng(options.seed);
    this.incidentRng = new Rng(options.seed ^ 0x1ec1de47);
    this.gatewayRng = new Rng(options.seed ^ 0x6a7e3a1);
    this.world = buildWorld(options.seed);
    this.now = options.start;
    this.peakRate = options.peakRate ?? 200;
    this.nextBaselineAt = options.start;
    this.scenarios = (options.scenarios ?? []).map((window, i) =>
      activate(
        window,
        {
          world: this.world,
          rng: new Rng(options.seed + 7919 * (i + 1)),
          envelope: (principal, kind, emitter, at, deviceIndex) =>
            this.envelopeFor(this.incidentRng, principal, kind, emitter, at, deviceIndex),
        },
        this.defaultTenant,
      ),
    );
  }

  /** Ground truth of every injected scenario, for --labels. */
  get labels(): ScenarioLabel[] {
    return this.scenarios.map((s) => s.label);
  }

  /** The simulated clock (ms). */
  get time(): number {
    return this.now;
  }

  next(): SimulatedRecord {
    for (;;) {
      const injected = this.dueInjection();
      if (injected) {
        this.now = Math.max(this.now, injected.nextAt!()!);
        const truth = injected.emit!(this.incidentRng);
        if (this.crashedOn(truth)) continue; // through a crashed enforcement point, nothing
        // An attack's or a rollout's decisions pass the same engine (an exception rule is a scenario's own gap).
        if (truth.kind === 'policy') this.enforcePosture(truth);
        const shape = this.injectedShapeFor(injected.window, truth);
        nameCredential(truth, shape);
        if (shape === 'native') truth.emitter_seq = this.nextSeq(truth.emitter_id as string);
        else VENDOR_SHAPES[shape].conform(truth, this.defaultTenant);
        return {
          type: 'event',
          scenario: injected.window.name,
          truth,
          shape,
          line: JSON.stringify(render(truth, shape, this.incidentRng)),
          topicKind: truth.kind,
          key: String(truth.principal_id),
        };
      }
      this.advanceClock();
      const rng = this.rng;
      if (rng.chance(this.options.invalidShare ?? 0)) return this.invalid();
      if (rng.chance(this.options.notAccessShare ?? 0)) return this.notAccess();
      const tenant = rng.pick(this.world.tenants);
      const kind = rng.weighted(KIND_WEIGHTS);
      const principal = drawPrincipal(rng, tenant);
      const truth = this[kind](tenant, principal);
      // The shape first: the scenarios change what its records say (their tenant, emitter, fields).
      const shape = this.shapeFor(truth, tenant);
      nameCredential(truth, shape);
      if (shape in VENDOR_SHAPES) VENDOR_SHAPES[shape as VendorShapeName].conform(truth, this.defaultTenant);
      let kept = true;
      for (const s of this.scenarios)
        if (s.alter && this.now >= s.window.start && this.now < s.window.end) kept = s.alter(truth, this.incidentRng) && kept;
      if (this.crashedOn(truth)) continue;
      // Only our native format carries sequence numbers: a vendor-shaped event must not leave a gap.
      if (shape === 'native') truth.emitter_seq = this.nextSeq(truth.emitter_id as string);
      if (!kept) continue; // lost in transit: its sequence number leaves a gap
      return { type: 'event', truth, shape, line: JSON.stringify(render(truth, shape, rng)), topicKind: kind, key: principal.id };
    }
  }

  /**
   * An injected event's shape: the vendor chosen for the window (`name/shape`) for its logins;
   * else our native format, sequenced like its emitter's others, or for a share of the attacks'
   * logins and decisions an OCSF-emitting broker's (with its tenant).
   */
  private injectedShapeFor({ name, shape }: ScenarioWindow, truth: Truth): 'native' | VendorShapeName {
    if (shape !== undefined && truth.kind === 'auth') {
      // The scenario declared the shape: one that cannot tell its login is a wrong declaration.
      if (!VENDOR_SHAPES[shape].carries(truth)) throw new Error(`${shape} cannot tell a login of ${name}: not a shape for it`);
      return shape;
    }
    return truth.kind !== 'token' && this.incidentRng.chance(INJECTED_OCSF_SHARE) ? 'ocsf' : 'native';
  }

  /** Whether an active scenario has the event's emitter down (crashed): then it is never made. */
  private crashedOn(truth: Truth): boolean {
    const down = this.scenarios.some((s) => s.down !== undefined && this.now >= s.window.start && this.now < s.window.end && s.down(truth));
    if (down) this.crashed.add(truth.emitter_id as string);
    return down;
  }

  /** The scenario whose next own event comes before the next baseline arrival, if any. */
  private dueInjection(): ActiveScenario | undefined {
    const horizon = this.options.clock === 'wall' ? Date.now() : this.nextBaselineAt;
    let due: ActiveScenario | undefined;
    for (const s of this.scenarios) {
      const at = s.nextAt?.();
      if (at !== undefined && at <= horizon && (due === undefined || at < due.nextAt!()!)) due = s;
    }
    return due;
  }

  private advanceClock(): void {
    if (this.options.clock === 'wall') {
      this.now = Math.max(this.now, Date.now());
      return;
    }
    this.now = Math.max(this.now, this.nextBaselineAt);
    const rate = this.peakRate * (this.options.dailyCycle === false ? 1 : dailyFactor(this.now)) * (0.8 + 0.4 * this.rng.next());
    this.nextBaselineAt = this.now + Math.max(1, Math.round(this.rng.exp(rate) * 1000));
  }

  private nextSeq(emitter: string): number {
    // Back from a crash: its sequence starts again.
    if (this.crashed.delete(emitter)) this.seq.delete(emitter);
    const seq = (this.seq.get(emitter) ?? 0) + 1;
    this.seq.set(emitter, seq);
    return seq;
  }

  private get defaultTenant(): string {
    return this.options.defaultTenant ?? 'default';
  }

  private shapeFor(truth: Truth, tenant: Tenant): Shape {
    const vendor = this.vendorShapeFor(truth);
    return vendor ?? this.ownShapeFor(truth, tenant);
  }

  /** A gateway's or posture agent's shape for this event, a few times in a hundred, when it can tell it. */
  private vendorShapeFor(truth: Truth): VendorShapeName | undefined {
    const weights = VENDOR_WEIGHTS[truth.kind];
    const roll = this.rng.next() * 100;
    let sum = 0;
    const picked = weights.find(([, weight]) => roll < (sum += weight))?.[0];
    if (picked === undefined) return undefined;
    const shape: VendorShape = VENDOR_SHAPES[picked];
    // An untimed record is timed when observed: true to its truth only when it is sent as it is made.
    if (!shape.carries(truth) || (shape.untimed && this.options.clock !== 'wall')) return undefined;
    if (picked === 'zpa_user_status') {
      const second = truth.time.slice(0, 19);
      const session = String(truth.session_id);
      if (this.zpaStatusSecond.get(session) === second) return undefined;
      this.zpaStatusSecond.set(session, second);
    }
    return picked;
  }

  private ownShapeFor(truth: Truth, tenant: Tenant): Shape {
    const rng = this.rng;
    switch (truth.kind) {
      case 'auth':
        return rng.chance(0.6) ? tenant.idp : 'native';
      case 'policy':
        return rng.weighted([['opa', 45], ['native', 45], ...(tenant.idp === 'okta' ? ([['okta', 10]] as const) : [])]);
      case 'token':
        return tenant.idp === 'keycloak' && (truth.activity === 'issue' || truth.activity === 'refresh') && rng.chance(0.6)
          ? 'keycloak'
          : 'native';
      default:
        return 'native';
    }
  }

  private envelope(tenant: Tenant, principal: Principal, kind: Truth['kind'], emitter: string): Truth {
    return this.envelopeFor(this.rng, principal, kind, emitter, this.now);
  }

  /** A principal's usual context at a time: one of their devices, its session, their home network. */
  private envelopeFor(rng: Rng, principal: Principal, kind: Truth['kind'], emitter: string, at: number, deviceIndex?: number): Truth {
    const device = principal.devices[deviceIndex ?? rng.int(principal.devices.length)]!;
    const sessionKey = `${principal.id}/${device.id}`;
    let session = this.sessions.get(sessionKey);
    if (!session || rng.chance(0.02)) {
      session = `s-${rng.hex(16)}`;
      this.sessions.set(sessionKey, session);
    }
    return {
      kind,
      time: new Date(at).toISOString(),
      tenant: principal.tenant,
      emitter_id: emitter,
      correlation_id: `c-${rng.hex(16)}`,
      session_id: session,
      principal_id: principal.id,
      principal_type: principal.type,
      device_id: device.id,
      src_ip: `${principal.net}.${1 + rng.int(254)}`,
      user_agent: device.userAgent,
      geo_country: principal.country,
      asn: principal.asn,
    };
  }

  private auth(tenant: Tenant, principal: Principal): Truth {
    const rng = this.rng;
    const outcome = rng.weighted([
      ['success', 955],
      ['failure', 44],
      ['error', 1],
    ] as const);
    const mfa = principal.type === 'user' && rng.chance(0.6);
    return {
      ...this.envelope(tenant, principal, 'auth', `idp-${tenant.name}`),
      app: rng.pick(this.world.apps).name,
      outcome,
      auth_method:
        principal.type === 'service'
          ? 'client_credentials'
          : rng.weighted([
              ['password', 5],
              ['webauthn', 3],
              ['push', 2],
            ] as const),
      mfa,
      idp: tenant.idp,
      latency_ms: Math.round(rng.logNormal(180, 0.5)),
      ...(outcome === 'failure' ? { failure_reason: rng.pick(['invalid credentials', 'mfa rejected', 'account locked']) } : {}),
      ...(outcome === 'error' ? { failure_reason: 'identity provider unavailable' } : {}),
    };
  }

  private policy(tenant: Tenant, principal: Principal): Truth {
    const rng = this.rng;
    const app = rng.pick(this.world.apps);
    const decision = rng.weighted([
      ['allow', 930],
      ['deny', 69],
      ['error', 1],
    ] as const);
    const pep = rng.pick(this.world.enforcementPoints);
    const envelope = this.envelope(tenant, principal, 'policy', pep);
    const truth: Truth = {
      ...envelope,
      app: app.name,
      decision,
      policy_id: app.policyId,
      policy_version: app.policyVersion,
      rule: decision === 'allow' ? 'allow-compliant-device' : 'default-deny',
      action: rng.weighted([
        ['read', 6],
        ['write', 3],
        ['admin', 1],
      ] as const),
      eval_latency_ms: Number(rng.logNormal(7, 0.6).toFixed(3)),
      reasons: decision === 'deny' ? [rng.pick(['device not compliant', 'outside allowed hours', 'missing group membership'])] : [],
      enforcement_point: pep,
    };
    // What the user waited on the enforcement point: the evaluation and the connection's setup (no answer, no wait).
    if (decision !== 'error')
      truth.request_latency_ms = Number(((truth.eval_latency_ms as number) + this.gatewayRng.logNormal(60, 0.5)).toFixed(3));
    // After the draws, so the baseline's randomness is the same either way.
    this.enforcePosture(truth);
    return truth;
  }

  /** The policy engine's posture check: the compliant-device rule does not allow a device whose latest report failed. */
  private enforcePosture(truth: Truth): void {
    if (truth.decision === 'allow' && truth.rule === 'allow-compliant-device' && this.compliant.get(truth.device_id as string) === false)
      Object.assign(truth, { decision: 'deny', rule: 'default-deny', reasons: ['device not compliant'] });
  }

  private posture(tenant: Tenant, principal: Principal): Truth {
    const rng = this.rng;
    const checks = CHECKS.map((name) => ({ name, passed: !rng.chance(0.002) }));
    const envelope = this.envelope(tenant, principal, 'posture', `posture-${tenant.name}`);
    const device = principal.devices.find((d) => d.id === envelope.device_id)!;
    const passed = checks.filter((c) => c.passed).length;
    this.compliant.set(device.id, passed === checks.length);
    return {
      ...envelope,
      compliant: passed === checks.length,
      checks,
      agent_version: device.agentVersion,
      os: device.os,
      posture_score: Math.round((100 * passed) / checks.length),
    };
  }

  private token(tenant: Tenant, principal: Principal): Truth {
    const rng = this.rng;
    let activity = rng.weighted(TOKEN_ACTIVITY);
    const mine = (this.tokensByPrincipal.get(principal.id) ?? []).filter((t) => t.expiresAt > this.now);
    this.tokensByPrincipal.set(principal.id, mine);
    if (mine.length === 0) activity = 'issue';
    const envelope = this.envelope(tenant, principal, 'token', `token-service-${tenant.name}`);
    let token: LiveToken;
    if (activity === 'issue' || activity === 'refresh') {
      token = {
        id: `jti-${rng.hex(20)}`,
        raw: `eyJhbGciOiJSUzI1NiJ9.${rng.hex(40)}.${rng.hex(43)}`,
        principal,
        deviceIndex: principal.devices.findIndex((d) => d.id === envelope.device_id),
        clientId: `${rng.pick(this.world.apps).name}-client`,
        issuedAt: this.now,
        expiresAt: this.now + 3_600_000,
      };
      mine.push(token);
    } else {
      token = rng.pick(mine);
      // A token is used from the device it was issued to.
      const device = principal.devices[token.deviceIndex] ?? principal.devices[0]!;
      envelope.device_id = device.id;
      envelope.user_agent = device.userAgent;
      if (activity === 'revoke') token.expiresAt = this.now;
    }
    return {
      ...envelope,
      activity,
      token_id: token.id,
      raw_token: token.raw,
      token_type: 'access_token',
      issued_at: new Date(token.issuedAt).toISOString(),
      expires_at: new Date(token.expiresAt).toISOString(),
      client_id: token.clientId,
      audience: `https://${tenant.name}.example/api`,
      scopes: ['openid', 'profile'],
    };
  }

  private invalid(): SimulatedRecord {
    const rng = this.rng;
    const topicKind = rng.weighted(KIND_WEIGHTS);
    const line = rng.pick([
      () => `{"kind":"${topicKind}","time":`,
      () => 'not json at all',
      () => JSON.stringify({ kind: topicKind, time: 'yesterday', tenant: 'acme', emitter_id: 'broken-emitter' }),
      () => JSON.stringify({ hello: 'world', n: rng.int(1000) }),
      () => JSON.stringify([1, 2, 3]),
    ])();
    return { type: 'invalid', line, topicKind, key: 'invalid' };
  }

  private notAccess(): SimulatedRecord {
    const rng = this.rng;
    const time = new Date(this.now).toISOString();
    const line = rng.chance(0.5)
      ? JSON.stringify({
          uuid: rng.uuid(),
          published: time,
          eventType: 'user.account.update_profile',
          actor: { alternateId: 'admin@acme.example' },
          outcome: { result: 'SUCCESS' },
        })
      : JSON.stringify({ id: rng.uuid(), time: this.now, type: 'UPDATE_PROFILE', realmId: 'initech', userId: rng.uuid() });
    return { type: 'not-access', line, topicKind: 'auth', key: 'not-access' };
  }
}
