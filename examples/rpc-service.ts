/**
 * A service: answers `reading` and `add` for any device of the site, through the hub.
 *
 *   SALTWIRE_KEY=$(saltwire derive --device thermo) npx tsx examples/rpc-service.ts 127.0.0.1:4000 thermo
 */
import { startClient } from 'saltwire';

const [hub = '127.0.0.1:4000', id = 'thermo'] = process.argv.slice(2);
const client = await startClient({ hub, id, key: process.env['SALTWIRE_KEY'] ?? '' });

// a handler gets the params (any MessagePack value) and who called; what it returns is the result
client.serve('reading', (_params, { from }) => {
  console.log(`reading asked by ${from}`);
  return { celsius: 21.5, at: new Date().toISOString() };
});

// what a handler throws is a RpcRemoteError at the caller, with the error's code (default 'error')
client.serve('add', (params) => {
  const { a, b } = params as { a: number; b: number };
  if (typeof a !== 'number' || typeof b !== 'number') throw Object.assign(new Error('add needs { a: number, b: number }'), { code: 'bad-params' });
  return a + b;
});
console.log('serving reading, add');

const stop = (): void => void client.close();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
