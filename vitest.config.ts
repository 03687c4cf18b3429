import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Kernel tests share network namespaces and iptables state per namespace; files run in parallel
    // but each creates uniquely named namespaces.
    pool: "forks",
  },
});
