// OCSF class and activity ids for each canonical kind (OCSF 1.x).
import type { Kind } from './schema.js';

export const OCSF_CLASS = { authentication: 3002, authorizeSession: 3003, deviceConfigState: 5002 } as const;

const TOKEN_ACTIVITY: Record<string, number> = { issue: 3, use: 4, refresh: 5 };
const OTHER = 99;

/** Class and activity for a draft; an explicit activity from the source (e.g. Logoff) wins. */
export function ocsfIds(
  kind: Kind,
  draft: Record<string, unknown>,
): {
  ocsf_class_uid: number;
  ocsf_activity_id: number;
} {
  const given = typeof draft.ocsf_activity_id === 'number' ? draft.ocsf_activity_id : undefined;
  switch (kind) {
    case 'auth':
      return { ocsf_class_uid: OCSF_CLASS.authentication, ocsf_activity_id: given ?? 1 };
    case 'policy':
      return { ocsf_class_uid: OCSF_CLASS.authorizeSession, ocsf_activity_id: given ?? OTHER };
    case 'posture':
      return { ocsf_class_uid: OCSF_CLASS.deviceConfigState, ocsf_activity_id: given ?? 2 };
    case 'token':
      return { ocsf_class_uid: OCSF_CLASS.authentication, ocsf_activity_id: given ?? TOKEN_ACTIVITY[String(draft.activity)] ?? OTHER };
  }
}

/** OCSF Authentication activity ids the normalizers name explicitly. */
export const AUTH_ACTIVITY = { logon: 1, logoff: 2 } as const;
