/**
 * The action's post step as a module that does nothing on import: the runner's bundle (src/bin/post.ts)
 * calls run(), and so does `@github/local-action run . src/main.ts .env --post src/post.ts`.
 */
export { runPost as run } from "./action/run-post.js";
