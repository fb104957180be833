// Microsoft Entra ID Protection risk detections, as Azure Monitor diagnostic records (category
// UserRiskEvents or ServicePrincipalRiskEvents, the detection under `properties`) and as the
// Graph riskDetection resource. A detection is Entra's opinion of a sign-in or an account, not an
// access event: each is skipped with its risk event type counted (riskEventType: passwordSpray,
// anonymizedIPAddress, …), so a stream of them is accounted for rather than rejected.
import { isObject, str, type Json } from '../fields.js';
import type { SourceNormalizer, SourceResult } from '../source.js';

const RISK_CATEGORIES = new Set(['UserRiskEvents', 'ServicePrincipalRiskEvents']);

function detection(record: Json): Json | undefined {
  if (typeof record.category === 'string' && RISK_CATEGORIES.has(record.category) && isObject(record.properties)) {
    return record.properties;
  }
  if (typeof record.riskEventType === 'string' && typeof record.detectedDateTime === 'string' && 'riskState' in record) return record;
  return undefined;
}

export const entraRiskSource: SourceNormalizer = {
  name: 'entra_risk',
  detect: (record) => detection(record) !== undefined,
  normalize(record: Json): SourceResult {
    const risk = detection(record);
    return { skip: `risk:${str(risk?.riskEventType) ?? str(risk?.riskType) ?? 'unknown'}` };
  },
};
