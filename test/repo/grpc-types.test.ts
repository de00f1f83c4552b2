/**
 * The committed gRPC types (packages/grpc/src/generated) are what the `.proto` makes
 * today: regenerated into a scratch directory, every file is the same.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_DIR, generateGrpcTypes } from '@spool/grpc/types-generator';
import { describe, expect, it } from 'vitest';

describe('generated gRPC types', () => {
  it('match the .proto (regenerate with pnpm --filter @spool/grpc grpc:types)', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'spool-grpc-check-'));
    try {
      const fresh = await generateGrpcTypes(scratch);
      const committed = (await readdir(GENERATED_DIR, { recursive: true }))
        .filter((file) => file.endsWith('.ts'))
        .sort();
      expect(committed).toEqual(fresh);
      for (const file of fresh) {
        const [want, have] = await Promise.all([
          readFile(join(scratch, file), 'utf8'),
          readFile(join(GENERATED_DIR, file), 'utf8'),
        ]);
        expect(have, file).toBe(want);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
