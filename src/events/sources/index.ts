// The registry of sources: every supported vendor shape, in detection order, and by name.
import type { SourceNormalizer } from '../source.js';
import { cloudflareAccessSource } from './cloudflareAccess.js';
import { cloudflareGatewaySource } from './cloudflareGateway.js';
import { entraSource } from './entra.js';
import { keycloakSource } from './keycloak.js';
import { nativeSource } from './native.js';
import { ocsfSource } from './ocsf.js';
import { oktaSource } from './okta.js';
import { opaSource } from './opa.js';
import { teleportSource } from './teleport.js';
import { zpaUserActivitySource } from './zpaUserActivity.js';

/** Every supported source in detection order: the most specific shape first, our own (the loosest) last. */
export const SOURCES: readonly SourceNormalizer[] = [
  oktaSource,
  entraSource,
  opaSource,
  keycloakSource,
  cloudflareAccessSource,
  cloudflareGatewaySource,
  teleportSource,
  zpaUserActivitySource,
  ocsfSource,
  nativeSource,
];

const BY_NAME = new Map(SOURCES.map((source) => [source.name, source]));

/** The source of that name, if there is one. */
export const sourceNamed = (name: string): SourceNormalizer | undefined => BY_NAME.get(name);
