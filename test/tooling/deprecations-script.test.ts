import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** scripts/deprecations.mjs: the check .ci/run applies to the Node 24 run's output. */

const run = promisify(execFile);
const root = process.cwd();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'maiimg-deprecations-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(log: string): Promise<{ code: number; out: string }> {
  const file = path.join(dir, `run-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(file, log);
  try {
    const { stdout } = await run(process.execPath, ['scripts/deprecations.mjs', file], { cwd: root });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

const dependencyWarning = [
  '\u001b[33m(node:41) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.\u001b[39m',
  '    at node:punycode:3:9',
  `    at Object.<anonymous> (${root}/node_modules/tr46/index.js:3:18)`,
].join('\n');

describe('the Node 24 deprecation check', () => {
  it('passes a run whose warnings all come from dependencies, and lists them', async () => {
    const result = await check(`ok\n${dependencyWarning}\n  ✓ a test\n`);
    expect(result.code).toBe(0);
    expect(result.out).toContain('dependency: (node:41) [DEP0040]');
    expect(result.out).toContain('1 deprecation warning, 0 from our code, 0 unplaced');
  });

  it('fails a run with a warning whose stack names our source, and shows that frame', async () => {
    const ours = [
      '(node:7) [DEP0005] DeprecationWarning: Buffer() is deprecated due to security and usability issues.',
      '    at new Buffer (node:buffer:276:3)',
      `    at stripMetadata (${root}/core/images/png-stripper.ts:12:5)`,
    ].join('\n');
    const result = await check(`${dependencyWarning}\n${ours}\n`);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`OUR CODE: (node:7) [DEP0005]`);
    expect(result.out).toContain(`core/images/png-stripper.ts:12:5`);
    expect(result.out).toContain('2 deprecation warnings, 1 from our code, 0 unplaced');
  });

  it('lists a warning without a stack as unplaced, for a person to look into', async () => {
    const result = await check(
      '(node:9) [DEP0137] DeprecationWarning: Closing a FileHandle object on garbage collection is deprecated.\n',
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('unplaced (no stack): (node:9) [DEP0137]');
  });
});
