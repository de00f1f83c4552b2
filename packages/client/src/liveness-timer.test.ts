import { afterEach, describe, expect, it, vi } from 'vitest';
import { LivenessTimer } from './liveness-timer.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('LivenessTimer', () => {
  it('fires once nothing arrived for the bound, counting from the last arrival', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const timer = new LivenessTimer((bound) => fired.push(bound));
    timer.arm(1_000);
    vi.advanceTimersByTime(600);
    timer.arm(1_000);
    vi.advanceTimersByTime(900);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1_000]);
  });

  it('does not fire while paused, and restarts the wait when armed again', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const timer = new LivenessTimer((bound) => fired.push(bound));
    timer.arm(500);
    timer.pause();
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([]);
    timer.arm(500);
    vi.advanceTimersByTime(500);
    expect(fired).toEqual([500]);
  });

  it('takes a shorter bound at once, and none when told none', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const timer = new LivenessTimer((bound) => fired.push(bound));
    timer.arm(10_000);
    timer.arm(300);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual([300]);
    timer.arm(undefined);
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual([300]);
  });

  it('never fires after stop', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const timer = new LivenessTimer((bound) => fired.push(bound));
    timer.arm(100);
    timer.stop();
    timer.arm(100);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
  });
});
