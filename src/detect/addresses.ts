// An IPv4 address kept as its 32 bits rather than an interned string: most addresses are
// distinct per event, so interning them cost a string and a table entry each.
const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as an Int32 if it is a dotted IPv4 that reads back the same; undefined otherwise. */
export function packIPv4(ip: string | undefined): number | undefined {
  const m = ip === undefined ? null : IPV4.exec(ip);
  if (!m) return undefined;
  return (Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4]) | 0;
}

export function unpackIPv4(bits: number): string {
  return `${(bits >>> 24) & 255}.${(bits >>> 16) & 255}.${(bits >>> 8) & 255}.${bits & 255}`;
}
