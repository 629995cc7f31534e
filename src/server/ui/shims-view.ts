import { listAll, type KeyValue, type KeyValueStore } from '../../core/kv/index.js';
import type { ApiModel } from '../../core/model/index.js';
import { controllerPrefix, parseShimResult, shimElectionPrefix } from '../../core/wire/index.js';

/** One candidate of a shim's election (a running instance that campaigns). */
export interface ShimCandidate {
  /** The candidate id the instance campaigns with (by default `<hostname>-<pid>-<random>`). */
  readonly id: string;
  /** True for the instance that leads (the lowest create revision). */
  readonly leader: boolean;
}

/** One shim (controller) of one API, as the bind results and elections in the key/value store show it. */
export interface ShimView {
  /** The API whose ports it binds. */
  readonly api: string;
  /** The shim's name: `controller` of its bind results, or its election's name. */
  readonly name: string;
  /** The hosts of the bindings it answers now, sorted. */
  readonly hosts: readonly string[];
  /** Ports it bound (its result is a VIF). */
  readonly bound: number;
  /** Ports whose bind it refused (its result is a failure). */
  readonly failed: number;
  /** The instances campaigning in its default election (empty for a shim run without election). */
  readonly candidates: readonly ShimCandidate[];
}

/** `GET /proton/ui/shims`. */
export interface ShimsDocument {
  /** The shims, by API then name. */
  readonly shims: readonly ShimView[];
  /** The key/value store's revision the view was read at. */
  readonly revision: number;
}

interface ShimTally {
  readonly hosts: Set<string>;
  bound: number;
  failed: number;
  readonly candidates: KeyValue[];
}

function tallyOf(byName: Map<string, ShimTally>, name: string): ShimTally {
  let tally = byName.get(name);
  if (tally === undefined) {
    tally = { hosts: new Set(), bound: 0, failed: 0, candidates: [] };
    byName.set(name, tally);
  }
  return tally;
}

function tallyResults(byName: Map<string, ShimTally>, results: readonly KeyValue[]): void {
  for (const entry of results) {
    const result = parseShimResult(entry.value);
    if (result === undefined) continue;
    const tally = tallyOf(byName, result.controller ?? '(unnamed)');
    if (typeof result.host_id === 'string' && result.host_id !== '') tally.hosts.add(result.host_id);
    if (result.vif !== undefined) tally.bound += 1;
    else if (result.error !== undefined) tally.failed += 1;
  }
}

function tallyCandidates(byName: Map<string, ShimTally>, prefix: string, keys: readonly KeyValue[]): void {
  for (const entry of keys) {
    const rest = entry.key.slice(prefix.length);
    const slash = rest.lastIndexOf('/');
    if (slash <= 0) continue;
    tallyOf(byName, rest.slice(0, slash)).candidates.push(entry);
  }
}

function candidatesOf(keys: readonly KeyValue[]): ShimCandidate[] {
  const leader = keys.reduce<KeyValue | undefined>((low, entry) => (low === undefined || entry.createRevision < low.createRevision ? entry : low), undefined);
  return keys.map((entry) => ({ id: entry.value, leader: entry === leader }));
}

/**
 * The shims of every API with a port object, read from the key/value store: each
 * controller named by a bind result (`/controller/<api>/Port/<id>`) with the hosts of
 * the bindings it answers and its counts, merged with the candidates of each shim's
 * default election (`/election/shim/<api>/<shim>/`). A shim that has answered no bind
 * and runs without election leaves no trace there, so it is not listed.
 */
export async function readShims(kv: KeyValueStore, apis: readonly ApiModel[]): Promise<ShimsDocument> {
  const shims: ShimView[] = [];
  let revision = 0;
  for (const api of apis) {
    if (!api.objects.some((object) => object.role === 'port')) continue;
    const byName = new Map<string, ShimTally>();
    const results = await listAll(kv, controllerPrefix(api.name));
    tallyResults(byName, results.kvs);
    const electionPrefix = shimElectionPrefix(api.name);
    const elections = await listAll(kv, electionPrefix);
    tallyCandidates(byName, electionPrefix, elections.kvs);
    revision = Math.max(revision, results.revision, elections.revision);
    for (const [name, tally] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
      shims.push({ api: api.name, name, hosts: [...tally.hosts].sort(), bound: tally.bound, failed: tally.failed, candidates: candidatesOf(tally.candidates) });
    }
  }
  return { shims, revision };
}
