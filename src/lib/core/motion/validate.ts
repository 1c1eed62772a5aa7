/**
 * Input checks shared by the TypeScript references and the WASM wrappers, so that both reject
 * the same inputs with the same RangeError before any arithmetic runs.
 */

export function checkFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${name}[${i}] is ${String(values[i])}; every value must be finite.`);
    }
  }
}

export function checkNumber(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} is ${String(value)}; it must be a finite number.`);
  }
}

export function checkRate(fs: number): void {
  if (!Number.isFinite(fs) || !(fs > 0)) {
    throw new RangeError(`The sampling rate must be a finite number > 0 Hz, not ${String(fs)}.`);
  }
}

/** One quaternion [x, y, z, w]: four finite numbers, not all zero. */
export function checkQuat(name: string, q: ArrayLike<number>): void {
  if (q.length !== 4) {
    throw new RangeError(`${name} must be one quaternion [x, y, z, w], not ${q.length} numbers.`);
  }
  checkFinite(name, q);
  if (q[0] === 0 && q[1] === 0 && q[2] === 0 && q[3] === 0) {
    throw new RangeError(`${name} is the zero quaternion, which has no orientation.`);
  }
}

/**
 * Interleaved quaternions [x0, y0, z0, w0, x1, …]: a length that is a multiple of 4, at least
 * `min` quaternions, every number finite and no quaternion zero. Returns the count.
 */
export function checkQuaternions(quats: ArrayLike<number>, min: number): number {
  if (quats.length % 4 !== 0) {
    throw new RangeError(
      `Quaternions are interleaved [x, y, z, w]: a length of ${quats.length} is not a multiple of 4.`,
    );
  }
  const n = quats.length / 4;
  if (n < min) throw new RangeError(`At least ${min} quaternion(s) are needed, not ${n}.`);
  checkFinite('quaternions', quats);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    if (quats[o] === 0 && quats[o + 1] === 0 && quats[o + 2] === 0 && quats[o + 3] === 0) {
      throw new RangeError(`Quaternion ${i} is zero, which has no orientation.`);
    }
  }
  return n;
}

export function checkSameLength(
  a: string,
  av: ArrayLike<number>,
  b: string,
  bv: ArrayLike<number>,
): void {
  if (av.length !== bv.length) {
    throw new RangeError(`${a} (${av.length}) and ${b} (${bv.length}) must have the same length.`);
  }
}

export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number of samples ≥ 0, not ${String(value)}.`);
  }
}

export function checkNonDecreasing(name: string, values: ArrayLike<number>): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) {
      throw new RangeError(`${name} must be in ascending order; ${name}[${i}] is smaller.`);
    }
  }
}
