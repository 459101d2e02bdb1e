/** The scenario key perMessageDeflate: off by default, `true` or its parameters, bad values one line at their path. */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';
import { deflateOfferHeader, wsDeflateOptions } from '../../src/run/deflate.js';

const v = validation({ cpus: 2 });
const base = { name: 't', target: 'embedded', connections: 10, duration: '1s', publish: null };

describe('scenario perMessageDeflate', () => {
  it('is off by default and with false: nothing offered, the Scenario without the key (reports unchanged)', () => {
    expect(v.ok(base).perMessageDeflate).toBeUndefined();
    expect(v.ok({ ...base, perMessageDeflate: false }).perMessageDeflate).toBeUndefined();
    expect(wsDeflateOptions(undefined)).toBe(false);
  });

  it('true offers what a ws client offers', () => {
    const offer = v.ok({ ...base, perMessageDeflate: true }).perMessageDeflate;
    expect(offer).toBeDefined();
    expect(deflateOfferHeader(offer!)).toBe('permessage-deflate; client_max_window_bits');
    expect(wsDeflateOptions(offer)).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      threshold: 1024,
      concurrencyLimit: 10,
    });
  });

  it('its parameters reach the ws options and the offer', () => {
    const offer = v.ok({
      ...base,
      perMessageDeflate: {
        serverNoContextTakeover: true,
        serverMaxWindowBits: 9,
        clientMaxWindowBits: 12,
        threshold: 0,
        level: 1,
        memLevel: 4,
      },
    }).perMessageDeflate!;
    expect(deflateOfferHeader(offer)).toBe(
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12',
    );
    expect(wsDeflateOptions(offer)).toMatchObject({
      serverNoContextTakeover: true,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 12,
      threshold: 0,
      zlibDeflateOptions: { level: 1, memLevel: 4 },
    });
  });

  it.each([
    [{ serverMaxWindowBits: 16 }, 'perMessageDeflate.serverMaxWindowBits: expected an integer from 8 to 15'],
    [{ clientMaxWindowBits: 7.5 }, 'perMessageDeflate.clientMaxWindowBits: expected an integer from 8 to 15'],
    [{ level: 10 }, 'perMessageDeflate.level: expected an integer from 0 to 9'],
    [{ threshold: -1 }, 'perMessageDeflate.threshold: expected an integer ≥ 0'],
    [{ serverNoContextTakover: true }, 'perMessageDeflate'],
    ['yes', 'perMessageDeflate: expected true, false or an object'],
  ])('a bad value %j is one line at its path', (value, start) => {
    const lines = v.lines({ ...base, perMessageDeflate: value });
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(start), lines[0]).toBe(true);
    expect(lines[0]).not.toContain('\n');
  });
});
