import { run } from "../post.js";
import { keepHttpParserOnBaselineTier } from "../transport/parser-tiering.js";

keepHttpParserOnBaselineTier();
await run();
