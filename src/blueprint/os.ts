/** The operating systems a blueprint can ask for, in the order rosters list them. */
export type Os = "linux" | "windows" | "darwin";
export const OS_ORDER: readonly Os[] = ["linux", "windows", "darwin"];
