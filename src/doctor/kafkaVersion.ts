// Which Kafka release a broker runs. The protocol has no version string, but ApiVersions v3
// (answered before any SASL exchange) lists the broker's supported features: the highest
// `metadata.version` level it supports names its release (KRaft brokers, 3.3 and later).
// A bare request over the same TCP or TLS connection the clients use, so it also says at once
// whether the broker is reachable at all.
import { connect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface BrokerVersion {
  /** "3.9", "4.0 or later", or undefined when the broker does not say (ZooKeeper mode, before 3.3). */
  release: string | undefined;
}

// metadata.version feature levels (Kafka's MetadataVersion) → the release that introduced each.
const METADATA_VERSION_RELEASES: ReadonlyArray<[level: number, release: string]> = [
  [1, '3.0'],
  [2, '3.1'],
  [3, '3.2'],
  [4, '3.3'],
  [8, '3.4'],
  [9, '3.5'],
  [12, '3.6'],
  [15, '3.7'],
  [20, '3.8'],
  [21, '3.9'],
  [22, '4.0 or later'],
];

const API_VERSIONS = 18;
const PRODUCE = 0;

export function releaseOfMetadataVersion(level: number): string {
  return METADATA_VERSION_RELEASES.filter(([l]) => l <= level).at(-1)?.[1] ?? 'before 3.0';
}

/** Asks one broker (host:port) for its ApiVersions; rejects when it cannot be reached within the signal. */
export function brokerVersion(hostPort: string, tls: ConnectionOptions | undefined, signal: AbortSignal): Promise<BrokerVersion> {
  const i = hostPort.lastIndexOf(':');
  const address = { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
  return new Promise((resolve, reject) => {
    const socket = tls ? tlsConnect({ ...address, servername: address.host, ...tls }) : connect(address);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    signal.addEventListener('abort', () => fail(new Error(`no answer from ${hostPort}`)), { once: true });
    socket.once('error', fail);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(apiVersionsRequest()));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      try {
        resolve(parseApiVersions(received.subarray(4, 4 + received.readInt32BE(0))));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from('ztna-doctor');
  const software = compactString('ztna-telemetry');
  const header = Buffer.alloc(10);
  header.writeInt16BE(API_VERSIONS, 0);
  header.writeInt16BE(3, 2);
  header.writeInt32BE(1, 4);
  header.writeInt16BE(clientId.length, 8);
  // Header v2 ends with empty tagged fields; the body is the client's software name and version, and its own.
  const body = Buffer.concat([header, clientId, Buffer.from([0]), software, compactString('1'), Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function compactString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length + 1]), bytes]);
}

/** The response (after its size): correlation id, error code, the API ranges, throttle time, tagged fields. */
export function parseApiVersions(data: Buffer): BrokerVersion {
  const r = new Reader(data);
  r.int32();
  const error = r.int16();
  // 35: UNSUPPORTED_VERSION, answered in v0 by brokers before 2.4.
  if (error === 35) return { release: 'before 2.4' };
  if (error !== 0) throw new Error(`ApiVersions error ${error}`);
  let produceMin: number | undefined;
  for (let n = r.uvarint() - 1; n > 0; n--) {
    const [key, min] = [r.int16(), r.int16()];
    r.int16();
    r.skipTags();
    if (key === PRODUCE) produceMin = min;
  }
  r.int32();
  let release: string | undefined;
  for (let tags = r.uvarint(); tags > 0; tags--) {
    const [tag, size] = [r.uvarint(), r.uvarint()];
    const end = r.offset + size;
    if (tag === 0) {
      for (let n = r.uvarint() - 1; n > 0; n--) {
        const name = r.compactString();
        r.int16();
        const max = r.int16();
        r.skipTags();
        if (name === 'metadata.version') release = releaseOfMetadataVersion(max);
      }
    }
    r.offset = end;
  }
  // 4.0 dropped Produce versions 0-2: that says 4.0 or later even without the feature levels.
  return { release: release ?? (produceMin !== undefined && produceMin >= 3 ? '4.0 or later' : undefined) };
}

class Reader {
  offset = 0;
  constructor(private readonly data: Buffer) {}
  int16() {
    return ((this.offset += 2), this.data.readInt16BE(this.offset - 2));
  }
  int32() {
    return ((this.offset += 4), this.data.readInt32BE(this.offset - 4));
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.data.readUInt8(this.offset++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  }
  compactString(): string {
    const length = this.uvarint() - 1;
    this.offset += length;
    return this.data.toString('utf8', this.offset - length, this.offset);
  }
  skipTags() {
    for (let tags = this.uvarint(); tags > 0; tags--) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}
