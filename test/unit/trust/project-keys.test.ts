// What an untrusted project file keeps (src/trust/project-keys.ts): team and attributes, never an
// error, never an identity or a built-in attribute.
import { describe, expect, test } from 'vitest';
import { untrustedView, withoutUserOnlyKeys } from '../../../src/trust/project-keys.js';

describe('untrustedView', () => {
  test.each([
    ['every powerful key ignored, team and attributes kept', { backend: 'otlp', endpoint: 'http://x', key: ['env:A'], header: 'x', privacy: { prompts: true, toolContent: true }, events: { logFile: '~/.bashrc', projectLog: true }, sessionEnv: { includeSecrets: true }, verify: { signoz: { url: 'http://x' } }, team: 'web', attributes: { repo: 'r' } },
      { team: 'web', attributes: { repo: 'r' } }, ['backend', 'endpoint', 'key', 'header', 'privacy.prompts', 'privacy.toolContent', 'events.logFile', 'events.projectLog', 'sessionEnv.includeSecrets', 'verify.signoz']],
    ['identity and built-in attributes are not the project\'s to set', { attributes: { engineer: 'bob', org: 'evil', 'user.email': 'x', 'session.id': 's', 'service.name': 'n', cost_center: 'cc' } },
      { attributes: { cost_center: 'cc' } }, ['attributes.engineer', 'attributes.org', 'attributes.user.email', 'attributes.session.id', 'attributes.service.name']],
    ['a bad value is ignored, not an error', { team: 42, attributes: { long: 'x'.repeat(300), ok: 'y', n: 1 } }, { attributes: { ok: 'y' } }, ['team', 'attributes.long', 'attributes.n']],
    ['not an object', ['team'], {}, ['(the whole file: not a JSON object)']],
    ['$schema is nothing to report', { $schema: 'x', team: 't' }, { team: 't' }, []],
  ])('%s', (_name, raw, config, ignored) => {
    const r = untrustedView(raw);
    expect(r.config).toEqual(config);
    expect(r.ignored.sort()).toEqual([...ignored].sort());
  });
});

describe('withoutUserOnlyKeys (a trusted file)', () => {
  test('path settings are dropped, everything else kept', () => {
    const r = withoutUserOnlyKeys({ backend: 'local', events: { logFile: '/x', projectLog: true }, verify: { local: { dataDir: '/d' }, signoz: { url: 'http://s' } } });
    expect(r.config).toEqual({ backend: 'local', events: { projectLog: true }, verify: { local: {}, signoz: { url: 'http://s' } } });
    expect(r.ignored).toEqual(['events.logFile', 'verify.local.dataDir']);
    expect(withoutUserOnlyKeys({ team: 't' })).toEqual({ config: { team: 't' }, ignored: [] });
  });
});
