// Starts the real services the suite needs, once for all test files.
import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from '../support/services/kafka.js';

export default async function setup(project: TestProject) {
  const broker = await startKafkaBroker();
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.stop();
}
