/** 2^n for n = 0…64, exactly: shifts beyond int32 range, done as multiplications. */
export const POWERS_OF_TWO: Float64Array = Float64Array.from({ length: 65 }, (_, n) => 2 ** n);
