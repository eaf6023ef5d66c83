// The two mocha globals the browser suite uses (web-test-runner runs mocha in the page).
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: () => Promise<void> | void): void;
