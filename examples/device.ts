/**
 * A sensor: publishes a reading every second and prints the commands sent to it.
 *
 *   export SALTWIRE_KEY=$(saltwire derive --device sensor-1)   # with SALTWIRE_SITE_KEY set
 *   npx tsx examples/device.ts 127.0.0.1:4000 sensor-1
 *
 * Stop the hub, restart it, pull the network: the device carries on; nothing here reconnects.
 */
import { startClient } from 'saltwire';

const [hub = '127.0.0.1:4000', id = 'sensor-1'] = process.argv.slice(2);
const key = process.env['SALTWIRE_KEY'];
if (key === undefined) throw new Error('set SALTWIRE_KEY (saltwire derive --device ID)');

// resolves once the hub answered; HubUnreachableError after 5 s if it did not (or the key is wrong)
const client = await startClient({ hub, id, key });
console.log(`${id} ready`);

client.subscribe(`cmd/${id}/#`, { qos: 1 }, (p) => console.log(`command ${p.topic}: ${p.text()}`));

let celsius = 21.5;
const timer = setInterval(() => {
  celsius += Math.round((Math.random() - 0.5) * 10) / 10;
  // QoS 1: resolves once the hub has it (durably); retained: a new subscriber gets the last one
  client
    .publish(`sensors/${id}/temp`, celsius.toFixed(1), { qos: 1, retain: true })
    .then(() => console.log(`published ${celsius.toFixed(1)}`))
    .catch((e: unknown) => console.error(`not published: ${String(e)}`));
}, 1000);

const stop = async (): Promise<void> => {
  clearInterval(timer);
  await client.close(); // the node too
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
