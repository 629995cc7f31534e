// The SDK's dummy shim as a built (JavaScript) shim module, the form a vendor ships:
//   gluon shim run bench/dummy-shim.mjs --etcd <url> --etcd-prefix <prefix>
// bench/bind.ts runs it in its own process. (examples/dummy-shim is the same shim in
// TypeScript, which `gluon shim run` loads through tsx: fine to try, not to measure.)
import { dummyShimDefinition } from '../dist/shim-sdk.js';

export default dummyShimDefinition();
