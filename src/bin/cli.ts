#!/usr/bin/env node
import { runCli } from "../cli/index.js";
import { keepHttpParserOnBaselineTier } from "../transport/parser-tiering.js";

keepHttpParserOnBaselineTier();
process.exitCode = await runCli(process.argv.slice(2));
