/**
 * Wall time per stage of a synth (construct tree, token resolution, validation, YAML, graph, picture, write), so the
 * bench can say where the time goes at scale. `SHIPSHAPE_STAGES=1` makes the synth CLI print them on stderr.
 */
export class StageClock {
  public readonly times: Record<string, number> = {};

  public time<T>(stage: string, run: () => T): T {
    const started = process.hrtime.bigint();
    try {
      return run();
    } finally {
      this.add(stage, started);
    }
  }

  public async timeAsync<T>(stage: string, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await run();
    } finally {
      this.add(stage, started);
    }
  }

  private add(stage: string, started: bigint): void {
    this.times[stage] = Math.round(((this.times[stage] ?? 0) + Number(process.hrtime.bigint() - started) / 1e6) * 10) / 10;
  }
}
