import type { BuildOptions } from 'esbuild';
export declare const EXTERNAL: string[];
export declare const ESM_REQUIRE_BANNER: string;
export declare const NODE_ESM: BuildOptions;
