import { SpoolError } from '@spool/protocol';
import { describe, expect, it } from 'vitest';
import { DeliveryRegistry } from './delivery-registry.ts';

const close = () => {};

describe('DeliveryRegistry', () => {
  it('counts deliveries per client until each unregisters, once', () => {
    const registry = new DeliveryRegistry();
    const first = registry.add({ close, client: 'a' });
    const second = registry.add({ close, client: 'a' });
    registry.add({ close, client: 'b' });
    registry.add({ close });
    expect([registry.size, registry.countOf('a'), registry.countOf('b')]).toEqual([4, 2, 1]);
    first();
    first();
    expect([registry.size, registry.countOf('a')]).toEqual([3, 1]);
    second();
    expect(registry.countOf('a')).toBe(0);
  });

  it('refuses a stream reader past the limit until one leaves', () => {
    const registry = new DeliveryRegistry();
    const leave = registry.enterStream('st_1', 2);
    registry.enterStream('st_1', 2);
    expect(() => registry.enterStream('st_1', 2)).toThrow(
      expect.objectContaining({ code: 'too_many_subscriptions' }),
    );
    expect(() => registry.enterStream('st_2', 2)).not.toThrow();
    leave();
    leave();
    expect(registry.enterStream('st_1', 2)).toBeTypeOf('function');
    expect(() => registry.enterStream('st_1', 2)).toThrow(SpoolError);
  });
});
