import { jest } from '@jest/globals';
import { HeartbeatTimer } from './heartbeat-timer.js';

describe('when a heartbeat is due', () => {
  let beats: number[];
  let timer: HeartbeatTimer;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    beats = [];
    timer = new HeartbeatTimer(30_000, () => void beats.push(Date.now()));
  });
  afterEach(() => {
    timer.stop();
    jest.useRealTimers();
  });

  it('beats every period while the device says nothing else', () => {
    timer.start();
    jest.advanceTimersByTime(90_000);
    expect(beats).toEqual([30_000, 60_000, 90_000]);
  });

  it("sends none while the device publishes within every period (an update's steps), and one a period after it last spoke", () => {
    timer.start();
    // Spoke at 25 s, 50 s, ... 125 s: never 30 s of silence, so no heartbeat.
    for (let spoke = 25_000; spoke <= 125_000; spoke += 25_000) {
      jest.advanceTimersByTime(25_000);
      timer.spoke();
    }
    expect(beats).toEqual([]);
    // Silent from 125 s on: due at 155 s, then every period again.
    jest.advanceTimersByTime(29_999);
    expect(beats).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(beats).toEqual([155_000]);
    jest.advanceTimersByTime(30_000);
    expect(beats).toEqual([155_000, 185_000]);
  });

  it('beats no more once stopped; speaking before start or after stop changes nothing', () => {
    timer.spoke();
    timer.start();
    jest.advanceTimersByTime(30_000);
    timer.stop();
    timer.spoke();
    jest.advanceTimersByTime(120_000);
    expect(beats).toEqual([30_000]);
  });
});
