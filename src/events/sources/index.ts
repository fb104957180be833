// The registry of sources: every supported vendor shape, in detection order, and by name.
import type { SourceNormalizer } from '../source.js';
import { auth0Source } from './auth0.js';
import { cloudflareAccessSource } from './cloudflareAccess.js';
import { cloudflareDevicePostureSource } from './cloudflareDevicePosture.js';
import { cloudflareGatewaySource } from './cloudflareGateway.js';
import { duoSource } from './duo.js';
import { entraSource } from './entra.js';
import { entraRiskSource } from './entraRisk.js';
import { googleWorkspaceLoginSource } from './googleWorkspaceLogin.js';
import { keycloakSource } from './keycloak.js';
import { nativeSource } from './native.js';
import { ocsfSource } from './ocsf.js';
import { oktaSource } from './okta.js';
import { opaSource } from './opa.js';
import { teleportSource } from './teleport.js';
import { zpaUserActivitySource } from './zpaUserActivity.js';
import { zpaBrowserAccessSource } from './zpaBrowserAccess.js';
import { zpaUserStatusSource } from './zpaUserStatus.js';
import { intuneSource } from './intune.js';
import { googleWorkspaceDeviceSource } from './googleWorkspaceDevice.js';

/** Every supported source in detection order: the most specific shape first, our own (the loosest) last. */
export const SOURCES: readonly SourceNormalizer[] = [
  oktaSource,
  entraSource,
  entraRiskSource,
  opaSource,
  keycloakSource,
  cloudflareAccessSource,
  cloudflareGatewaySource,
  teleportSource,
  zpaUserActivitySource,
  zpaBrowserAccessSource,
  zpaUserStatusSource,
  cloudflareDevicePostureSource,
  intuneSource,
  googleWorkspaceDeviceSource,
  auth0Source,
  googleWorkspaceLoginSource,
  duoSource,
  ocsfSource,
  nativeSource,
];

const BY_NAME = new Map(SOURCES.map((source) => [source.name, source]));

/** The source of that name, if there is one. */
export const sourceNamed = (name: string): SourceNormalizer | undefined => BY_NAME.get(name);
