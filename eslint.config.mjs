/**
 * The linter and formatter, kept as Effect's own repositories keep theirs: typescript-eslint's recommended rules and
 * dprint (through @effect/eslint-plugin) with Effect's settings. `npm run lint` checks, `npm run lint:fix` formats.
 */
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "reports/**", "examples/**", "**/*.d.ts", "**/*.d.mts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript run by Node itself: the launchers in bin/, the build and bench scripts.
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", module: "writable" } }
  },
  {
    plugins: { "@effect": effectEslint },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      // A name that starts with "_" is unused on purpose (a destructured part left out, a callback's argument).
      "@typescript-eslint/no-unused-vars": ["error", {
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        destructuredArrayIgnorePattern: "^_",
        ignoreRestSiblings: true
      }],
      // The regular expressions that match control characters are the ones that neutralise them in API strings.
      "no-control-regex": "off"
    }
  }
)
