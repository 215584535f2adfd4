import { runDaemon } from "../runtime/daemon.js";
import { keepHttpParserOnBaselineTier } from "../transport/parser-tiering.js";

keepHttpParserOnBaselineTier();
process.exitCode = await runDaemon();
