/**
 * Characters a blueprint must not smuggle into FM attributes or into messages: C0 and C1 controls (NUL,
 * escape sequences that restyle a terminal or a log view) and the Unicode bidirectional formatting
 * characters, which make text display in another order than it is stored ("Trojan Source",
 * https://trojansource.codes/; the characters are listed in Unicode UAX #9,
 * https://www.unicode.org/reports/tr9/#Explicit_Directional_Embeddings and #Implicit_Directional_Marks).
 */

function isUnsafe(code: number): boolean {
  return (
    code <= 0x1f || // C0 controls, NUL included
    (code >= 0x7f && code <= 0x9f) || // DEL and the C1 controls
    code === 0x061c || // ARABIC LETTER MARK
    code === 0x200e || // LEFT-TO-RIGHT MARK
    code === 0x200f || // RIGHT-TO-LEFT MARK
    (code >= 0x202a && code <= 0x202e) || // LRE, RLE, PDF, LRO, RLO
    (code >= 0x2066 && code <= 0x2069) // LRI, RLI, FSI, PDI
  );
}

const codePointName = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;

/** The first unsafe character of `text` as `U+202E at character 4` (1-based), or undefined. */
export function unsafeCharacterIn(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isUnsafe(code)) return `${codePointName(code)} at character ${i + 1}`;
  }
  return undefined;
}

/** `text` with each unsafe character written as a \u escape, so a message shows it instead of obeying it. */
export function escapeUnsafe(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isUnsafe(code) ? `\\u${code.toString(16).padStart(4, "0")}` : text[i];
  }
  return out;
}
