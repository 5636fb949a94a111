/* exp(z) for z <= 0 on any ISA's math layer (include vmath_<isa>.h first).
 * Range reduction z = n ln2 + r, |r| <= ln2/2 (ln2 split in two for
 * accuracy), then a degree-5 polynomial for e^r (Cephes' expf coefficients):
 * about 1 ulp. Below -87.33 (where e^z is no longer a normal float) the
 * result is 0, as a flush-to-zero expf gives; NaN comes out NaN. */
#ifndef TFLITE_SPARSE_VMATH_EXP_H_
#define TFLITE_SPARSE_VMATH_EXP_H_

static inline tsp_vec vm_exp_nonpositive(tsp_vec z_in) {
  const tsp_vec z = vm_max(v_set1(-87.33654f), z_in);
  const tsp_vec n = vm_round(v_mul(z, v_set1(1.44269504088896341f)));
  tsp_vec r = v_fma(n, v_set1(-0.693359375f), z);
  r = v_fma(n, v_set1(2.12194440e-4f), r);
  tsp_vec p = v_set1(1.9875691500e-4f);
  p = v_fma(p, r, v_set1(1.3981999507e-3f));
  p = v_fma(p, r, v_set1(8.3334519073e-3f));
  p = v_fma(p, r, v_set1(4.1665795894e-2f));
  p = v_fma(p, r, v_set1(1.6666665459e-1f));
  p = v_fma(p, r, v_set1(5.0000001201e-1f));
  p = v_fma(p, v_mul(r, r), v_add(r, v_set1(1.0f)));
  return vm_zero_below(z_in, -87.33654f, v_mul(p, vm_exp2i(n)));
}

/* sigmoid(x) = 1 / (1 + e^-x), from e = e^-|x| so it never overflows:
 * x >= 0 gives 1 / (1 + e), x < 0 gives e / (1 + e). */
static inline tsp_vec vm_sigmoid(tsp_vec x) {
  const tsp_vec e = vm_exp_nonpositive(vm_neg_abs(x));
  const tsp_vec r = vm_div(v_set1(1.0f), v_add(v_set1(1.0f), e));
  return vm_select_sign(x, v_mul(e, r), r);
}

#endif /* TFLITE_SPARSE_VMATH_EXP_H_ */
