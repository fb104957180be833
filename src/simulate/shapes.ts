// Renders a simulated event in the shape a real emitter would send: our native wire
// format, Okta, Entra, OPA or Keycloak JSON, or one of the gateways', posture agents' and other
// identity providers' shapes (gatewayShapes.ts, postureShapes.ts, ocsfShape.ts, identityShapes.ts).
// Each is the inverse of its normalizer.
import type { Json } from '../events/fields.js';
import { cloudflareAccess, cloudflareGateway, teleport, zpaUserActivity } from './gatewayShapes.js';
import {
  auth0,
  duo,
  ENTRA_CODE,
  entraNonInteractive,
  googleWorkspaceLogin,
  keycloakEventLog,
  opaEnvoy,
  zpaBrowserAccess,
} from './identityShapes.js';
import { ocsf } from './ocsfShape.js';
import { cloudflareDevicePosture, googleWorkspaceDevice, intune, zpaUserStatus } from './postureShapes.js';
import type { Rng } from './rng.js';
import type { VendorShape } from './vendorShape.js';

/** The event the simulator means, in canonical field names (no observed_time, no OCSF ids). */
export type Truth = Json & { kind: 'auth' | 'policy' | 'posture' | 'token'; time: string; tenant: string };

/** The gateways', posture agents' and other identity providers' shapes, by the source that reads them (or a second form of one). */
export const VENDOR_SHAPES = {
  ocsf,
  cloudflare_access: cloudflareAccess,
  cloudflare_gateway: cloudflareGateway,
  zpa_user_activity: zpaUserActivity,
  teleport,
  zpa_user_status: zpaUserStatus,
  cloudflare_device_posture: cloudflareDevicePosture,
  intune,
  google_workspace_device: googleWorkspaceDevice,
  auth0,
  google_workspace_login: googleWorkspaceLogin,
  duo,
  entra_noninteractive: entraNonInteractive,
  keycloak_event_log: keycloakEventLog,
  zpa_browser_access: zpaBrowserAccess,
  opa_envoy: opaEnvoy,
} satisfies Record<string, VendorShape>;
export type VendorShapeName = keyof typeof VENDOR_SHAPES;
export type Shape = 'native' | 'okta' | 'entra' | 'opa' | 'keycloak' | VendorShapeName;

/** The source that reads a shape's records: its own name, unless it is another form of a source's. */
export const sourceOf = (shape: Shape): string =>
  (shape in VENDOR_SHAPES ? (VENDOR_SHAPES[shape as VendorShapeName] as VendorShape).source : undefined) ?? shape;

const OKTA_RESULT = { success: 'SUCCESS', failure: 'FAILURE', error: 'UNKNOWN' } as const;

export function render(truth: Truth, shape: Shape, rng: Rng): Json {
  switch (shape) {
    case 'native':
      return native(truth, rng);
    case 'okta':
      return okta(truth, rng);
    case 'entra':
      return entra(truth, rng);
    case 'opa':
      return opa(truth, rng);
    case 'keycloak':
      return keycloak(truth, rng);
    default:
      return VENDOR_SHAPES[shape].render(truth, rng);
  }
}

function native(truth: Truth, rng: Rng): Json {
  // Some emitters send the raw token and let the pipeline fingerprint it.
  if (truth.kind === 'token' && typeof truth.raw_token === 'string' && rng.chance(0.5)) {
    const { token_id: _id, raw_token, ...rest } = truth;
    return { ...rest, token: raw_token };
  }
  const { raw_token: _raw, ...rest } = truth;
  return rest;
}

function okta(t: Truth, rng: Rng): Json {
  const base = {
    uuid: rng.uuid(),
    published: t.time,
    tenant: t.tenant,
    version: '0',
    severity: 'INFO',
    actor: {
      id: `00u${rng.hex(17)}`,
      alternateId: t.principal_id,
      type: t.principal_type === 'service' ? 'PublicClientApp' : 'User',
      displayName: t.principal_id,
    },
    authenticationContext: { externalSessionId: t.session_id, credentialType: t.auth_method ?? null },
    client: {
      ipAddress: t.src_ip,
      userAgent: { rawUserAgent: t.user_agent },
      geographicalContext: { country: t.geo_country },
      device: 'Computer',
    },
    securityContext: { asNumber: t.asn ?? null },
    transaction: { id: t.correlation_id, type: 'WEB' },
    debugContext: { debugData: { deviceFingerprint: t.device_id } },
  };
  if (t.kind === 'auth') {
    const outcome = t.outcome as keyof typeof OKTA_RESULT;
    return {
      ...base,
      eventType: t.mfa ? 'user.authentication.auth_via_mfa' : 'user.session.start',
      outcome: { result: OKTA_RESULT[outcome], reason: t.failure_reason ?? null },
      target: [{ type: 'AppInstance', displayName: t.app, id: `0oa${rng.hex(17)}` }],
    };
  }
  // policy.evaluate_sign_on
  return {
    ...base,
    eventType: 'policy.evaluate_sign_on',
    outcome: {
      result: t.decision === 'allow' ? 'ALLOW' : t.decision === 'deny' ? 'DENY' : 'UNKNOWN',
      reason: (t.reasons as string[])[0] ?? null,
    },
    target: [
      { type: 'AppInstance', displayName: t.app, id: `0oa${rng.hex(17)}` },
      { type: 'PolicyEntity', id: t.policy_id, displayName: t.policy_id },
      { type: 'PolicyRule', id: `0pr${rng.hex(17)}`, displayName: t.rule },
    ],
  };
}

function entra(t: Truth, rng: Rng): Json {
  const outcome = t.outcome as keyof typeof ENTRA_CODE;
  const service = t.principal_type === 'service';
  return {
    time: t.time,
    tenantId: t.tenant,
    category: service ? 'ServicePrincipalSignInLogs' : 'SignInLogs',
    operationName: 'Sign-in activity',
    correlationId: t.correlation_id,
    properties: {
      id: rng.uuid(),
      createdDateTime: t.time,
      ...(service
        ? { servicePrincipalName: t.principal_id, servicePrincipalId: rng.uuid(), servicePrincipalCredentialKeyId: t.credential_id }
        : { userPrincipalName: t.principal_id }),
      correlationId: t.correlation_id,
      sessionId: t.session_id,
      ipAddress: t.src_ip,
      userAgent: t.user_agent,
      autonomousSystemNumber: t.asn,
      appDisplayName: t.app,
      deviceDetail: { deviceId: t.device_id, browser: 'Chrome 131.0.0', operatingSystem: 'Windows10' },
      location: { countryOrRegion: t.geo_country },
      status: { errorCode: ENTRA_CODE[outcome], failureReason: t.failure_reason },
      authenticationRequirement: t.mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
      processingTimeInMilliseconds: t.latency_ms,
      isInteractive: !service,
    },
  };
}

function opa(t: Truth, rng: Rng): Json {
  const decided =
    t.decision === 'error'
      ? { error: { code: 'eval_conflict_error', message: (t.reasons as string[])[0] ?? 'evaluation failed' } }
      : { result: { allow: t.decision === 'allow', reasons: t.reasons } };
  return {
    decision_id: rng.uuid(),
    timestamp: t.time,
    path: t.policy_id,
    labels: { id: t.emitter_id, version: '1.0.0' },
    bundles: { ztna: { revision: t.policy_version } },
    requested_by: t.enforcement_point,
    input: {
      tenant: t.tenant,
      principal: t.principal_id,
      principal_type: t.principal_type,
      device_id: t.device_id,
      src_ip: t.src_ip,
      session_id: t.session_id,
      correlation_id: t.correlation_id,
      app: t.app,
      action: t.action,
      rule: t.rule,
    },
    ...decided,
    metrics: { timer_rego_query_eval_ns: Math.round((t.eval_latency_ms as number) * 1e6) },
  };
}

function keycloak(t: Truth, rng: Rng): Json {
  const base = {
    id: rng.uuid(),
    time: Date.parse(t.time),
    realmId: t.tenant,
    clientId: t.kind === 'token' ? t.client_id : t.app,
    userId: rng.uuid(),
    sessionId: t.session_id,
    ipAddress: t.src_ip,
  };
  if (t.kind === 'token') {
    return {
      ...base,
      type: t.activity === 'refresh' ? 'REFRESH_TOKEN' : 'CODE_TO_TOKEN',
      details: { username: t.principal_id, token_id: t.token_id, scope: (t.scopes as string[]).join(' ') },
    };
  }
  const failed = t.outcome !== 'success';
  return {
    ...base,
    type: t.principal_type === 'service' ? (failed ? 'CLIENT_LOGIN_ERROR' : 'CLIENT_LOGIN') : failed ? 'LOGIN_ERROR' : 'LOGIN',
    ...(failed ? { error: t.outcome === 'error' ? 'identity_provider_error' : 'invalid_user_credentials' } : {}),
    details: { username: t.principal_id, auth_method: t.auth_method },
  };
}
