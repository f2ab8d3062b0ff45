/**
 * A minimal typed event emitter, runtime-agnostic. A listener that throws does not stop the others
 * and never reaches the network path: the error goes to the `onListenerError` hook (default: rethrown
 * asynchronously, so it surfaces as an uncaught error instead of being swallowed).
 * @module
 */

export type Listener<T> = (event: T) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (e: unknown) => void = (e) => queueMicrotask(() => { throw e; })) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(name: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => void set.delete(fn as Listener<never>);
  }

  /** True if at least one listener is registered for `name`. */
  has<K extends keyof Events>(name: K): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<Events[K]>)(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
