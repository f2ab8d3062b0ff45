/**
 * A hub for one site: routes publications and calls between its devices, and says who comes and goes.
 *
 *   export SALTWIRE_SITE_KEY=$(saltwire keygen)
 *   npx tsx examples/hub.ts 127.0.0.1:4000
 *
 * Each device's key is `saltwire derive --device ID` of that site key. Ctrl-C drains and stops it.
 */
import { AccessControl, startHub } from 'saltwire';

const siteKey = process.env['SALTWIRE_SITE_KEY'];
if (siteKey === undefined) throw new Error('set SALTWIRE_SITE_KEY (saltwire keygen prints one)');

const hub = await startHub({
  listen: process.argv[2] ?? '127.0.0.1:4000',
  siteKey,
  // each device publishes under sensors/<its id>/, reads everything, and may call and serve anything
  acl: AccessControl.fromConfig({
    rules: [{ devices: ['*'], publish: ['sensors/{id}/#'], subscribe: ['#'], call: ['*'], serve: ['*'] }],
  }),
});

hub.node.on('reachable', (e) => console.log(`${e.peer} reachable`));
hub.node.on('unreachable', (e) => console.log(`${e.peer} unreachable`));
hub.node.on('restart', (e) => console.log(`${e.peer} restarted (epoch ${e.epoch})`));
console.log(`listening ${hub.node.local.host}:${hub.node.local.port}`);

const stop = async (): Promise<void> => {
  await hub.close(); // drains what it acknowledged, then closes the node
  console.log('stopped');
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
