/** Check digits and formats of the code systems the export writes and the import reads. */

/**
 * LOINC codes: `<digits>-<mod-10 check digit>`. Answer, part and list codes (`LA…`, `LP…`,
 * `LL…`) use another check-digit scheme: only their format is checked here.
 */
export function isLoincCode(code: string): boolean {
  if (/^(LA|LP|LL)\d{1,7}-\d$/.test(code)) return true;
  const m = /^()(\d{1,7})-(\d)$/.exec(code);
  if (!m) return false;
  const digits = m[2]!;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(m[3]);
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** SNOMED CT concept ids: 6–18 digits, partition `00`/`10` for concepts, Verhoeff check digit. */
export function isSnomedConceptId(code: string): boolean {
  if (!/^[1-9]\d{5,17}$/.test(code)) return false;
  const partition = code.slice(-3, -1);
  if (partition !== '00' && partition !== '10') return false;
  let c = 0;
  for (let i = 0; i < code.length; i++) {
    c = VERHOEFF_D[c]![VERHOEFF_P[i % 8]![Number(code[code.length - 1 - i])]!]!;
  }
  return c === 0;
}

/** ICD-10 (WHO) codes: a letter, two digits, optionally a dot and one or two more. */
export function isIcd10Code(code: string): boolean {
  return /^[A-Z]\d{2}(\.\d{1,2})?$/.test(code);
}
