// The mocha globals web-test-runner provides in the browser (only what the suites use).
type Done = () => void | Promise<void>;
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: Done): void;
declare function before(fn: Done): void;
declare function after(fn: Done): void;
declare function beforeEach(fn: Done): void;
declare function afterEach(fn: Done): void;
