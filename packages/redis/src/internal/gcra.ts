/**
 * The GCRA of `scripts.gcra` in memory, for a process whose Redis does not answer. Same arithmetic, local clock.
 */
export interface Result {
  readonly delay: number
  readonly booked: number
}

export const make = () => {
  const tats = new Map<string, number>()
  return (key: string, now: number, interval: number, window: number, tokens: number, book: boolean): Result => {
    const stored = tats.get(key)
    const tat = stored === undefined || stored < now ? now : stored
    const nextTat = tat + tokens * interval
    const delay = Math.max(0, nextTat - window - now)
    if (delay > 0 && !book) return { delay, booked: tat - now }
    tats.set(key, nextTat)
    // Forget buckets that are full again, so the map does not grow with dead keys.
    if (tats.size > 10_000) {
      for (const [k, v] of tats) if (v < now) tats.delete(k)
    }
    return { delay, booked: nextTat - now }
  }
}
