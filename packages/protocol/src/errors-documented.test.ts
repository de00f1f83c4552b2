import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.ts';

// The one test of this package that reads a file: the docs are part of the contract.
const protocolDoc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const documentedRows = [
  ...protocolDoc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3}|—)\s*\|\s*(\S+)\s*\|\s*(yes|no)\s*\|/gm),
];

describe('error codes', () => {
  it('documents every code in docs/protocol.md with its status, close code and retry', () => {
    const documented = new Map(documentedRows.map((row) => [row[1], row]));
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      const row = documented.get(code);
      expect(row, `${code} is missing from docs/protocol.md`).toBeDefined();
      // A client-side code has no HTTP status: no gateway sends it.
      expect(row?.[2]).toBe('client' in spec ? '—' : String(spec.status));
      expect(row?.[3]).toBe('close' in spec ? String(spec.close) : '—');
      expect(row?.[4]).toBe(spec.retryable ? 'yes' : 'no');
    }
  });

  it('documents no code that does not exist', () => {
    for (const row of documentedRows)
      expect(Object.hasOwn(ERROR_CODES, row[1] as string)).toBe(true);
  });
});
