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

  it('says what the loader accepts: "key" (and the verify key fields) may be one string, a one-element chain', async () => {
    const { validateConfig } = await import('../../src/config/schema.js');
    expect(validateConfig({ key: 'env:X' })).toEqual({ config: { key: ['env:X'] }, problems: [] });
    expect(validateConfig({ verify: { signoz: { apiKey: 'env:Y' } } }).config).toEqual({ verify: { signoz: { apiKey: ['env:Y'] } } });
    const doc = readFileSync(docPath, 'utf8');
    expect(doc).toMatch(/^\| `key` \| string or array of strings \| .*one string \("env:X"\) is a one-element chain \|$/m);
    expect(doc).toMatch(/^\| `verify\.signoz\.apiKey` \| string or array of strings \|/m);
  });
});
