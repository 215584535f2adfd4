/**
 * The product version: `fm-fleet --version` prints it and FM and Mimir see it as `User-Agent:
 * fm-action/<version>`. A constant, so the bundle needs no package.json at run time and source and dist
 * say the same; a test keeps it in step with package.json.
 */
export const VERSION = "0.1.0";
export const USER_AGENT = `fm-action/${VERSION}`;
