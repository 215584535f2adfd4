/** The product version, sent as `User-Agent: fm-action/<version>` (SPEC section 5). Kept in step with package.json by a test. */
export const VERSION = "0.1.0";
export const USER_AGENT = `fm-action/${VERSION}`;
