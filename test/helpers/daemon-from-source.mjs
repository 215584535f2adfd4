// The background process run from its TypeScript sources, for tests that spawn it the way the action does
// (`node <script>`, handoff on stdin) without building dist/ first.
import { register } from "tsx/esm/api";

register();
await import("../../src/bin/daemon.ts");
