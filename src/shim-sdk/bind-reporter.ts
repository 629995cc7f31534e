import { KvError, type Compare, type KeyValueStore } from '../core/kv/index.js';
import { controllerKey, encodeBindResult, type BindResultValue } from '../core/wire/index.js';
import type { BindFailure, BindSuccess, PortObject } from './types.js';

/** A result written by {@link BindReporter}: the value and the revision of its write. */
export interface ReportedResult {
  /** The value written. */
  readonly value: BindResultValue;
  /** The key/value store revision of the write. */
  readonly revision: number;
}

/** Options of {@link BindReporter}. */
export interface BindReporterOptions {
  /** The API (`net-l3vpn`). */
  readonly api: string;
  /** This shim's controller name. */
  readonly controller: string;
  /**
   * Guards added to every write (leader election fencing: the leader's election key
   * still has its create revision). A failed guard throws `GLUON_ERR_KV_LEASE_LOST`.
   */
  readonly fence?: () => readonly Compare[];
}

function answers(port: PortObject): Pick<BindResultValue, 'port_revision' | 'host_id' | 'device_id'> {
  return {
    port_revision: typeof port.revision_number === 'number' ? port.revision_number : null,
    host_id: port.host_id ?? null,
    device_id: port.device_id ?? null,
  };
}

/** Writes bind results (the wire part's `BindResultValue`) where the Proton server waits for them. */
export class BindReporter {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: BindReporterOptions,
  ) {}

  /** The result key of a port. */
  key(portId: string): string {
    return controllerKey(this.options.api, portId);
  }

  /** Reports a successful bind of `port`. */
  async reportBound(portId: string, port: PortObject, result: BindSuccess): Promise<ReportedResult> {
    const value: BindResultValue = {
      vif_type: result.vif_type,
      vif_details: result.vif_details,
      controller: this.options.controller,
      ...answers(port),
    };
    return { value, revision: await this.write(portId, value) };
  }

  /** Reports a failed or refused bind of `port`. */
  async reportFailed(portId: string, port: PortObject, failure: BindFailure): Promise<ReportedResult> {
    const value: BindResultValue = {
      error: { reason: failure.error.reason, message: failure.error.message },
      controller: this.options.controller,
      ...answers(port),
    };
    return { value, revision: await this.write(portId, value) };
  }

  /** Reports an unbind: the result key becomes `{}`. Resolves to the write's revision. */
  async reportUnbound(portId: string): Promise<number> {
    return this.write(portId, {});
  }

  /** Deletes the result key (after the port was deleted). Resolves to the store's revision after it. */
  async remove(portId: string): Promise<number> {
    const fence = this.options.fence?.() ?? [];
    if (fence.length === 0) return (await this.kv.delete(this.key(portId))).revision;
    const res = await this.kv.txn({ compare: fence, success: [{ type: 'delete', key: this.key(portId) }] });
    if (!res.succeeded) throw this.fenced(portId);
    return res.revision;
  }

  private async write(portId: string, value: BindResultValue): Promise<number> {
    const key = this.key(portId);
    const text = encodeBindResult(value);
    const fence = this.options.fence?.() ?? [];
    if (fence.length === 0) return (await this.kv.put(key, text)).revision;
    const res = await this.kv.txn({ compare: fence, success: [{ type: 'put', key, value: text }] });
    if (!res.succeeded) throw this.fenced(portId);
    return res.revision;
  }

  private fenced(portId: string): KvError {
    return new KvError(
      'GLUON_ERR_KV_LEASE_LOST',
      `bind result for port ${portId} not written: shim ${JSON.stringify(this.options.controller)} is no longer the leader of its election`,
    );
  }
}
