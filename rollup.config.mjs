// One build for every published package: each package keeps its own list of rollup options in
// `<package>/build.mjs` (ESM bundles, the script-tag IIFE, ...); this file only gathers them.
const packages = ['sdk-core', 'widgets', 'sdk-react'];

const configs = [];
for (const name of packages) {
  const { default: options } = await import(`./${name}/build.mjs`).catch((error) => {
    if (error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(`${name}/build.mjs`)) {
      return { default: [] };
    }
    throw error;
  });
  configs.push(...options);
}
export default configs;
