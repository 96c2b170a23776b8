#!/usr/bin/env node
/**
 * Reads a test run's output (run with NODE_OPTIONS=--trace-deprecation) and lists the deprecation
 * warnings in it. Exits 1 when a warning's stack names this repository's own source rather than a
 * dependency in node_modules; warnings from dependencies are listed but do not fail the run.
 * A warning without a stack cannot be placed (DEP0137, a FileHandle closed by the garbage collector,
 * comes without one, and dependencies open file handles too): it is listed as unplaced, for a person
 * to look into, and does not fail the run.
 *
 * Usage: node scripts/deprecations.mjs <test output log>
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/deprecations.mjs <test output log>');
  process.exit(2);
}
// Colour codes would hide the "at" frames from the patterns below.
const COLOUR_CODE = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');
const lines = readFileSync(file, 'utf8').replace(COLOUR_CODE, '').split('\n');
const root = process.cwd() + path.sep;

const warnings = [];
for (let i = 0; i < lines.length; i++) {
  if (!/\bDeprecationWarning\b|\[DEP\d{4}\]/.test(lines[i])) continue;
  const frames = [];
  for (let j = i + 1; j < lines.length && /^\s+at /.test(lines[j]); j++) frames.push(lines[j].trim());
  const ours = frames.filter((frame) => frame.includes(root) && !frame.includes(`${path.sep}node_modules${path.sep}`));
  warnings.push({ text: lines[i].trim(), frames, ours });
}

const blame = (w) => (w.frames.length === 0 ? 'unplaced (no stack)' : w.ours.length > 0 ? 'OUR CODE' : 'dependency');
const failing = warnings.filter((w) => w.ours.length > 0);
const unplaced = warnings.filter((w) => w.frames.length === 0);
for (const w of warnings) {
  console.log(`${blame(w)}: ${w.text}`);
  for (const frame of w.ours.length > 0 ? w.ours : w.frames.slice(0, 3)) console.log(`    ${frame}`);
}
console.log(
  `${warnings.length} deprecation warning${warnings.length === 1 ? '' : 's'}, ` +
    `${failing.length} from our code, ${unplaced.length} unplaced`,
);
process.exit(failing.length > 0 ? 1 : 0);
