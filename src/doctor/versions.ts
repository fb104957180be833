// Release versions as numbers, compared part by part: "26.7.2.1" > "26.7" > "25.12".

/** The numeric parts of a version ("v2.42.0+ds" → [2, 42, 0]); empty when it has none. */
export function versionParts(version: string): number[] {
  const match = /\d+(?:\.\d+)*/.exec(version);
  return match ? match[0].split('.').map(Number) : [];
}

/** Negative, zero or positive as a is older, the same as or newer than b, on the parts both name. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The release line, major.minor: "26.7.2.1" → "26.7". */
export function releaseLine(version: string): string {
  return versionParts(version).slice(0, 2).join('.');
}

/** The newest of some versions. */
export function newestVersion(versions: readonly string[]): string {
  return versions.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}
