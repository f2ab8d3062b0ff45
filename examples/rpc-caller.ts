/**
 * A caller: calls the service of rpc-service.ts by its id, through the hub, and handles each outcome.
 *
 *   SALTWIRE_KEY=$(saltwire derive --device console) npx tsx examples/rpc-caller.ts 127.0.0.1:4000 console thermo
 */
import { RpcError, RpcRemoteError, RpcTimeoutError, startClient } from 'saltwire';

const [hub = '127.0.0.1:4000', id = 'console', service = 'thermo'] = process.argv.slice(2);
const client = await startClient({ hub, id, key: process.env['SALTWIRE_KEY'] ?? '' });

try {
  // the type argument is what the caller expects back; the result is not checked at run time
  const r = await client.call<{ celsius: number; at: string }>(service, 'reading', null, { timeoutMs: 2000 });
  console.log(`reading: ${r.celsius} C at ${r.at}`);

  console.log(`add: ${await client.call<number>(service, 'add', { a: 2, b: 3 })}`);
  await client.call(service, 'add', { a: 'two' }); // the handler throws
} catch (e) {
  // every outcome is a typed error with a stable code (the CLI's exit codes 3-7 map them)
  if (e instanceof RpcRemoteError) console.log(`remote error: ${e.remoteCode} ${e.remoteMessage}`);
  else if (e instanceof RpcTimeoutError) console.log(`timed out (request delivered: ${e.delivered})`);
  else if (e instanceof RpcError) console.log(`call failed: ${e.code}`);
  else throw e;
} finally {
  await client.close();
}
