import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/spec/suggest.js';

describe('did-you-mean', () => {
  it('measures edits, counting a swap of neighbours as one', () => {
    expect(editDistance('emits', 'emits')).toBe(0);
    expect(editDistance('emit', 'emits')).toBe(1);
    expect(editDistance('emtis', 'emits')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close names and nothing for distant ones', () => {
    expect(closest('SubscriptionCanceled', ['SubscriptionCancelled', 'SubscriptionStarted'])).toBe('SubscriptionCancelled');
    expect(closest('descripton', ['description', 'id', 'state'])).toBe('description');
    expect(closest('customerID', ['customerId', 'plan'])).toBe('customerId');
    expect(closest('zzz', ['description', 'id'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });

  it('breaks ties alphabetically, so hints are deterministic', () => {
    expect(closest('ab', ['ac', 'aa'])).toBe('aa');
  });
});
