export async function runCli(argv: string[]): Promise<number> {
  console.log("fm-fleet", argv.join(" "));
  return Promise.resolve(0);
}
