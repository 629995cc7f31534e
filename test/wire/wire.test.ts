import { describe, expect, it } from 'vitest';
import {
  controllerKey,
  controllerPrefix,
  encodeBindResult,
  hasAnswer,
  objectKey,
  parseObjectKey,
  parseShimResult,
  protonPrefix,
  pythonJson,
  type BindResultValue,
} from '../../src/core/wire/index.js';

describe('wire: etcd key layout', () => {
  it('builds object and bind-result keys, and splits object keys back', () => {
    expect(protonPrefix('net-l3vpn')).toBe('/proton/net-l3vpn/');
    expect(objectKey('net-l3vpn', 'Port', 'p1')).toBe('/proton/net-l3vpn/Port/p1');
    expect(parseObjectKey('net-l3vpn', '/proton/net-l3vpn/VpnAfConfig/100:1')).toEqual({ objectName: 'VpnAfConfig', id: '100:1' });
    expect(parseObjectKey('net-l3vpn', '/proton/other/Port/p1')).toBeUndefined();
    expect(parseObjectKey('net-l3vpn', '/proton/net-l3vpn/Port/')).toBeUndefined();
    expect(parseObjectKey('net-l3vpn', '/proton/net-l3vpn/Port')).toBeUndefined();
    expect(controllerPrefix('net-l3vpn')).toBe('/controller/net-l3vpn/Port/');
    expect(controllerKey('net-l3vpn', 'p1')).toBe('/controller/net-l3vpn/Port/p1');
  });
});

describe('wire: bind-result value', () => {
  it('reads back what a shim encodes: a VIF with the binding it answers', () => {
    const value: BindResultValue = {
      vif_type: 'ovs',
      vif_details: { port_filter: true },
      controller: 'net-l3vpn-dummy',
      port_revision: 7,
      host_id: 'compute-1',
      device_id: 'vm-1',
    };
    expect(parseShimResult(encodeBindResult(value))).toEqual({
      vif: { vif_type: 'ovs', vif_details: { port_filter: true } },
      controller: 'net-l3vpn-dummy',
      portRevision: 7,
      host_id: 'compute-1',
      device_id: 'vm-1',
    });
    expect(hasAnswer(JSON.parse(encodeBindResult(value)) as Record<string, unknown>)).toBe(true);
  });

  it('reads back a failure; a null port_revision/host_id is carried as absent/null', () => {
    const value: BindResultValue = { error: { reason: 'no_service_binding', message: 'no VpnBinding' }, controller: 'c', port_revision: null, host_id: null, device_id: null };
    expect(parseShimResult(encodeBindResult(value))).toEqual({
      error: { reason: 'no_service_binding', message: 'no VpnBinding' },
      controller: 'c',
      host_id: null,
      device_id: null,
    });
  });

  it('an unbind ({}), text that is not JSON, and an empty vif_type carry no answer for the server', () => {
    expect(parseShimResult(encodeBindResult({}))).toBeUndefined();
    expect(hasAnswer({})).toBe(false);
    expect(hasAnswer(undefined)).toBe(false);
    expect(parseShimResult(undefined)).toBeUndefined();
    expect(parseShimResult('{oops')).toBeUndefined();
    expect(parseShimResult('[1]')).toBeUndefined();
    expect(parseShimResult('{"vif_type": ""}')).toBeUndefined();
  });

  it("a failure without text reason/message (the original's shims) gets shim_error and the error's Python JSON text", () => {
    expect(parseShimResult('{"error": {"code": 3, "detail": "é"}}')).toEqual({ error: { reason: 'shim_error', message: '{"code": 3, "detail": "\\u00e9"}' } });
    expect(pythonJson({ a: [1, null, 'x'], b: undefined })).toBe('{"a": [1, null, "x"]}');
  });
});
