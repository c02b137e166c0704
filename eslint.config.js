// Type-aware lint: what bites in async TypeScript (floating and misused promises), explicit types on what a
// module exports, and a ceiling on complexity per function.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "bin/", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/explicit-module-boundary-types": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // @kubernetes/client-node models are classes that its API accepts as plain object literals.
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      complexity: ["error", 15],
      "max-depth": ["error", 4],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  // The layers: the pure cores do no I/O, and the application layer (src/decisions) knows no transport and no
  // driver — it works over ports, so it runs the same under fastify, a CLI or a test.
  {
    files: [
      "src/crypto/**/*.ts",
      "src/policy/**/*.ts",
      "src/bundle/**/*.ts",
      "src/attest/**/*.ts",
      "src/decisions/**/*.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["fastify", "pg", "ioredis", "kafkajs", "@kubernetes/client-node"].map((name) => ({
            name,
            message:
              "the cores and src/decisions take ports; adapters live in src/server, src/audit, src/replay, …",
          })),
          patterns: [
            { group: ["@fastify/*"], message: "no HTTP below src/server" },
            { group: ["**/server/**", "**/operator/**"], message: "no import of an adapter from below it" },
          ],
        },
      ],
    },
  },
  // The dashboard's browser script: plain JavaScript, no type information, browser globals.
  {
    files: ["dashboard/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "script",
      globals: {
        document: "readonly",
        fetch: "readonly",
        URLSearchParams: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
      },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, complexity: ["error", 15] },
  },
);
