/**
 * Relations between two topic filters, decided on their syntax alone (spec 17.5):
 * - filterCovers(g, r): every topic r matches, g matches too (r is "covered by" g);
 * - filtersOverlap(r, d): some topic is matched by both.
 * Both ignore the length limits of spec 15.1; that only ever makes coverage answer false for a pair
 * whose only uncovered topics would be too long to exist, never true wrongly.
 * @module
 */
import { isSystemTopic, topicLevels } from '../pubsub/topic.js';

const isWild = (level: string): boolean => level === '+' || level === '#';

/**
 * True if every topic name matched by filter `requested` is also matched by filter `granted`
 * (spec 15.2 matching, including the '$' rule). Both must be valid filters. The algorithm of
 * [SW-17.5-2], level by level, i from 0:
 * 1. if both are exhausted, true;
 * 2. at level 0, if `granted` starts with a wildcard level and `requested` with a literal level that
 *    starts with '$', false (`requested` matches '$' topics, `granted` cannot);
 * 3. if `granted`'s level is '#', true (it matches all that follows, including nothing);
 * 4. if `requested`'s level is '#': true only if i is 0 and `granted` is exactly '+/#' (both then
 *    match every topic not starting with '$'); otherwise false, since '#' also matches the parent
 *    level, which a remaining '+' or literal of `granted` does not;
 * 5. if either is exhausted, false;
 * 6. if `granted`'s level is '+', continue ('+' covers any literal and '+');
 * 7. if the levels are equal literals, continue; otherwise (different literals, or a literal
 *    against '+') false.
 */
export function filterCovers(granted: string, requested: string): boolean {
  const g = topicLevels(granted);
  const r = topicLevels(requested);
  for (let i = 0; ; i++) {
    const gi = g[i];
    const ri = r[i];
    if (gi === undefined && ri === undefined) return true;
    if (i === 0 && gi !== undefined && isWild(gi) && ri !== undefined && !isWild(ri) && isSystemTopic(ri)) return false;
    if (gi === '#') return true;
    if (ri === '#') {
      // r matches its parent (the first i levels) and all below; '+/#' in g covers all below, and the
      // parent is no topic when i = 0, or when i = 1 and it is the empty level (the empty topic)
      const plusHash = g.length === i + 2 && g[i] === '+' && g[i + 1] === '#';
      return plusHash && (i === 0 || (i === 1 && r[0] === ''));
    }
    if (gi === undefined || ri === undefined) return false;
    if (gi === '+') continue;
    if (gi !== ri) return false;
  }
}

/**
 * True if some valid topic name is matched both by `requested` (with the '$' rule of [SW-15.2-3])
 * and by `denied` (without it: a deny pattern '#' reaches '$' topics, spec 17.2). Both must be valid
 * filters. Level by level, i from 0:
 * 1. if both are exhausted, true;
 * 2. at level 0, if `requested` starts with a wildcard and `denied` with a literal starting with
 *    '$', false (no topic `requested` matches starts with '$');
 * 3. if either level is '#', true (the other's remaining levels, or none, complete a topic);
 * 4. if either is exhausted, false;
 * 5. if either level is '+' or they are equal literals, continue; otherwise false.
 */
export function filtersOverlap(requested: string, denied: string): boolean {
  const r = topicLevels(requested);
  const d = topicLevels(denied);
  for (let i = 0; ; i++) {
    const ri = r[i];
    const di = d[i];
    if (ri === undefined && di === undefined) return true;
    if (i === 0 && ri !== undefined && isWild(ri) && di !== undefined && !isWild(di) && isSystemTopic(di)) return false;
    if (ri === '#' || di === '#') {
      // '#' also matches its parent: when the other filter ends here the witness is the first i
      // levels, which is the empty topic (not a topic) if i = 1 and level 0 must be ''
      const other = ri === '#' ? di : ri;
      return !(other === undefined && i === 1 && (r[0] === '' || d[0] === ''));
    }
    if (ri === undefined || di === undefined) return false;
    if (ri === '+' || di === '+' || ri === di) continue;
    return false;
  }
}

/** True if `filter` matches every topic that does not start with '$' ('#' and '+/#'). */
export function reachesEveryTopic(filter: string): boolean {
  return filter === '#' || filter === '+/#';
}

/** True if `filter` can match a topic that starts with '$': its first level is a literal starting with '$'. */
export function reachesSystemTopics(filter: string): boolean {
  return isSystemTopic(filter);
}
