import { run } from "../main.js";
import { keepHttpParserOnBaselineTier } from "../transport/parser-tiering.js";

keepHttpParserOnBaselineTier();
await run();
