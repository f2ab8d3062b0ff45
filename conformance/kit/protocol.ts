/**
 * The adapter protocol (conformance/README.md, "Writing an adapter"): how a vector test becomes the
 * operations sent to an adapter and what reply each must get. One request per line on the adapter's
 * stdin, `{"id":N,"op":NAME,...inputs}`; one reply per line on its stdout, in order,
 * `{"id":N,...outputs}`, or `{"id":N,"unsupported":true}`.
 *
 * Operations are grouped; a group is all-or-nothing: an adapter that answers any operation of a
 * group must answer all of them (an unsupported reply there is a failure, as Sparkplug's TCK treats
 * its profiles). A group nobody answers is reported unsupported, never failed.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Test = Obj & { tcId: number; result: 'valid' | 'invalid'; specRefs: string[]; comment: string };
type Group = Obj & { type: string; tests: Test[] };

export const GROUPS = {
  crypto: { core: true, ops: ['hmac', 'hkdf', 'secretbox.seal', 'secretbox.open'] },
  keys: { core: true, ops: ['key.device', 'key.traffic'] },
  envelope: { core: true, ops: ['seal', 'open'] },
  replay: { core: true, ops: ['window.run', 'epoch.run'] },
  'reliability-frames': { core: false, ops: ['frames.decode', 'frames.encode'] },
  'message-ops': { core: false, ops: ['op.decode', 'op.encode'] },
  'reliability-device': { core: false, ops: ['rel.device.run'] },
  'reliability-full': { core: false, ops: ['rel.full.run'] },
  cookies: { core: false, ops: ['cookie.parse', 'cookie.match'] },
  'cookie-answer': { core: false, ops: ['cookie.answer'] },
  session: { core: false, ops: ['hs.run', 'hs.initiation', 'hs.response', 'hs.ephemeral', 'hs.rekey'] },
  multicast: {
    core: false,
    ops: ['mc.group-key', 'mc.sender-key', 'mc.discovery-keys', 'mc.grant.decode', 'mc.grant.encode', 'mc.seal', 'mc.open', 'mc.receive.run', 'mc.scout', 'mc.announce'],
  },
} as const;
export type GroupName = keyof typeof GROUPS;

/** One operation of a test and the reply it must get. */
export interface Exchange {
  readonly request: Obj & { op: string };
  /** The reply's fields must be exactly these (ignoring `id` and keys starting with `x-`), unless `check` is given. */
  readonly want: Obj;
  /** A check other than equality: returns what differs, or undefined. */
  readonly check?: (reply: Obj) => string | undefined;
}

/** The operations of one vector test. */
export interface TestPlan {
  readonly group: GroupName;
  readonly exchanges: Exchange[];
}

const utf8hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
/** An id field: a string, or (an invalid id) `<name>Hex` already in hex. */
const idHex = (t: Obj, name: string): string => (typeof t[name] === 'string' ? utf8hex(t[name] as string) : (t[`${name}Hex`] as string));
const pick = (o: Obj, keys: string[]): Obj => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]!]));

const mc = (request: Obj, want: Obj): TestPlan => ({ group: 'multicast', exchanges: [{ request: request as Exchange['request'], want }] });

/** The plan of a test, or undefined when its group type is outside the protocol (reported as such). */
export function planTest(g: Group, t: Test): TestPlan | undefined {
  const valid = t.result === 'valid';
  switch (g.type) {
    case 'HmacSha512Test':
      return {
        group: 'crypto',
        exchanges: [
          {
            request: { op: 'hmac', key: t.key!, msg: t.msg! },
            want: { tag: t.tag! },
            // an invalid test's tag is wrong: the adapter's tag must differ from it
            ...(valid ? {} : { check: (r: Obj) => (typeof r.tag === 'string' && r.tag !== t.tag ? undefined : `hmac: got ${JSON.stringify(r)}, want a tag other than the vector's wrong one`) }),
          },
        ],
      };
    case 'HkdfSha512Test':
      return { group: 'crypto', exchanges: [{ request: { op: 'hkdf', ...pick(t, ['ikm', 'salt', 'info', 'size']) } as Exchange['request'], want: { prk: t.prk!, okm: t.okm! } }] };
    case 'SecretboxTest': {
      const open: Exchange = { request: { op: 'secretbox.open', key: t.key!, nonce: t.nonce!, box: t.box! }, want: { msg: valid ? t.msg! : null } };
      return { group: 'crypto', exchanges: valid ? [{ request: { op: 'secretbox.seal', key: t.key!, nonce: t.nonce!, msg: t.msg! }, want: { box: t.box! } }, open] : [open] };
    }
    case 'DeviceKeyTest':
      return {
        group: 'keys',
        exchanges: [{ request: { op: 'key.device', siteKey: t.siteKey!, deviceIdHex: idHex(t, 'deviceId'), gen: t.gen! }, want: valid ? { deviceKey: t.deviceKey! } : { refused: true } }],
      };
    case 'TrafficKeyTest':
      return {
        group: 'keys',
        exchanges: [
          {
            request: { op: 'key.traffic', pairKey: t.pairKey!, senderHex: idHex(t, 'sender'), receiverHex: idHex(t, 'receiver'), epoch: t.epoch!, boot: t.boot! },
            want: valid ? { trafficKey: t.trafficKey! } : { refused: true },
          },
        ],
      };
    case 'SealTest':
      return {
        group: 'envelope',
        exchanges: [
          {
            request: { op: 'seal', ...pick(g, ['pairKey', 'sender', 'receiver']), ...pick(t, ['gen', 'epoch', 'counter', 'boot', 'form', 'index', 'plaintext']) } as Exchange['request'],
            want: valid ? { datagram: t.datagram! } : { refused: true },
          },
        ],
      };
    case 'OpenTest': {
      const { type: _t, tests: _ts, ...receiver } = g;
      const want: Obj = valid ? { accept: t.expected! } : { drop: t.reason!, ...(t.stale === undefined ? {} : { stale: t.stale }) };
      return { group: 'envelope', exchanges: [{ request: { op: 'open', receiver, datagram: t.datagram! }, want }] };
    }
    case 'WindowScenario':
    case 'EpochScenario': {
      const steps = t.steps as Obj[];
      const keys = g.type === 'EpochScenario' ? ['epoch', 'counter', 'authentic'] : ['counter', 'authentic'];
      return {
        group: 'replay',
        exchanges: [
          {
            request: { op: g.type === 'EpochScenario' ? 'epoch.run' : 'window.run', windowSize: g.windowSize!, steps: steps.map((s) => pick(s, keys)) },
            want: { verdicts: steps.map((s) => s.expect!) },
          },
        ],
      };
    }
    case 'RelFrameTest': {
      const decode: Exchange = { request: { op: 'frames.decode', plaintext: t.plaintext! }, want: valid ? { frames: t.frames! } : { invalid: true } };
      return { group: 'reliability-frames', exchanges: valid ? [decode, { request: { op: 'frames.encode', frames: t.frames! }, want: { plaintext: t.plaintext! } }] : [decode] };
    }
    case 'RelDeviceScenario':
    case 'RelScenario': {
      // A whole scenario in one operation: the adapter plays A and B step by step and says, per step,
      // what its vector's `expect` says (README, RelScenario and RelDeviceScenario).
      const steps = t.steps as Obj[];
      const device = g.type === 'RelDeviceScenario';
      // A device scenario whose B is a hub that defers its acknowledgements ([SW-14.12-20]): a device
      // never defers, so the adapter plays A alone. Each B poll carries the datagram the vector's B
      // sends, and only what the steps say of A is compared.
      const scripted = device && (t.config as Obj).B !== undefined && ((t.config as Obj).B as Obj).deferAcks !== undefined;
      const aSide = (x: Obj, e: Json): Json => {
        if (!scripted || typeof e !== 'object' || e === null || Array.isArray(e)) return e;
        const o = e as Obj;
        const toB = (x.do === 'poll' && x.who === 'B') || x.do === 'release' || (x.do === 'deliver' && String(x.datagram).startsWith('A'));
        return toB ? { ...(o.events !== undefined && { events: o.events }), sender: o.sender! } : e;
      };
      const want = steps.map((x) => aSide(x, x.expect!));
      const request = steps.map(({ expect: e, ...x }) => (scripted && x.do === 'poll' && x.who === 'B' ? { ...x, plaintext: (e as Obj).plaintext ?? null } : x));
      return {
        group: device ? 'reliability-device' : 'reliability-full',
        exchanges: [
          {
            request: { op: device ? 'rel.device.run' : 'rel.full.run', config: t.config!, steps: request },
            want: { expects: want },
            check: (r: Obj) => {
              const got = r.expects;
              if (!Array.isArray(got)) return `${device ? 'rel.device.run' : 'rel.full.run'}: no expects in ${JSON.stringify(r).slice(0, 200)}`;
              for (const [i, w] of want.entries()) {
                if (!jsonEqual(aSide(steps[i]!, got[i] as Json), w)) return `step ${i} (t=${String(steps[i]!.t)} ${String(steps[i]!.do)}): got ${JSON.stringify(got[i] ?? null).slice(0, 300)}, want ${JSON.stringify(w).slice(0, 300)}`;
              }
              return got.length === want.length ? undefined : `${got.length} steps answered, want ${want.length}`;
            },
          },
        ],
      };
    }
    case 'CookieMessageTest':
      return {
        group: 'cookies',
        exchanges: [{ request: { op: 'cookie.parse', maxDatagram: g.maxDatagram!, message: t.message! }, want: valid ? { parsed: t.parsed! } : { drop: t.reason! } }],
      };
    case 'CookieMatchTest': {
      const steps = t.steps as Obj[];
      return {
        group: 'cookies',
        exchanges: [
          {
            request: { op: 'cookie.match', pendingSize: g.pendingSize!, sent: g.sent!, ...(t.alsoSent === undefined ? {} : { alsoSent: t.alsoSent }), steps: steps.map((x) => pick(x, ['from', 'message'])) },
            want: { steps: steps.map((x): Json => (x.echo !== undefined ? { echo: x.echo } : { drop: x.reason! })) },
          },
        ],
      };
    }
    case 'CookieAnswerTest':
      return { group: 'cookie-answer', exchanges: [{ request: { op: 'cookie.answer', datagram: t.datagram!, cookie: t.cookie! }, want: valid ? { answer: t.answer! } : { refused: true } }] };
    case 'HandshakeTest': {
      // Both sides of one handshake; the kit compares the messages, the session and the first datagrams
      // (the vector's `intermediate` values are for debugging and not asked for).
      const first = t.firstDatagrams as Obj[];
      return {
        group: 'session',
        exchanges: [
          {
            request: {
              op: 'hs.run',
              ...pick(t, ['initiator', 'responder', 'gen', 'psk', 'initiatorEphemeral', 'responderEphemeral', 'timestamp', 'initiatorIndex', 'responderIndex']),
              firstDatagrams: first.map((d) => pick(d, ['from', 'counter', 'plaintext'])),
            } as Exchange['request'],
            want: { initiation: t.initiation!, response: t.response!, session: t.session!, firstDatagrams: first.map((d) => d.datagram!) },
          },
        ],
      };
    }
    case 'InitiationTest': {
      const { type: _t, tests: _ts, ...responder } = g;
      return {
        group: 'session',
        exchanges: [{ request: { op: 'hs.initiation', responder, ...pick(t, ['initiation', 'responderEphemeral', 'responderIndex']) }, want: valid ? { accept: t.expected! } : { drop: t.reason! } }],
      };
    }
    case 'ResponseTest': {
      const { type: _t, tests: _ts, ...initiator } = g;
      return { group: 'session', exchanges: [{ request: { op: 'hs.response', initiator, response: t.response! }, want: valid ? { accept: t.expected! } : { drop: t.reason! } }] };
    }
    case 'EphemeralTest':
      return {
        group: 'session',
        exchanges: [{ request: { op: 'hs.ephemeral', ...pick(t, ['psk', 'selfId', 'epoch', 'counter', 'random']) } as Exchange['request'], want: pick(t, ['ephemeralPrivate', 'ephemeralPublic']) }],
      };
    case 'RekeyTest':
      return { group: 'session', exchanges: [{ request: { op: 'hs.rekey', ...pick(t, ['role', 'createdAtMs', 'nowMs', 'messagesSent']) } as Exchange['request'], want: { action: t.action! } }] };
    case 'GroupKeyTest':
      return mc({ op: 'mc.group-key', siteKey: g.siteKey!, ...pick(t, ['gid', 'gen']) }, valid ? { groupKey: t.groupKey! } : { refused: true });
    case 'SenderKeyTest':
      return mc({ op: 'mc.sender-key', groupKey: g.groupKey!, ...pick(t, ['gid', 'gen', 'member', 'epoch', 'boot']) }, valid ? { senderKey: t.senderKey! } : { refused: true });
    case 'DiscoveryKeyTest':
      return mc({ op: 'mc.discovery-keys', siteKey: g.siteKey!, ...pick(t, ['id', 'gen']) }, pick(t, ['pairKey', 'scoutKey', 'announceKey']));
    case 'GrantTest': {
      const decode: Exchange = { request: { op: 'mc.grant.decode', bytes: t.bytes! }, want: valid ? { grant: t.grant! } : { invalid: true } };
      return { group: 'multicast', exchanges: valid ? [decode, { request: { op: 'mc.grant.encode', grant: t.grant! }, want: { bytes: t.bytes! } }] : [decode] };
    }
    case 'GroupSealTest':
      return mc({ op: 'mc.seal', ...pick(g, ['gid', 'gen', 'groupKey', 'controllerSeed']), ...pick(t, ['type', 'member', 'epoch', 'counter', 'boot', 'body']) }, { datagram: t.datagram! });
    case 'GroupOpenTest':
      return mc({ op: 'mc.open', grant: g.grant!, datagram: t.datagram! }, valid ? { accept: t.expected! } : { drop: t.reason! });
    case 'GroupReceiveScenario': {
      const steps = t.steps as Obj[];
      return mc({ op: 'mc.receive.run', grant: g.grant!, steps: steps.map((x) => pick(x, ['datagram'])) }, { verdicts: steps.map((x) => x.expect!) });
    }
    case 'ScoutTest':
      return mc({ op: 'mc.scout', ...pick(g, ['siteKey', 'hubId', 'port']), ...pick(t, ['scout', 'rand', 'address']) }, valid ? pick(t, ['announce', 'toGroup']) : { silent: t.reason! });
    case 'AnnounceTest':
      return mc({ op: 'mc.announce', ...pick(g, ['siteKey', 'id', 'gen', 'outstanding']), announce: t.announce! }, valid ? { accept: t.expected! } : { drop: t.reason! });
    case 'OpCodecTest': {
      const decode: Exchange = { request: { op: 'op.decode', encoded: t.encoded! }, want: valid ? { operation: t.operation! } : { dropped: true } };
      return { group: 'message-ops', exchanges: valid ? [decode, { request: { op: 'op.encode', operation: t.operation! }, want: { encoded: t.encoded! } }] : [decode] };
    }
    default:
      return undefined;
  }
}

/** Deep equality of JSON values, key order ignored. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as Json[]).length && a.every((x, i) => jsonEqual(x, (b as Json[])[i]));
  const ka = Object.keys(a), kb = Object.keys(b as Obj);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Obj)[k], (b as Obj)[k]));
}

/** What differs between a reply and the exchange's expectation, or undefined if it matches. */
export function judge(x: Exchange, reply: Obj): string | undefined {
  if (x.check !== undefined) return x.check(reply);
  const got = Object.fromEntries(Object.entries(reply).filter(([k]) => k !== 'id' && !k.startsWith('x-')));
  if (jsonEqual(got, x.want)) return undefined;
  return `${x.request.op}: got ${JSON.stringify(got)}, want ${JSON.stringify(x.want)}`;
}
