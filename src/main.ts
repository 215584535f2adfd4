import { runMain } from "./action/run-main.js";

await runMain();
