/**
 * The bridge's part of `saltwire hub --config FILE`: the `"mqtt"` object, checked key by key into
 * BridgeOptions (an unknown key or a wrong type is an error naming it, never ignored). TLS files
 * (`caFile`, `certFile`, `keyFile`) are read here. Without `rules` every topic is bridged both ways
 * under its own name, minus `$` topics (DEFAULT_RULES).
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { BridgeOptions } from './bridge.js';

const KEYS: Record<string, 'string' | 'number' | 'boolean' | 'object'> = {
  clientId: 'string', username: 'string', password: 'string', caFile: 'string', certFile: 'string', keyFile: 'string',
  rejectUnauthorized: 'boolean', protocolVersion: 'number', clean: 'boolean', sessionExpirySeconds: 'number',
  keepaliveSeconds: 'number', connectTimeoutMs: 'number', reconnect: 'object', rules: 'object', outbox: 'object',
  origin: 'string', shareGroup: 'string', dedupeSize: 'number', inflight: 'number', presenceTopic: 'string',
  statusTopic: 'string', receiptTopic: 'string', rpc: 'object', logEveryMs: 'number', cluster: 'object',
};

/**
 * BridgeOptions for broker `url` from the config file's `mqtt` object (absent: defaults).
 * @group Bridge
 */
export function bridgeOptionsFromConfig(url: string, cfg: unknown): BridgeOptions {
  if (cfg === undefined) return { url };
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new InvalidArgumentError('config "mqtt" must be an object');
  const o: Record<string, unknown> = { url };
  for (const [k, v] of Object.entries(cfg)) {
    const t = KEYS[k];
    if (t === undefined) throw new InvalidArgumentError(`config "mqtt.${k}": unknown key`);
    if (k === 'presenceTopic' || k === 'rpc' ? v !== false && typeof v !== t : typeof v !== t || v === null) {
      throw new InvalidArgumentError(`config "mqtt.${k}" must be ${k === 'rules' ? 'an array' : `a ${t}`}`);
    }
    if (k === 'rules' && !Array.isArray(v)) throw new InvalidArgumentError('config "mqtt.rules" must be an array');
    if (k === 'caFile' || k === 'certFile' || k === 'keyFile') o[k.slice(0, -4)] = readPem(k, v as string);
    else o[k] = v;
  }
  return o as unknown as BridgeOptions;
}

/** A TLS file of the config; one that cannot be read is an error naming the key and the file. */
function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InvalidArgumentError(`config "mqtt.${key}": cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
