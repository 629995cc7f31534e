// The shim of the chaos run: the SDK's dummy shim (built), whose bind and unbind handlers
// also append one JSON line per applied effect to $CHAOS_EFFECTS_FILE:
//   {"kind":"bind"|"unbind","pid":…,"port":…,"revision":…,"device":…,"at":…}
// The checker reads these lines to prove no effect was applied twice for one revision.
//   gluon shim run bench/chaos/chaos-shim.mjs --etcd <members> --election …
import { appendFileSync } from 'node:fs';
import { dummyShimDefinition } from '../../dist/shim-sdk.js';

const file = process.env.CHAOS_EFFECTS_FILE;
const base = dummyShimDefinition();
const port = base.handlers.Port;

function record(kind, p) {
  if (file === undefined) return;
  const line = { kind, pid: process.pid, port: p.id ?? null, revision: p.revision_number ?? null, device: p.device_id ?? null, at: Date.now() };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export default {
  ...base,
  handlers: {
    ...base.handlers,
    Port: {
      ...port,
      bind: (p, ctx) => {
        const outcome = port.bind(p, ctx);
        record('bind', p);
        return outcome;
      },
      unbind: (p, ctx) => {
        record('unbind', p);
        return port.unbind?.(p, ctx);
      },
    },
  },
};
