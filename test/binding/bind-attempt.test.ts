import { describe, expect, it } from 'vitest';
import { BindAttempt } from '../../src/core/binding/bind-attempt.js';
import type { ApiModel } from '../../src/core/model/index.js';
import { port } from '../projections/fixtures.js';

const api = { name: 'net-l3vpn' } as ApiModel;
const binding = { host_id: 'compute-1', device_id: 'vm-1' };
const pending = { id: 'p1', host_id: 'compute-1', device_id: 'vm-1', vif_type: null, revision_number: 4 };
const failed = { ...pending, vif_type: 'binding_failed', revision_number: 5 };
const bound = { ...pending, vif_type: 'ovs', revision_number: 6 };

function attempt(): BindAttempt {
  return new BindAttempt({ api, object: port, id: 'p1', binding });
}

describe('a bind attempt moves through explicit states', () => {
  it('opens, waits at the revision of its pending write, and settles once with the answer', async () => {
    const a = attempt();
    expect(a.state.name).toBe('opening');
    a.pendingStored(pending);
    expect(a.state).toMatchObject({ name: 'waiting', revision: 4 });
    a.settle(bound);
    a.settle(failed);
    expect(a.state.name).toBe('settled');
    expect(a.live).toBe(false);
    await expect(a.result).resolves.toBe(bound);
  });

  it('expires keeping its revision (older results stay stale), and can be asked again', () => {
    const a = attempt();
    a.pendingStored(pending);
    a.expired(failed);
    expect(a.state).toMatchObject({ name: 'expired', failed, revision: 4 });
    a.open();
    a.pendingStored({ ...pending, revision_number: 7 });
    expect(a.state).toMatchObject({ name: 'waiting', revision: 7 });
  });

  it('goes back to expired when asking again fails to store the pending port; a new attempt is dropped', () => {
    const again = attempt();
    again.pendingStored(pending);
    again.expired(failed);
    again.open();
    expect(again.pendingFailed()).toBe(true);
    expect(again.state).toMatchObject({ name: 'expired', failed });
    expect(attempt().pendingFailed()).toBe(false);
  });

  const opening = (): BindAttempt => attempt();
  const waiting = (): BindAttempt => {
    const a = attempt();
    a.pendingStored(pending);
    return a;
  };
  it.each([
    ['expire before its pending write is stored', opening, (a: BindAttempt) => a.expired(failed)],
    ['open again while it waits', waiting, (a: BindAttempt) => a.open()],
    ['store a pending write twice', waiting, (a: BindAttempt) => a.pendingStored(pending)],
    ['report a failed pending write while it waits', waiting, (a: BindAttempt) => a.pendingFailed()],
  ])('refuses to %s (GLUON_ERR_INTERNAL)', (_what, from, move) => {
    const a = from();
    expect(() => move(a)).toThrow(expect.objectContaining({ code: 'GLUON_ERR_INTERNAL' }));
  });

  it('counts the requests waiting for it', () => {
    const a = attempt();
    a.join();
    a.join();
    a.leave();
    expect(a.waiters).toBe(1);
  });
});
