import type { UserConfig } from 'vite';
export declare const sourceResolve: Pick<UserConfig, 'resolve' | 'ssr'>;
