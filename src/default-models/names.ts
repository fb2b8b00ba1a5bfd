/** @file The default reward models' names (use-lite-bt is the default of `rmbench run`). */
export const MODELS = ['use-lite-bt', 'use-lite-armo', 'use-lite-gpm', 'use-lite-pairpm'] as const;
export type ModelName = (typeof MODELS)[number];
export const DEFAULT_MODEL: ModelName = 'use-lite-bt';

export const isDefaultModel = (name: string): name is ModelName => (MODELS as readonly string[]).includes(name);
