// A real single-node Apache Kafka broker (KRaft) on 127.0.0.1 for tests and benchmarks.
// The jars come from Maven Central through mvn (cached in ~/.m2); nothing to install by hand.
// On request it also listens with SASL_SSL and with mutual TLS, besides the plaintext listener.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../../src/kafka/requestQueue.js'; // the broker's readiness check runs in vitest's main process, outside its setup files
import { Kafka, logLevel } from 'kafkajs';
import { runCommand } from '../helpers.js';
import { freePort } from './ports.js';
import { makeCa, makeCertificate } from './certificates.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const POM = join(here, 'kafka-broker.pom.xml');
const CACHE = join(here, '..', '..', '..', '.cache');

export interface KafkaBroker {
  /** host:port for KAFKA_BROKERS. */
  brokers: string;
  logFile: string;
  /** The secured listeners, when asked for. */
  secured?: SecuredListeners;
  /** Stops the broker process with `signal`, keeping its ports, configuration and log directory. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the killed broker again: the same node on the same ports and log directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SecuredListeners {
  /** host:port of the SASL_SSL listener: SCRAM-SHA-512, and OAUTHBEARER with unsecured (unsigned) tokens. */
  saslSsl: string;
  /** host:port of the SSL listener that requires a client certificate. */
  mutualTls: string;
  /** PEM: the CA that signed the broker's and the client's certificates. */
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The SCRAM-SHA-512 user created when the storage was formatted: a super user, as is the mTLS client. */
  scram: { username: string; password: string };
  /** A second SCRAM-SHA-512 user that authenticates but is granted nothing (no ACL). */
  unauthorized: { username: string; password: string };
}

export interface KafkaBrokerOptions {
  /** Also listen with SASL_SSL and mutual TLS (certificates made for the broker, a SCRAM user created). */
  secured?: boolean;
}

/** The broker's classpath, resolved by Maven once per pom version and cached. */
export function kafkaClasspath(): string {
  const digest = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12);
  const file = join(CACHE, `kafka-classpath-${digest}.txt`);
  if (
    !existsSync(file) ||
    !readFileSync(file, 'utf8')
      .split(':')
      .every((jar) => existsSync(jar))
  ) {
    mkdirSync(CACHE, { recursive: true });
    const mvn = spawnSync('mvn', ['-q', '-B', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`], { encoding: 'utf8' });
    if (mvn.status !== 0) throw new Error(`mvn could not resolve the Kafka broker: ${mvn.stdout}\n${mvn.stderr}`);
  }
  return readFileSync(file, 'utf8').trim();
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const classpath = kafkaClasspath();
  const dir = mkdtempSync(join(tmpdir(), 'ztna-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const secured = options.secured ? await securedListeners(dir) : undefined;
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, ...(secured ? [`SASL_SSL://${secured.saslSsl}`, `SSL://${secured.mutualTls}`] : [])];
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}`,
      `advertised.listeners=${listeners.join(',')}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secured ? ',SASL_SSL:SASL_SSL,SSL:SSL' : ''}`,
      ...(secured ? securedProperties(dir, secured) : []),
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'log.flush.interval.messages=1000000',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j.properties');
  const logFile = join(dir, 'kafka.log');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${logFile}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=%d %p %c: %m%n',
    ].join('\n'),
  );
  const java = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath];
  // SCRAM credentials live in the cluster metadata: the storage tool writes them with the first records.
  const scram = secured
    ? [secured.scram, secured.unauthorized].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`])
    : [];
  const format = await runCommand('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', randomUUID(), '-c', props, ...scram]);
  if (format.code !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);

  const out = openSync(join(dir, 'stdout.log'), 'a');
  const brokers = `127.0.0.1:${port}`;
  const launch = async () => {
    const child: ChildProcess = spawn('java', [...java, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitForBroker(brokers, child);
    return { child, exited };
  };
  let running: Awaited<ReturnType<typeof launch>> | undefined = await launch();
  const kill = async (signal: 'SIGTERM' | 'SIGKILL') => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    brokers,
    logFile,
    ...(secured ? { secured } : {}),
    kill,
    async start() {
      running ??= await launch();
    },
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ports, certificates (a CA, the broker's, a client's) and a SCRAM user for the secured listeners. */
async function securedListeners(dir: string): Promise<SecuredListeners> {
  const ca = makeCa(dir, 'test-ca');
  const broker = makeCertificate(dir, 'broker', ca, 'server');
  const client = makeCertificate(dir, 'client', ca, 'client');
  // The broker's PEM key store is one file: the private key, then the certificate.
  writeFileSync(join(dir, 'broker-keystore.pem'), readFileSync(broker.keyFile, 'utf8') + readFileSync(broker.certFile, 'utf8'));
  return {
    saslSsl: `127.0.0.1:${await freePort()}`,
    mutualTls: `127.0.0.1:${await freePort()}`,
    caFile: ca.certFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    scram: { username: 'ztna', password: `scram-${randomUUID()}` },
    unauthorized: { username: 'nobody', password: `scram-${randomUUID()}` },
  };
}

function securedProperties(dir: string, secured: SecuredListeners): string[] {
  return [
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${join(dir, 'broker-keystore.pem')}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${secured.caFile}`,
    'listener.name.ssl.ssl.client.auth=required',
    // ACLs on, so that a refused authorization can be tested; the plaintext listener (the tests' own clients,
    // the controller) is ANONYMOUS, the OAUTHBEARER token's subject is ztna, the mTLS client is its certificate's name.
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:ANONYMOUS;User:${secured.scram.username};User:CN=client`,
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    // The broker's default OAUTHBEARER validator accepts unsigned tokens: enough to prove the client's token-file path.
    'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
  ];
}

async function waitForBroker(brokers: string, child: ChildProcess): Promise<void> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kafka broker exited with ${child.exitCode}`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  child.kill('SIGKILL');
  throw new Error('kafka broker did not come up within 90 s');
}
