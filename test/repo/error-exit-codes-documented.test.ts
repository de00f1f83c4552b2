import { readFileSync } from 'node:fs';
import { EXIT_CODE_OF } from '@spool/cli/exit-codes';
import { ERROR_CODES } from '@spool/protocol';
import { describe, expect, it } from 'vitest';

// The error table of docs/protocol.md section 7: `| code | HTTP | WS close | retry | CLI exit | …`.
const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const rows = new Map(
  [
    ...protocolDoc.matchAll(
      /^\|\s*`([a-z_]+)`\s*\|[^|]*\|[^|]*\|\s*(?:yes|no)\s*\|\s*(\d+)\s*\|/gm,
    ),
  ].map((row) => [row[1], Number(row[2])]),
);
const cliReadme = readFileSync(new URL('../../packages/cli/README.md', import.meta.url), 'utf8');

describe('the CLI exit code of every error code', () => {
  it('is in the error table of docs/protocol.md, as the CLI maps it', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(rows.get(code), `${code}: CLI exit in docs/protocol.md`).toBe(
        EXIT_CODE_OF[code as keyof typeof EXIT_CODE_OF],
      );
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('is one the CLI README explains', () => {
    for (const exit of new Set(Object.values(EXIT_CODE_OF))) {
      expect(cliReadme, `exit ${exit} in packages/cli/README.md`).toMatch(
        new RegExp(`^\\|\\s*${exit}\\s*\\|`, 'm'),
      );
    }
  });
});
