/** Where the application reads the time: tests inject a clock they move by hand (STYLE habit 10). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-11-27T10:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}

export const isoNow = (clock: Clock): string => clock.now().toISOString();
export const isoIn = (clock: Clock, ms: number): string => new Date(clock.now().getTime() + ms).toISOString();
