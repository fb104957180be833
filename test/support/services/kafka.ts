// A real single-node Apache Kafka broker (KRaft) on 127.0.0.1 for tests and benchmarks.
// The jars come from Maven Central through mvn (cached in ~/.m2); nothing to install by hand.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './ports.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const POM = join(here, 'kafka-broker.pom.xml');
const CACHE = join(here, '..', '..', '..', '.cache');

export interface KafkaBroker {
  /** host:port for KAFKA_BROKERS. */
  brokers: string;
  logFile: string;
  stop(): Promise<void>;
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

export async function startKafkaBroker(): Promise<KafkaBroker> {
  const classpath = kafkaClasspath();
  const dir = mkdtempSync(join(tmpdir(), 'ztna-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
  const format = spawnSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', randomUUID(), '-c', props], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);

  const out = openSync(join(dir, 'stdout.log'), 'a');
  const child: ChildProcess = spawn('java', [...java, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const brokers = `127.0.0.1:${port}`;
  await waitForBroker(brokers, child);
  return {
    brokers,
    logFile,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
