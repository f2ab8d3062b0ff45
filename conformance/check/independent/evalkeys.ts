// Evaluators for DeviceKeyTest and TrafficKeyTest (key_derivation.json): spec 3.2, 3.4, 3.5.
// A TrafficKeyTest carries `boot`, the sender's 8-byte BOOT value (3.5, [SW-5.2-6]).
// valid: recompute info and the key and compare both. invalid: the derivation MUST be refused
// because an id violates [SW-3.2-1] ([SW-3.2-2]) (or, for traffic keys, S = R [SW-3.5-3]); we also
// check that this is indeed why.
import { expectRefusal, expectSuccess, hex, Report, type Evaluator } from './evalcommon.js';
import { deviceKey, deviceKeyInfo, isValidNodeId, trafficKey, trafficKeyInfo } from './keys.js';

/**
 * An id field (README): a JSON string, or an invalid id as the hex of its bytes under `<name>Hex`,
 * taken here one character per byte, so that validation stays byte for byte (3.2).
 */
function id(t: Record<string, unknown>, name: string): string {
  return typeof t[name] === 'string' ? t[name] : String.fromCharCode(...hex(t, `${name}Hex`));
}

export const evalDeviceKey: Evaluator = (_g, t) => {
  const r = new Report();
  const sk = hex(t, 'siteKey');
  if (t.result === 'valid') {
    const info = expectSuccess(r, 'info', () => deviceKeyInfo(t.deviceId, t.gen));
    if (info) r.hex('info', info, t.info);
    const dk = expectSuccess(r, 'deviceKey', () => deviceKey(sk, t.deviceId, t.gen));
    if (dk) r.hex('deviceKey', dk, t.deviceKey);
  } else {
    const d = id(t, 'deviceId');
    expectRefusal(r, 'deviceKey', () => deviceKey(sk, d, t.gen));
    if (isValidNodeId(d)) r.fail(`invalid test but deviceId ${JSON.stringify(d)} is a valid node id (README: invalid means the id violates [SW-3.2-1])`);
  }
  return r.failures;
};

export const evalTrafficKey: Evaluator = (_g, t) => {
  const r = new Report();
  const pk = hex(t, 'pairKey');
  const boot = hex(t, 'boot');
  if (t.result === 'valid') {
    const info = expectSuccess(r, 'info', () => trafficKeyInfo(t.sender, t.receiver, t.epoch, boot));
    if (info) r.hex('info', info, t.info);
    const tk = expectSuccess(r, 'trafficKey', () => trafficKey(pk, t.sender, t.receiver, t.epoch, boot));
    if (tk) r.hex('trafficKey', tk, t.trafficKey);
  } else {
    const [s, rc] = [id(t, 'sender'), id(t, 'receiver')];
    expectRefusal(r, 'trafficKey', () => trafficKey(pk, s, rc, t.epoch, boot));
    if (isValidNodeId(s) && isValidNodeId(rc) && s !== rc)
      r.fail('invalid test but both ids are valid, distinct node ids (README: invalid means an id is not valid)');
  }
  return r.failures;
};
