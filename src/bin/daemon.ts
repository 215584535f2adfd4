import { runDaemon } from "../runtime/daemon.js";

process.exitCode = await runDaemon();
