// Values the global set-up provides to every test through `inject()`.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Client URL of the shared private etcd of this test run. */
    etcdEndpoint: string;
  }
}
