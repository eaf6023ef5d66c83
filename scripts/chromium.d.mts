/** Types of `chromium.mjs`, for the TypeScript suites that launch Chromium through it. */
export declare const chromiumLaunchOptions: {
  executablePath: string;
  headless: boolean;
  args: string[];
};
