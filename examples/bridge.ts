/**
 * A hub bridged to the MQTT broker a site already runs: every topic both ways under its own name
 * (minus $ topics), so MQTT tools see the devices and the devices see MQTT.
 *
 *   mosquitto -p 1883 &
 *   npx tsx examples/bridge.ts mqtt://127.0.0.1:1883
 *
 * A device publishes a reading, an MQTT subscriber prints it; an MQTT client publishes a command, the
 * device prints it. Then everything closes.
 */
import mqtt from 'mqtt';
import { deriveDeviceKey, generateKey, startClient, startHub, tweetnaclSuite } from 'saltwire';
import { MqttBridge } from 'saltwire/bridge';

const url = process.argv[2] ?? 'mqtt://127.0.0.1:1883';
const siteKey = generateKey(tweetnaclSuite); // a real site keeps its key in a file (saltwire keygen --out)
const hub = await startHub({ listen: '127.0.0.1:0', siteKey });
const bridge = await MqttBridge.start(hub, { url }); // no mapping: every topic both ways
await new Promise<void>((ok) => bridge.on('connected', () => ok()));

// an MQTT application, as a dashboard would be
const app = await mqtt.connectAsync(url, { protocolVersion: 5 });
await app.subscribeAsync('sensors/#', { qos: 1 });
const reading = new Promise<string>((ok) => app.on('message', (t, p) => ok(`${t} ${p.toString()}`)));

// a Saltwire device on the hub
const key = deriveDeviceKey(tweetnaclSuite, siteKey, 'sensor-1', 0);
const device = await startClient({ hub: `127.0.0.1:${hub.node.local.port}`, id: 'sensor-1', key });
const command = new Promise<string>((ok) => device.subscribe('commands/sensor-1', { qos: 1 }, (p) => ok(p.text())));
await new Promise((r) => setTimeout(r, 200)); // the subscriptions reach the broker

await device.publish('sensors/sensor-1/temp', '21.5', { qos: 1 });
console.log(`mqtt got: ${await reading}`);
await app.publishAsync('commands/sensor-1', 'led on', { qos: 1 });
console.log(`device got: ${await command}`);

await app.endAsync();
await device.close();
await bridge.close();
await hub.close();
