// What test/setup/global.ts provides to every test file through vitest's inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}
