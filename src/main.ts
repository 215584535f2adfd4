/**
 * The action's main step as a module that does nothing on import: the runner's bundle (src/bin/main.ts)
 * calls run(), and so does `@github/local-action run . src/main.ts .env`.
 */
export { runMain as run } from "./action/run-main.js";
