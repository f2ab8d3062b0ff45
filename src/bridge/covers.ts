/**
 * Whether one MQTT filter covers another: every topic the second matches, the first matches too.
 * The bridge subscribes to a filter of its RPC or of an extension only when no subscription of its
 * rules covers it already: a broker sends a client one copy per matching subscription (mosquitto 2
 * does), and with `#` bridged a request would otherwise be served twice. Comparing filters, not
 * relying on Subscription Identifiers, works with every broker (aedes sends one copy with only one
 * of them).
 * @module
 */

/** @group Bridge building blocks */
export function filterCovers(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  // '#' and '+' never match a first level starting with '$' (MQTT 5 4.7.2)
  if (y[0]!.startsWith('$') && (x[0] === '#' || x[0] === '+')) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === '#') return true;
    if (i >= y.length) return false;
    if (y[i] === '#') return false;
    if (x[i] === '+') continue;
    if (y[i] === '+' || x[i] !== y[i]) return false;
  }
  return x.length === y.length;
}
