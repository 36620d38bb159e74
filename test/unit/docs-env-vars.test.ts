import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEnvVarsDoc } from '../../src/otel/vars-doc.js';

const docPath = join(__dirname, '..', '..', 'docs', 'env-vars.md');

describe('docs/env-vars.md', () => {
  it('is generated from the definitions tables (run `npm run docs:env` after changing them)', () => {
    const rendered = renderEnvVarsDoc();
    if (process.env.CC_OTEL_WRITE_DOCS === '1') writeFileSync(docPath, rendered);
    expect(readFileSync(docPath, 'utf8')).toBe(rendered);
  });
});
