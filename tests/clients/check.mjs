// A tiny TAP-like runner shared by the client scripts: "ok"/"FAIL" lines and a closing count.
export function checks(label) {
  let passed = 0;
  let failed = 0;
  return {
    async check(name, body) {
      try {
        await body();
        passed++;
        console.log(`ok   - ${name}`);
      } catch (error) {
        failed++;
        console.log(`FAIL - ${name}: ${error?.stack ?? error}`);
      }
    },
    finish() {
      console.log(`${label}: ${passed} passed, ${failed} failed`);
      process.exit(failed === 0 ? 0 : 1);
    },
  };
}
