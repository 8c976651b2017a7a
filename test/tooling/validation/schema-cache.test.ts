/**
 * Compiled validators are kept on disk by the schema's content, ajv's version and RULES_VERSION
 * (lib/tooling/validation/schema.ts). What else decides the compiled code, `strictify` and AJV_OPTIONS, must bump
 * RULES_VERSION when it changes, or every machine keeps validators compiled by the old rules: this fingerprint of
 * both fails until it is bumped.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AJV_OPTIONS, RULES_VERSION, strictify } from '../../../lib/tooling/validation/schema';

/** The fingerprint recorded for each RULES_VERSION; add a line when you bump it. */
const RECORDED: Record<string, string> = {
  'strict-nullable-1': '36c964490eab2ed4',
};

test('the compiled validators are keyed on everything that decides them (bump RULES_VERSION when strictify or AJV_OPTIONS change)', () => {
  const definitions = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'kubernetes-1.36.0.json'), 'utf8')).definitions;
  for (const def of Object.values(definitions)) strictify(def);
  const fingerprint = createHash('sha256').update(JSON.stringify(definitions)).update(JSON.stringify(AJV_OPTIONS)).digest('hex').slice(0, 16);
  expect({ [RULES_VERSION]: fingerprint }).toEqual({ [RULES_VERSION]: RECORDED[RULES_VERSION] });
});
