// The identity providers' shapes besides each tenant's own IdP: Auth0 logs (a log stream), Google
// Workspace logins (the Reports API), Duo authentications (the Admin API), Entra's non-interactive
// and managed-identity sign-ins (Azure Monitor), Keycloak's JSON event log, and two gateways' decisions: ZPA browser access
// (LSS) and OPA as Envoy's external authorizer. Each is the inverse of its normalizer. Auth0,
// Google, Duo and ZPA carry no tenant; Entra carries its tenant id, Keycloak its realm and OPA its
// configured labels.
// None renders what would become a related event (Conditional Access, device health): the truth
// is one event per record.
import type { Truth } from './shapes.js';
import { ZPA_REASON } from './gatewayShapes.js';
import { ctime, leaveOut, osParts, type VendorShape } from './vendorShape.js';

const isUserAuth = (t: Truth) => t.kind === 'auth' && t.principal_type === 'user';
const pushFailed = (t: Truth) => t.outcome === 'failure' && t.auth_method === 'push';
const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

export const auth0: VendorShape = {
  // Auth0 logs its own outages as nothing a login says; a client's login is a token exchange.
  carries: (t) => isUserAuth(t) && t.outcome !== 'error',
  conform(t, defaultTenant) {
    const ok = t.outcome === 'success';
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `auth0:${t.tenant}.eu.auth0.com`,
      idp: 'auth0',
      // A turned-down Guardian push is its own log type; any other failure, a wrong password.
      auth_method: pushFailed(t) ? 'push' : 'password',
      ...(ok ? {} : { failure_reason: pushFailed(t) ? 'User rejected the push notification' : 'Wrong email or password.' }),
    });
    if (pushFailed(t)) t.mfa = true;
    else if (!ok || !t.mfa) leaveOut(t, 'mfa');
    if (!ok) leaveOut(t, 'session_id');
    leaveOut(t, 'device_id', 'geo_country', 'asn', 'correlation_id', 'latency_ms');
  },
  render(t, rng) {
    const type = t.outcome === 'success' ? 's' : t.auth_method === 'push' ? 'gd_auth_rejected' : 'fp';
    const logId = `900${t.time.replace(/\D/g, '')}${rng.hex(32)}`;
    const prompts = [{ name: 'prompt-authenticate', strategy: 'auth0' }, ...(type === 's' && t.mfa ? [{ name: 'mfa' }] : [])];
    return {
      log_id: logId,
      data: {
        log_id: logId,
        date: t.time,
        type,
        ...(t.failure_reason ? { description: t.failure_reason } : {}),
        connection: 'Username-Password-Authentication',
        client_id: rng.hex(32),
        client_name: t.app,
        ip: t.src_ip,
        user_agent: t.user_agent,
        details: { prompts, ...(t.session_id ? { session_id: t.session_id } : {}) },
        hostname: String(t.emitter_id).slice('auth0:'.length),
        user_id: `auth0|${rng.hex(24)}`,
        user_name: t.principal_id,
        strategy: 'auth0',
        strategy_type: 'database',
      },
    };
  },
};

export const googleWorkspaceLogin: VendorShape = {
  carries: (t) => isUserAuth(t) && t.outcome !== 'error',
  conform(t, defaultTenant) {
    const ok = t.outcome === 'success';
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `google_workspace:${t.tenant}.example`,
      idp: 'google',
      auth_method: 'password',
      ...(ok ? {} : { failure_reason: 'login_failure_invalid_password' }),
    });
    if (!ok || !t.mfa) leaveOut(t, 'mfa');
    // A login names no application, session or device.
    leaveOut(t, 'app', 'session_id', 'device_id', 'user_agent', 'geo_country', 'asn', 'correlation_id', 'latency_ms');
  },
  render(t, rng) {
    const parameter = (name: string, value: unknown) => (Array.isArray(value) ? { name, multiValue: value } : { name, value });
    const ok = t.outcome === 'success';
    return {
      kind: 'admin#reports#activity',
      id: {
        time: t.time,
        uniqueQualifier: `-${rng.int(2 ** 31)}${rng.int(2 ** 31)}`,
        applicationName: 'login',
        customerId: `C0${String(t.emitter_id).slice('google_workspace:'.length).split('.')[0]}`,
      },
      actor: { callerType: 'USER', email: t.principal_id, profileId: String(rng.int(2 ** 31)) },
      ownerDomain: String(t.emitter_id).slice('google_workspace:'.length),
      ipAddress: t.src_ip,
      events: [
        {
          type: 'login',
          name: ok ? 'login_success' : 'login_failure',
          parameters: [
            parameter('login_type', 'google_password'),
            parameter('login_challenge_method', t.mfa ? ['password', 'google_authenticator'] : ['password']),
            ...(ok ? [] : [parameter('login_failure_type', t.failure_reason)]),
          ],
        },
      ],
    };
  },
};

// Duo's second factor: a push, else a passcode; a push turned down is denied, one in four marked as fraud.
const DUO_FACTOR = { push: 'duo_push', passcode: 'duo_mobile_passcode' } as const;
const markedFraud = (t: Truth) => pushFailed(t) && /[0-3]$/.test(String(t.correlation_id));
const BROWSER = /(Firefox|Chrome|Version)\/([\d.]+)/;

function duoResult(t: Truth): [result: string, reason: string] {
  if (t.outcome === 'success') return ['success', 'user_approved'];
  if (t.outcome === 'error') return ['error', 'error'];
  if (markedFraud(t)) return ['fraud', 'user_marked_fraud'];
  return ['denied', t.auth_method === 'push' ? 'user_mistake' : 'invalid_passcode'];
}

export const duo: VendorShape = {
  carries: isUserAuth,
  conform(t, defaultTenant) {
    const browser = BROWSER.exec(String(t.user_agent));
    const [, reason] = duoResult(t);
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: 'duo',
      idp: 'duo',
      // Duo is the second factor of every login it logs.
      auth_method: t.auth_method === 'push' ? 'push' : 'passcode',
      mfa: true,
      user_agent: browser ? `${browser[1] === 'Version' ? 'Safari' : browser[1]} ${browser[2]}` : undefined,
      ...(t.outcome === 'success' ? {} : { failure_reason: markedFraud(t) ? `fraud: ${reason}` : reason }),
    });
    if (t.user_agent === undefined) leaveOut(t, 'user_agent');
    leaveOut(t, 'session_id', 'asn', 'latency_ms');
  },
  render(t) {
    const [result, reason] = duoResult(t);
    const [browser, version] = osParts(t.user_agent);
    const [os, osVersion] = osParts(t.os);
    const local = String(t.principal_id).split('@')[0];
    return {
      txid: t.correlation_id,
      event_type: 'authentication',
      isotimestamp: `${t.time.slice(0, 23)}000+00:00`,
      timestamp: Math.floor(Date.parse(t.time) / 1000),
      result,
      reason,
      factor: DUO_FACTOR[t.auth_method as keyof typeof DUO_FACTOR],
      email: t.principal_id,
      user: { key: `DU${local!.toUpperCase().replace(/[^A-Z0-9]/g, '')}`, name: local, groups: [] },
      application: { key: `DI${String(t.app).toUpperCase()}`, name: t.app },
      // Health Duo could not tell: "unknown", as Duo writes it (a known one would be a related posture event).
      access_device: {
        epkey: t.device_id,
        ip: t.src_ip,
        ...(t.user_agent ? { browser, browser_version: version } : {}),
        ...(t.os ? { os, os_version: osVersion } : {}),
        location: { country: t.geo_country ?? null },
        is_encryption_enabled: 'unknown',
        is_firewall_enabled: 'unknown',
        is_password_set: 'unknown',
      },
      auth_device: { name: 'iPhone', ip: null },
      alias: '',
    };
  },
};

/** Entra's error code for each outcome: a wrong password, or Entra's own failure (one of its service errors). */
export const ENTRA_CODE = { success: 0, failure: 50126, error: 90033 } as const;
const nonInteractiveCategory = (t: Truth) =>
  t.principal_type === 'service' ? 'ManagedIdentitySignInLogs' : 'NonInteractiveUserSignInLogs';

export const entraNonInteractive: VendorShape = {
  source: 'entra',
  // The Entra tenant's own sign-ins: a client's token refreshes, a managed identity's tokens.
  carries: (t) => t.kind === 'auth' && t.idp === 'entra',
  conform(t) {
    const service = t.principal_type === 'service';
    Object.assign(t, {
      emitter_id: `entra:${nonInteractiveCategory(t)}`,
      auth_method: service ? 'managedIdentity' : 'Previously satisfied',
      ...(t.outcome === 'success'
        ? {}
        : { failure_reason: `${ENTRA_CODE[t.outcome as keyof typeof ENTRA_CODE]}: ${String(t.failure_reason)}` }),
    });
    if (!t.mfa) leaveOut(t, 'mfa');
  },
  render(t, rng) {
    const category = nonInteractiveCategory(t);
    const service = category === 'ManagedIdentitySignInLogs';
    const code = ENTRA_CODE[t.outcome as keyof typeof ENTRA_CODE];
    // The text after the code: a scenario may have changed the outcome after the truth was conformed.
    const reason = String(t.failure_reason ?? '').replace(/^\d+: /, '');
    return {
      time: t.time,
      tenantId: t.tenant,
      category,
      operationName: 'Sign-in activity',
      correlationId: t.correlation_id,
      properties: {
        id: rng.uuid(),
        createdDateTime: t.time,
        ...(service
          ? { servicePrincipalName: t.principal_id, servicePrincipalId: rng.uuid() }
          : {
              userPrincipalName: t.principal_id,
              authenticationDetails: [{ authenticationMethod: 'Previously satisfied', succeeded: true }],
            }),
        correlationId: t.correlation_id,
        sessionId: t.session_id,
        ipAddress: t.src_ip,
        userAgent: t.user_agent,
        autonomousSystemNumber: t.asn,
        appDisplayName: t.app,
        // No compliance nor Conditional Access results: those would be related events the truth does not hold.
        deviceDetail: { deviceId: t.device_id, operatingSystem: 'Windows10' },
        location: { countryOrRegion: t.geo_country },
        status: { errorCode: code, ...(code === 0 ? {} : { failureReason: reason }) },
        authenticationRequirement: t.mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
        processingTimeInMilliseconds: t.latency_ms,
        isInteractive: false,
      },
    };
  },
};

const KEYCLOAK_ERROR = { failure: 'invalid_user_credentials', error: 'identity_provider_error' } as const;
const keycloakType = (t: Truth) => `${t.principal_type === 'service' ? 'CLIENT_LOGIN' : 'LOGIN'}${t.outcome === 'success' ? '' : '_ERROR'}`;

export const keycloakEventLog: VendorShape = {
  source: 'keycloak',
  // The log line's prefix had the time; the JSON record has none, so the pipeline's observation times it.
  untimed: true,
  carries: (t) => t.kind === 'auth' && t.idp === 'keycloak',
  conform(t) {
    const failed = t.outcome !== 'success';
    Object.assign(t, {
      emitter_id: `keycloak:${t.tenant}`,
      idp: 'keycloak',
      auth_method: 'openid-connect',
      ...(failed ? { failure_reason: KEYCLOAK_ERROR[t.outcome as keyof typeof KEYCLOAK_ERROR] } : {}),
    });
    if (failed) leaveOut(t, 'session_id');
    leaveOut(t, 'device_id', 'user_agent', 'geo_country', 'asn', 'correlation_id', 'latency_ms', 'mfa');
  },
  render(t, rng) {
    const error = t.outcome === 'success' ? undefined : KEYCLOAK_ERROR[t.outcome as keyof typeof KEYCLOAK_ERROR];
    // The event's details beside its fields, no id and no time: as a JSON event-log listener writes it.
    return {
      type: keycloakType(t),
      realmId: t.tenant,
      clientId: t.app,
      userId: rng.uuid(),
      sessionId: t.session_id ?? null,
      ipAddress: t.src_ip,
      ...(error ? { error } : {}),
      auth_method: 'openid-connect',
      auth_type: 'code',
      code_id: rng.uuid(),
      username: t.principal_id,
    };
  },
};

const httpMethod = (t: Truth) => (t.action === 'read' || t.action === 'GET /' ? 'GET' : 'POST');

export const zpaBrowserAccess: VendorShape = {
  // Clientless access is a person's browser after a SAML login.
  carries: (t) => t.kind === 'policy' && t.principal_type === 'user',
  conform(t, defaultTenant) {
    const reason = ZPA_REASON[t.decision as keyof typeof ZPA_REASON];
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `zpa:${t.tenant}`,
      enforcement_point: 'zpa-browser-access',
      action: `${httpMethod(t)} /`,
      reasons: reason ? [reason] : [],
    });
    leaveOut(
      t,
      'policy_id',
      'policy_version',
      'rule',
      'eval_latency_ms',
      'request_latency_ms',
      'session_id',
      'device_id',
      'geo_country',
      'asn',
    );
  },
  render(t, rng) {
    const reason = ZPA_REASON[t.decision as keyof typeof ZPA_REASON];
    return {
      LogTimestamp: ctime(t.time),
      // The connection's id is the record's identity: the truth's correlation id stands for it.
      ConnectionID: t.correlation_id,
      Exporter: 'unset',
      TimestampRequestReceiveStart: t.time,
      Method: httpMethod(t),
      Protocol: 'HTTPS',
      Host: t.app,
      URL: '/',
      UserAgent: t.user_agent,
      NameID: t.principal_id,
      StatusCode: t.decision === 'allow' ? 200 : t.decision === 'deny' ? 403 : 502,
      ClientPublicIp: t.src_ip,
      ClientPublicPort: 1024 + rng.int(64_000),
      ClientPrivateIp: '',
      Customer: String(t.emitter_id).slice('zpa:'.length),
      ConnectionStatus: reason ? 'close' : '',
      ConnectionReason: reason,
    };
  },
};

/** A JWT-looking bearer for the session: the same for every request of it, as a browser's token is. */
function bearerFor(t: Truth): string {
  const session = String(t.session_id);
  const header = base64url({ alg: 'RS256', typ: 'JWT' });
  const payload = base64url({ sub: t.principal_id, sid: session, iss: `https://${t.tenant}.example` });
  return `${header}.${payload}.${[...session].reverse().join('')}${session.length}`;
}

const EVAL_FAILED = 'evaluation failed';

export const opaEnvoy: VendorShape = {
  source: 'opa',
  carries: (t) => t.kind === 'policy' && t.principal_type === 'user',
  conform(t) {
    // The bearer the request presents is the credential followed (its HMAC becomes the session), never stored.
    Object.assign(t, { action: `${httpMethod(t)} /`, raw_token: bearerFor(t) });
    // A failed evaluation logs its error's message.
    if (t.decision === 'error' && (t.reasons as string[]).length === 0) t.reasons = [EVAL_FAILED];
    leaveOut(t, 'session_id', 'device_id', 'rule', 'principal_type', 'geo_country', 'asn');
  },
  render(t, rng) {
    const method = httpMethod(t);
    const decided =
      t.decision === 'error'
        ? { error: { code: 'eval_conflict_error', message: (t.reasons as string[])[0] ?? EVAL_FAILED } }
        : {
            result: {
              allowed: t.decision === 'allow',
              reasons: t.reasons,
              http_status: t.decision === 'allow' ? 200 : 403,
              headers: { 'x-ext-authz-check': t.decision === 'allow' ? 'allowed' : 'denied' },
            },
          };
    return {
      decision_id: rng.uuid(),
      timestamp: t.time,
      path: t.policy_id,
      labels: { id: t.emitter_id, version: '1.1.0', tenant: t.tenant },
      bundles: { ztna: { revision: t.policy_version } },
      requested_by: t.enforcement_point,
      input: {
        attributes: {
          source: { address: { socketAddress: { address: t.src_ip, portValue: 1024 + rng.int(64_000) } } },
          request: {
            time: t.time,
            http: {
              id: t.correlation_id,
              method,
              path: '/',
              host: t.app,
              headers: {
                ':authority': t.app,
                ':method': method,
                ':path': '/',
                authorization: `Bearer ${String(t.raw_token)}`,
                'user-agent': t.user_agent,
              },
            },
          },
        },
        parsed_path: [],
        parsed_token: { sub: t.principal_id },
        version: { encoding: 'protojson', ext_authz: 'v3' },
      },
      ...decided,
      metrics: {
        timer_rego_query_eval_ns: Math.round((t.eval_latency_ms as number) * 1e6),
        // The server's whole answer, what Envoy held the request for.
        ...(t.request_latency_ms === undefined ? {} : { timer_server_handler_ns: Math.round((t.request_latency_ms as number) * 1e6) }),
      },
    };
  },
};
