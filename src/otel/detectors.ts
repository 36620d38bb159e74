/**
 * Environment detectors: attributes that describe where a session runs, taken from variables the
 * platform sets. A table, not code: one row per platform. Semantic-convention names where they
 * exist (cicd.*, vcs.*), the platform's own namespace otherwise (fly.*).
 */
import type { Env } from '../context.js';

interface Detector {
  name: string;
  when: (env: Env) => boolean;
  attributes: Readonly<Record<string, (env: Env) => string | undefined>>;
}

const v = (name: string) => (env: Env) => env[name] || undefined;

export const DETECTORS: readonly Detector[] = [
  {
    name: 'fly',
    when: (env) => Boolean(env.FLY_APP_NAME),
    attributes: { 'fly.app_name': v('FLY_APP_NAME'), 'fly.machine_id': v('FLY_MACHINE_ID'), 'fly.region': v('FLY_REGION') },
  },
  {
    name: 'github-actions',
    when: (env) => env.GITHUB_ACTIONS === 'true',
    attributes: {
      'cicd.pipeline.name': v('GITHUB_WORKFLOW'),
      'cicd.pipeline.run.id': v('GITHUB_RUN_ID'),
      'cicd.pipeline.run.url.full': (env) =>
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      'vcs.repository.name': v('GITHUB_REPOSITORY'),
      'vcs.ref.head.name': v('GITHUB_REF_NAME'),
      'vcs.ref.head.revision': v('GITHUB_SHA'),
    },
  },
  {
    name: 'gitlab-ci',
    when: (env) => env.GITLAB_CI === 'true',
    attributes: {
      'cicd.pipeline.name': v('CI_PROJECT_PATH'),
      'cicd.pipeline.run.id': v('CI_PIPELINE_ID'),
      'cicd.pipeline.run.url.full': v('CI_PIPELINE_URL'),
      'vcs.repository.name': v('CI_PROJECT_PATH'),
      'vcs.ref.head.name': v('CI_COMMIT_REF_NAME'),
      'vcs.ref.head.revision': v('CI_COMMIT_SHA'),
    },
  },
  {
    name: 'buildkite',
    when: (env) => env.BUILDKITE === 'true',
    attributes: {
      'cicd.pipeline.name': v('BUILDKITE_PIPELINE_SLUG'),
      'cicd.pipeline.run.id': v('BUILDKITE_BUILD_ID'),
      'cicd.pipeline.run.url.full': v('BUILDKITE_BUILD_URL'),
      'vcs.ref.head.name': v('BUILDKITE_BRANCH'),
      'vcs.ref.head.revision': v('BUILDKITE_COMMIT'),
    },
  },
  {
    name: 'circleci',
    when: (env) => env.CIRCLECI === 'true',
    attributes: {
      'cicd.pipeline.name': v('CIRCLE_PROJECT_REPONAME'),
      'cicd.pipeline.run.id': v('CIRCLE_WORKFLOW_ID'),
      'cicd.pipeline.run.url.full': v('CIRCLE_BUILD_URL'),
      'vcs.ref.head.name': v('CIRCLE_BRANCH'),
      'vcs.ref.head.revision': v('CIRCLE_SHA1'),
    },
  },
];

export interface Detected {
  attributes: Record<string, string>;
  /** attribute → detector name */
  sources: Record<string, string>;
}

export function detectAttributes(env: Env): Detected {
  const attributes: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const d of DETECTORS) {
    if (!d.when(env)) continue;
    for (const [key, get] of Object.entries(d.attributes)) {
      const value = get(env);
      if (value === undefined) continue;
      attributes[key] = value;
      sources[key] = `detected (${d.name})`;
    }
  }
  return { attributes, sources };
}
