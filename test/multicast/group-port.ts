/**
 * A port for a test's multicast group: random in 61000-64999, above Linux's ephemeral range
 * (net.ipv4.ip_local_port_range, 32768-60999 by default), so no socket another test (or a bench)
 * bound to port 0 can hold it. The group sockets bind 0.0.0.0:PORT; a port drawn from 40000-59999
 * failed with EADDRINUSE on a run beside 10,000 bench sockets.
 */
export function groupPort(): number {
  return 61_000 + Math.floor(Math.random() * 4_000);
}
