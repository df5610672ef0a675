/*
 * @orl/nn native kernels (Node-API, C11). Implements the kernel contract of src/kernels/contract.ts.
 *
 * Memory: JS hands us one ArrayBuffer (the heap) with setMemory(); every argument is an offset in floats into it.
 * GEMM: BLIS-style blocking. op(A) is packed into MR-row panels and op(B) into NR-column panels (so the three
 * transposes backprop needs share one micro-kernel), then a micro-kernel of the active kernel set, chosen at run time
 * from the CPU's features (one addon serves every x86-64 machine; no -march=native): a 12x32 AVX-512F micro-kernel
 * (24 zmm accumulators), a 6x16 AVX2/FMA one (12 ymm accumulators), or portable C. The tile shape follows the set.
 * Every set except generic sums each output element in the same order with FMA, so avx2 and avx512 agree bit for bit
 * (element-wise kernels are built with -ffp-contract=off for the same reason); generic rounds a*b and the sum apart. Large products are split across a small
 * persistent thread pool by rows or columns of C; the split is fixed for a given thread count, so results are
 * deterministic per (backend, thread count).
 * Denormals: flush-to-zero/denormals-are-zero inside every call (denormals made Adam 3x slower), restored on return.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define ORL_X86 1
#include <immintrin.h>
#include <xmmintrin.h>
#else
#define ORL_X86 0
#endif

/* Activation codes. MUST MATCH src/kernels/contract.ts (Act) and assembly/kernels.ts. */
enum act { ACT_LINEAR = 0, ACT_RELU = 1, ACT_TANH = 2 };

/* Largest tile of any set (buffers and stack tiles are sized for it); tile_mr x tile_nr is the active one. */
#define MR 12
#define NR 32
#define KC 256
#define MC 96
#define NC 1024
#define MAX_THREADS 16

static float *heap = NULL;
static size_t heap_floats = 0;
static napi_ref heap_ref = NULL;
/* Kernel sets, best last. cpu_level: the best this CPU runs; kernel_level: the active one (ORL_KERNELS or setKernels
   may lower it, for tests and comparisons). The GEMM micro-kernel follows kernel_level; element-wise kernels are
   picked per CPU by GCC function multiversioning. */
static const char *const KERNEL_SETS[] = {"generic", "avx2", "avx512"};
#define N_KERNEL_SETS 3
#define LEVEL_AVX2 1
#define LEVEL_AVX512 2
static int cpu_level = 0;
static int kernel_level = 0;
static int tile_mr = 6, tile_nr = 16;

static void set_kernel_level(int level) {
  kernel_level = level;
  tile_mr = level >= LEVEL_AVX512 ? 12 : 6;
  tile_nr = level >= LEVEL_AVX512 ? 32 : 16;
}

/* ---------------------------------------------------------------- denormals */
#if ORL_X86
static inline unsigned int ftz_on(void) {
  unsigned int old = _mm_getcsr();
  _mm_setcsr(old | 0x8040);
  return old;
}
static inline void ftz_restore(unsigned int old) { _mm_setcsr(old); }
#else
static inline unsigned int ftz_on(void) { return 0; }
static inline void ftz_restore(unsigned int old) { (void)old; }
#endif

/* ---------------------------------------------------------------- packing */
/*
 * Packing only moves floats (the products' bits do not depend on how), but it was a third of the GEMM time at the
 * batch-256 sizes: one scalar load and store per element, strided by a row on one side, against ~8 cycles of
 * micro-kernel work per packed element at k = 256 (perf, TD3+BC update on AVX-512: gemm_block 23%, micro-kernel 49%).
 * The AVX-512 and AVX2 paths read 16 (8) contiguous floats of 16 (8) rows or columns and transpose them in registers.
 */
#if ORL_X86
/* In place: r[q] becomes column q of the 16 x 16 block whose rows were r[0..15]. */
__attribute__((target("avx512f"))) static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  /* r[4g + c] now holds column c + 4l of rows 4g..4g+3 in its 128-bit lane l. */
  for (int g = 0; g < 2; g++)
    for (int c = 0; c < 4; c++) {
      t[8 * g + c] = _mm512_shuffle_f32x4(r[8 * g + c], r[8 * g + 4 + c], 0x88);
      t[8 * g + 4 + c] = _mm512_shuffle_f32x4(r[8 * g + c], r[8 * g + 4 + c], 0xDD);
    }
  for (int c = 0; c < 4; c++) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xDD);
    r[12 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xDD);
  }
}

static inline __mmask16 first_lanes(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u); }

/* pack_a for the 12-row panels of the AVX-512 set. */
__attribute__((target("avx512f"))) static void pack_a_avx512(int mc, int kc, const float *a, long rs, long cs, float *ap) {
  for (int ir = 0; ir < mc; ir += 12) {
    const int mr = mc - ir < 12 ? mc - ir : 12;
    const float *base = a + (long)ir * rs;
    if (rs == 1) {
      /* op(A) column-major: the panel's 12 rows are contiguous for each p. */
      const __mmask16 rows = first_lanes(mr);
      for (int p = 0; p < kc; p++) _mm512_mask_storeu_ps(ap + (long)p * 12, 0x0FFF, _mm512_maskz_loadu_ps(rows, base + (long)p * cs));
    } else {
      /* op(A) row-major (cs == 1): 16 p of each row, transposed. */
      for (int p = 0; p < kc; p += 16) {
        const int w = kc - p < 16 ? kc - p : 16;
        const __mmask16 lanes = first_lanes(w);
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = i < mr ? _mm512_maskz_loadu_ps(lanes, base + (long)i * rs + p) : _mm512_setzero_ps();
        transpose16(r);
        for (int q = 0; q < w; q++) _mm512_mask_storeu_ps(ap + (long)(p + q) * 12, 0x0FFF, r[q]);
      }
    }
    ap += (long)kc * 12;
  }
}

/* pack_b for the 32-column panels of the AVX-512 set. */
__attribute__((target("avx512f"))) static void pack_b_avx512(int kc, int nc, const float *b, long rs, long cs, float *bp) {
  for (int jr = 0; jr < nc; jr += 32) {
    const int nr = nc - jr < 32 ? nc - jr : 32;
    if (cs == 1) {
      /* op(B) row-major: each p's 32 columns are contiguous. */
      const __mmask16 lo = first_lanes(nr), hi = first_lanes(nr > 16 ? nr - 16 : 0);
      for (int p = 0; p < kc; p++) {
        const float *src = b + (long)p * rs + jr;
        _mm512_storeu_ps(bp + (long)p * 32, _mm512_maskz_loadu_ps(lo, src));
        _mm512_storeu_ps(bp + (long)p * 32 + 16, _mm512_maskz_loadu_ps(hi, src + 16));
      }
    } else {
      /* op(B) column-major (rs == 1, e.g. Wᵀ): 16 p of each column, transposed, for each half of the panel. */
      for (int h = 0; h < 2; h++) {
        const int cols = nr - 16 * h < 0 ? 0 : nr - 16 * h > 16 ? 16 : nr - 16 * h;
        const float *base = b + (long)(jr + 16 * h) * cs;
        for (int p = 0; p < kc; p += 16) {
          const int w = kc - p < 16 ? kc - p : 16;
          const __mmask16 lanes = first_lanes(w);
          __m512 r[16];
          for (int j = 0; j < 16; j++) r[j] = j < cols ? _mm512_maskz_loadu_ps(lanes, base + (long)j * cs + p) : _mm512_setzero_ps();
          transpose16(r);
          for (int q = 0; q < w; q++) _mm512_storeu_ps(bp + (long)(p + q) * 32 + 16 * h, r[q]);
        }
      }
    }
    bp += (long)kc * 32;
  }
}

/* In place: r[q] becomes column q of the 8 x 8 block whose rows were r[0..7]. */
__attribute__((target("avx2,fma"))) static inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int c = 0; c < 4; c++) {
    t[c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x20);
    t[4 + c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x31);
  }
  for (int i = 0; i < 8; i++) r[i] = t[i];
}

__attribute__((target("avx2,fma"))) static inline __m256i first_lanes8(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The first 6 lanes of v at dst (a 6-row panel's p-step): 4 + 2 floats, nothing written past them. */
__attribute__((target("avx2,fma"))) static inline void store6(float *dst, __m256 v) {
  _mm_storeu_ps(dst, _mm256_castps256_ps128(v));
  _mm_storel_pi((__m64 *)(dst + 4), _mm256_extractf128_ps(v, 1));
}

/* pack_a for the 6-row panels of the AVX2 set. */
__attribute__((target("avx2,fma"))) static void pack_a_avx2(int mc, int kc, const float *a, long rs, long cs, float *ap) {
  for (int ir = 0; ir < mc; ir += 6) {
    const int mr = mc - ir < 6 ? mc - ir : 6;
    const float *base = a + (long)ir * rs;
    if (rs == 1) {
      const __m256i rows = first_lanes8(mr);
      for (int p = 0; p < kc; p++) store6(ap + (long)p * 6, _mm256_maskload_ps(base + (long)p * cs, rows));
    } else {
      for (int p = 0; p < kc; p += 8) {
        const int w = kc - p < 8 ? kc - p : 8;
        const __m256i lanes = first_lanes8(w);
        __m256 r[8];
        for (int i = 0; i < 8; i++)
          r[i] = i >= mr ? _mm256_setzero_ps() : w == 8 ? _mm256_loadu_ps(base + (long)i * rs + p) : _mm256_maskload_ps(base + (long)i * rs + p, lanes);
        transpose8(r);
        for (int q = 0; q < w; q++) store6(ap + (long)(p + q) * 6, r[q]);
      }
    }
    ap += (long)kc * 6;
  }
}

/* pack_b for the 16-column panels of the AVX2 set. */
__attribute__((target("avx2,fma"))) static void pack_b_avx2(int kc, int nc, const float *b, long rs, long cs, float *bp) {
  for (int jr = 0; jr < nc; jr += 16) {
    const int nr = nc - jr < 16 ? nc - jr : 16;
    if (cs == 1) {
      const __m256i lo = first_lanes8(nr), hi = first_lanes8(nr - 8);
      for (int p = 0; p < kc; p++) {
        const float *src = b + (long)p * rs + jr;
        _mm256_storeu_ps(bp + (long)p * 16, nr >= 8 ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, lo));
        _mm256_storeu_ps(bp + (long)p * 16 + 8, nr >= 16 ? _mm256_loadu_ps(src + 8) : _mm256_maskload_ps(src + 8, hi));
      }
    } else {
      for (int h = 0; h < 2; h++) {
        const int cols = nr - 8 * h < 0 ? 0 : nr - 8 * h > 8 ? 8 : nr - 8 * h;
        const float *base = b + (long)(jr + 8 * h) * cs;
        for (int p = 0; p < kc; p += 8) {
          const int w = kc - p < 8 ? kc - p : 8;
          const __m256i lanes = first_lanes8(w);
          __m256 r[8];
          for (int j = 0; j < 8; j++)
            r[j] = j >= cols ? _mm256_setzero_ps() : w == 8 ? _mm256_loadu_ps(base + (long)j * cs + p) : _mm256_maskload_ps(base + (long)j * cs + p, lanes);
          transpose8(r);
          for (int q = 0; q < w; q++) _mm256_storeu_ps(bp + (long)(p + q) * 16 + 8 * h, r[q]);
        }
      }
    }
    bp += (long)kc * 16;
  }
}
#endif

/* Ap: panels of tm rows, each stored p-major: Ap[panel][p][i]. Rows beyond mc are zero. */
static void pack_a(int mc, int kc, const float *a, long rs, long cs, float *ap, int tm) {
#if ORL_X86
  if (tm == 12 && kernel_level >= LEVEL_AVX512 && (cs == 1 || rs == 1)) {
    pack_a_avx512(mc, kc, a, rs, cs, ap);
    return;
  }
  if (tm == 6 && kernel_level >= LEVEL_AVX2 && (cs == 1 || rs == 1)) {
    pack_a_avx2(mc, kc, a, rs, cs, ap);
    return;
  }
#endif
  for (int ir = 0; ir < mc; ir += tm) {
    int mr = mc - ir < tm ? mc - ir : tm;
    for (int p = 0; p < kc; p++) {
      const float *src = a + (long)ir * rs + (long)p * cs;
      int i = 0;
      for (; i < mr; i++) ap[i] = src[(long)i * rs];
      for (; i < tm; i++) ap[i] = 0.f;
      ap += tm;
    }
  }
}

/* Bp: panels of tn columns, each stored p-major: Bp[panel][p][j]. Columns beyond nc are zero. */
static void pack_b(int kc, int nc, const float *b, long rs, long cs, float *bp, int tn) {
#if ORL_X86
  if (tn == 32 && kernel_level >= LEVEL_AVX512 && (cs == 1 || rs == 1)) {
    pack_b_avx512(kc, nc, b, rs, cs, bp);
    return;
  }
  if (tn == 16 && kernel_level >= LEVEL_AVX2 && (cs == 1 || rs == 1)) {
    pack_b_avx2(kc, nc, b, rs, cs, bp);
    return;
  }
#endif
  for (int jr = 0; jr < nc; jr += tn) {
    int nr = nc - jr < tn ? nc - jr : tn;
    for (int p = 0; p < kc; p++) {
      const float *src = b + (long)p * rs + (long)jr * cs;
      int j = 0;
      if (cs == 1) {
        for (; j < nr; j++) bp[j] = src[j];
      } else {
        for (; j < nr; j++) bp[j] = src[(long)j * cs];
      }
      for (; j < tn; j++) bp[j] = 0.f;
      bp += tn;
    }
  }
}

/* ---------------------------------------------------------------- micro-kernels */
/* c[mr x nr] (ldc) = (accumulate ? c : 0) + Ap·Bp over kc (panels of the generic tile, 6 x 16). */
static void micro_generic(int kc, const float *ap, const float *bp, float *c, long ldc, int mr, int nr, int accumulate) {
  enum { GM = 6, GN = 16 };
  float acc[GM][GN];
  memset(acc, 0, sizeof acc);
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < GM; i++) {
      float av = ap[p * GM + i];
      for (int j = 0; j < GN; j++) acc[i][j] += av * bp[p * GN + j];
    }
  }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.f) + acc[i][j];
}

#if ORL_X86
__attribute__((target("avx2,fma"))) static void micro_avx2(int kc, const float *ap, const float *bp, float *c, long ldc, int mr, int nr, int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    __m256 b0 = _mm256_load_ps(bp);
    __m256 b1 = _mm256_load_ps(bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += 6;
    bp += 16;
  }
  if (mr == 6 && nr == 16) {
#define ROW(i, r0, r1)                                                                      \
  {                                                                                         \
    float *ci = c + (long)(i) * ldc;                                                        \
    if (accumulate) {                                                                       \
      r0 = _mm256_add_ps(r0, _mm256_loadu_ps(ci));                                          \
      r1 = _mm256_add_ps(r1, _mm256_loadu_ps(ci + 8));                                      \
    }                                                                                       \
    _mm256_storeu_ps(ci, r0);                                                               \
    _mm256_storeu_ps(ci + 8, r1);                                                           \
  }
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
  } else {
    float tmp[6 * 16] __attribute__((aligned(32)));
    _mm256_store_ps(tmp + 0, c00); _mm256_store_ps(tmp + 8, c01);
    _mm256_store_ps(tmp + 16, c10); _mm256_store_ps(tmp + 24, c11);
    _mm256_store_ps(tmp + 32, c20); _mm256_store_ps(tmp + 40, c21);
    _mm256_store_ps(tmp + 48, c30); _mm256_store_ps(tmp + 56, c31);
    _mm256_store_ps(tmp + 64, c40); _mm256_store_ps(tmp + 72, c41);
    _mm256_store_ps(tmp + 80, c50); _mm256_store_ps(tmp + 88, c51);
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.f) + tmp[i * 16 + j];
  }
}

/* 12 x 32 with AVX-512F: 24 zmm accumulators, two B vectors and one broadcast per k (12 x 16 when the panel's
   columns fit one vector). Same per-element FMA order as micro_avx2, hence the same bits. */
__attribute__((target("avx512f"))) static void micro_avx512(int kc, const float *ap, const float *bp, float *c, long ldc, int mr, int nr,
                                                            int accumulate) {
  __m512 lo[12], hi[12];
  for (int i = 0; i < 12; i++) lo[i] = hi[i] = _mm512_setzero_ps();
  if (nr > 16) {
    for (int p = 0; p < kc; p++) {
      __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) {
        __m512 a = _mm512_set1_ps(ap[i]);
        lo[i] = _mm512_fmadd_ps(a, b0, lo[i]);
        hi[i] = _mm512_fmadd_ps(a, b1, hi[i]);
      }
      ap += 12;
      bp += 32;
    }
  } else {
    for (int p = 0; p < kc; p++) {
      __m512 b0 = _mm512_load_ps(bp);
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) lo[i] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i]), b0, lo[i]);
      ap += 12;
      bp += 32;
    }
  }
  if (mr == 12 && nr == 32) {
    for (int i = 0; i < 12; i++) {
      float *ci = c + (long)i * ldc;
      __m512 r0 = lo[i], r1 = hi[i];
      if (accumulate) {
        r0 = _mm512_add_ps(r0, _mm512_loadu_ps(ci));
        r1 = _mm512_add_ps(r1, _mm512_loadu_ps(ci + 16));
      }
      _mm512_storeu_ps(ci, r0);
      _mm512_storeu_ps(ci + 16, r1);
    }
  } else {
    float tmp[12 * 32] __attribute__((aligned(64)));
    for (int i = 0; i < 12; i++) {
      _mm512_store_ps(tmp + i * 32, lo[i]);
      _mm512_store_ps(tmp + i * 32 + 16, hi[i]);
    }
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.f) + tmp[i * 32 + j];
  }
}

/*
 * One output column (n == 1: a critic's or value network's output layer, and that layer's weight gradient). The
 * micro-kernels would compute a 16- or 32-column tile to keep one column; here each packed A panel's rows are the
 * vector lanes and the product runs as an FMA chain over k, four panels at a time to hide the FMA latency. Each element
 * sees the micro-kernels' exact operations (acc = fma(a, b, acc) in k order, then (accumulate ? c : 0) + acc): the same
 * bits, with up to 16x fewer FMAs.
 */
__attribute__((target("avx512f"))) static void column_avx512(int kc, const float *ap, const float *bp, float *c, long ldc, int mc,
                                                             int accumulate) {
  const int tm = 12, tn = 32;
  const __mmask16 lanes = 0x0FFF;
  const long panel = (long)kc * tm;
  const int panels = (mc + tm - 1) / tm;
  float tmp[4][16] __attribute__((aligned(64)));
  for (int q = 0; q < panels;) {
    const float *a0 = ap + q * panel;
    int count = panels - q >= 4 ? 4 : 1;
    if (count == 4) {
      __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
      for (int p = 0; p < kc; p++) {
        __m512 b = _mm512_set1_ps(bp[(long)p * tn]);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a0 + p * tm), b, s0);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a0 + panel + p * tm), b, s1);
        s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a0 + 2 * panel + p * tm), b, s2);
        s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a0 + 3 * panel + p * tm), b, s3);
      }
      _mm512_store_ps(tmp[0], s0);
      _mm512_store_ps(tmp[1], s1);
      _mm512_store_ps(tmp[2], s2);
      _mm512_store_ps(tmp[3], s3);
    } else {
      __m512 s0 = _mm512_setzero_ps();
      for (int p = 0; p < kc; p++) s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a0 + p * tm), _mm512_set1_ps(bp[(long)p * tn]), s0);
      _mm512_store_ps(tmp[0], s0);
    }
    for (int u = 0; u < count; u++) {
      int r0 = (q + u) * tm, rows = mc - r0 < tm ? mc - r0 : tm;
      for (int i = 0; i < rows; i++) c[(long)(r0 + i) * ldc] = (accumulate ? c[(long)(r0 + i) * ldc] : 0.f) + tmp[u][i];
    }
    q += count;
  }
}

__attribute__((target("avx2,fma"))) static void column_avx2(int kc, const float *ap, const float *bp, float *c, long ldc, int mc, int accumulate) {
  const int tm = 6, tn = 16;
  const __m256i lanes = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  const long panel = (long)kc * tm;
  const int panels = (mc + tm - 1) / tm;
  float tmp[4][8] __attribute__((aligned(32)));
  for (int q = 0; q < panels;) {
    const float *a0 = ap + q * panel;
    int count = panels - q >= 4 ? 4 : 1;
    if (count == 4) {
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
      for (int p = 0; p < kc; p++) {
        __m256 b = _mm256_set1_ps(bp[(long)p * tn]);
        s0 = _mm256_fmadd_ps(_mm256_maskload_ps(a0 + p * tm, lanes), b, s0);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a0 + panel + p * tm, lanes), b, s1);
        s2 = _mm256_fmadd_ps(_mm256_maskload_ps(a0 + 2 * panel + p * tm, lanes), b, s2);
        s3 = _mm256_fmadd_ps(_mm256_maskload_ps(a0 + 3 * panel + p * tm, lanes), b, s3);
      }
      _mm256_store_ps(tmp[0], s0);
      _mm256_store_ps(tmp[1], s1);
      _mm256_store_ps(tmp[2], s2);
      _mm256_store_ps(tmp[3], s3);
    } else {
      __m256 s0 = _mm256_setzero_ps();
      for (int p = 0; p < kc; p++) s0 = _mm256_fmadd_ps(_mm256_maskload_ps(a0 + p * tm, lanes), _mm256_set1_ps(bp[(long)p * tn]), s0);
      _mm256_store_ps(tmp[0], s0);
    }
    for (int u = 0; u < count; u++) {
      int r0 = (q + u) * tm, rows = mc - r0 < tm ? mc - r0 : tm;
      for (int i = 0; i < rows; i++) c[(long)(r0 + i) * ldc] = (accumulate ? c[(long)(r0 + i) * ldc] : 0.f) + tmp[u][i];
    }
    q += count;
  }
}
#endif


/* ---------------------------------------------------------------- blocked GEMM on one thread */
typedef struct {
  float *ap;
  float *bp;
} pack_bufs;

static pack_bufs bufs[MAX_THREADS];

static void gemm_block(int m, int n, int k, const float *a, long rsA, long csA, const float *b, long rsB, long csB, float *c, long ldc,
                       int beta, pack_bufs *pb) {
  if (k == 0) {
    if (!beta)
      for (int i = 0; i < m; i++) memset(c + (long)i * ldc, 0, sizeof(float) * n);
    return;
  }
  const int level = kernel_level, tm = tile_mr, tn = tile_nr;
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      int accumulate = beta || pc > 0;
      pack_b(kc, nc, b + (long)pc * rsB + (long)jc * csB, rsB, csB, pb->bp, tn);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        pack_a(mc, kc, a + (long)ic * rsA + (long)pc * csA, rsA, csA, pb->ap, tm);
#if ORL_X86
        if (nc == 1 && level >= LEVEL_AVX2) {
          float *cc = c + (long)ic * ldc + jc;
          if (level >= LEVEL_AVX512)
            column_avx512(kc, pb->ap, pb->bp, cc, ldc, mc, accumulate);
          else
            column_avx2(kc, pb->ap, pb->bp, cc, ldc, mc, accumulate);
          continue;
        }
#endif
        for (int jr = 0; jr < nc; jr += tn) {
          int nr = nc - jr < tn ? nc - jr : tn;
          const float *bpp = pb->bp + (long)(jr / tn) * kc * tn;
          for (int ir = 0; ir < mc; ir += tm) {
            int mr = mc - ir < tm ? mc - ir : tm;
            const float *app = pb->ap + (long)(ir / tm) * kc * tm;
            float *cc = c + (long)(ic + ir) * ldc + jc + jr;
#if ORL_X86
            if (level >= LEVEL_AVX512)
              micro_avx512(kc, app, bpp, cc, ldc, mr, nr, accumulate);
            else if (level >= LEVEL_AVX2)
              micro_avx2(kc, app, bpp, cc, ldc, mr, nr, accumulate);
            else
#endif
              micro_generic(kc, app, bpp, cc, ldc, mr, nr, accumulate);
          }
        }
      }
    }
  }
}

/* ---------------------------------------------------------------- thread pool */
#define MAX_BATCH 64
typedef struct {
  int m, n, k;
  const float *a, *b;
  float *c;
  long rsA, csA, rsB, csB;
  int beta;
  int split_rows; /* 1: split m, 0: split n */
  int parts;
  /* count > 0: a batch of independent products of one shape; part p computes products p, p + parts, ... whole. */
  int count;
  float *as[MAX_BATCH], *bs[MAX_BATCH], *cs[MAX_BATCH];
} gemm_job;

static int n_threads = 1; /* threads that get work */
static int pool_size = 1; /* threads that exist (main + workers); all take part in each handshake */
static pthread_t workers[MAX_THREADS];
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static atomic_long generation = 0;
static atomic_int pending = 0;
static atomic_int sleepers_main = 0;
static gemm_job job;
static int pool_started = 0;

static void run_part(const gemm_job *j, int part) {
  if (j->count > 0) {
    for (int i = part; i < j->count; i += j->parts)
      gemm_block(j->m, j->n, j->k, j->as[i], j->rsA, j->csA, j->bs[i], j->rsB, j->csB, j->cs[i], j->n, j->beta, &bufs[part]);
    return;
  }
  int total = j->split_rows ? j->m : j->n;
  int unit = j->split_rows ? tile_mr : tile_nr;
  int units = (total + unit - 1) / unit;
  int u0 = (int)((long)units * part / j->parts), u1 = (int)((long)units * (part + 1) / j->parts);
  int s = u0 * unit, e = u1 * unit < total ? u1 * unit : total;
  if (s >= e) return;
  if (j->split_rows)
    gemm_block(e - s, j->n, j->k, j->a + (long)s * j->rsA, j->rsA, j->csA, j->b, j->rsB, j->csB, j->c + (long)s * j->n, j->n, j->beta,
               &bufs[part]);
  else
    gemm_block(j->m, e - s, j->k, j->a, j->rsA, j->csA, j->b + (long)s * j->csB, j->rsB, j->csB, j->c + s, j->n, j->beta, &bufs[part]);
}

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  ftz_on();
  long seen = 0;
  for (;;) {
    /* Spin briefly (a step issues ~80 kernels back to back), then sleep so idle threads never steal a core. */
    int spins = 0;
    while (atomic_load_explicit(&generation, memory_order_acquire) == seen && spins < 20000) {
#if ORL_X86
      _mm_pause();
#endif
      spins++;
    }
    if (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
      pthread_mutex_lock(&pool_mu);
      while (atomic_load_explicit(&generation, memory_order_acquire) == seen) pthread_cond_wait(&pool_cv, &pool_mu);
      pthread_mutex_unlock(&pool_mu);
    }
    seen = atomic_load_explicit(&generation, memory_order_acquire);
    gemm_job j = job;
    if (id < j.parts) run_part(&j, id);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1 && atomic_load(&sleepers_main)) {
      pthread_mutex_lock(&pool_mu);
      pthread_cond_signal(&done_cv);
      pthread_mutex_unlock(&pool_mu);
    }
  }
  return NULL;
}

static int ensure_bufs(int count) {
  for (int t = 0; t < count; t++) {
    if (bufs[t].ap) continue;
    if (posix_memalign((void **)&bufs[t].ap, 64, sizeof(float) * MC * KC)) return 0;
    if (posix_memalign((void **)&bufs[t].bp, 64, sizeof(float) * KC * ((NC + NR - 1) / NR) * NR)) return 0;
  }
  return 1;
}

static int start_pool(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (!ensure_bufs(threads)) return 0;
  if (!pool_started) {
    for (int t = 1; t < threads; t++) {
      if (pthread_create(&workers[t], NULL, worker_main, (void *)(intptr_t)t) != 0) {
        threads = t;
        break;
      }
      pthread_detach(workers[t]);
    }
    pool_started = 1;
    pool_size = threads;
  }
  /* The pool never grows after start; asking for fewer threads leaves the extra workers without parts. */
  n_threads = threads < pool_size ? threads : pool_size;
  return 1;
}

static void run_job(void);

static void gemm(int ta, int tb, int m, int n, int k, float *a, float *b, float *c, int beta) {
  long rsA = ta ? 1 : k, csA = ta ? m : 1;
  long rsB = tb ? 1 : n, csB = tb ? k : 1;
  double flops = 2.0 * m * n * k;
  int split_rows = m >= n;
  int units = split_rows ? (m + tile_mr - 1) / tile_mr : (n + tile_nr - 1) / tile_nr;
  int parts = n_threads;
  if (flops < 1.5e6 || units < 2) parts = 1;
  if (parts > units) parts = units;
  if (parts <= 1) {
    gemm_block(m, n, k, a, rsA, csA, b, rsB, csB, c, n, beta, &bufs[0]);
    return;
  }
  job = (gemm_job){m, n, k, a, b, c, rsA, csA, rsB, csB, beta, split_rows, parts, 0, {0}, {0}, {0}};
  run_job();
}

/*
 * `count` independent products of one shape (an ensemble's members, layer by layer). The threads share out whole
 * products (no split of small GEMMs, one handshake for all); a remainder that does not divide evenly runs after, each
 * product split as gemm() splits it. Each element is summed exactly as gemm() sums it, so the results are the same
 * bits as `count` gemm() calls.
 */
static void gemm_batch(int ta, int tb, int m, int n, int k, int count, float *const *as, float *const *bs, float *const *cs, int beta) {
  long rsA = ta ? 1 : k, csA = ta ? m : 1;
  long rsB = tb ? 1 : n, csB = tb ? k : 1;
  int parts = n_threads < count ? n_threads : count;
  int whole = parts > 1 && 2.0 * m * n * k * parts >= 1.5e6 ? count - count % parts : 0;
  if (whole > 0) {
    job = (gemm_job){m, n, k, NULL, NULL, NULL, rsA, csA, rsB, csB, beta, 0, parts, whole, {0}, {0}, {0}};
    for (int i = 0; i < whole; i++) {
      job.as[i] = as[i];
      job.bs[i] = bs[i];
      job.cs[i] = cs[i];
    }
    run_job();
  }
  for (int i = whole; i < count; i++) gemm(ta, tb, m, n, k, as[i], bs[i], cs[i], beta);
}

/* Runs `job` on the pool: part 0 here, the others on the workers; returns when every part is done. */
static void run_job(void) {
  atomic_store(&pending, pool_size - 1);
  pthread_mutex_lock(&pool_mu);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool_cv);
  pthread_mutex_unlock(&pool_mu);
  run_part(&job, 0);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0 && spins < 200000) {
#if ORL_X86
    _mm_pause();
#endif
    spins++;
  }
  if (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    pthread_mutex_lock(&pool_mu);
    atomic_store(&sleepers_main, 1);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) pthread_cond_wait(&done_cv, &pool_mu);
    atomic_store(&sleepers_main, 0);
    pthread_mutex_unlock(&pool_mu);
  }
}

/* ---------------------------------------------------------------- element-wise kernels */
#if ORL_X86 && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

MULTIVERSION static void bias_act(float *y, const float *bias, int rows, int cols, int act) {
  for (int r = 0; r < rows; r++) {
    float *o = y + (long)r * cols;
    if (act == ACT_RELU) {
      for (int j = 0; j < cols; j++) {
        float z = o[j] + bias[j];
        o[j] = z > 0.f ? z : 0.f;
      }
    } else if (act == ACT_TANH) {
      for (int j = 0; j < cols; j++) o[j] = tanhf(o[j] + bias[j]);
    } else {
      for (int j = 0; j < cols; j++) o[j] += bias[j];
    }
  }
}

MULTIVERSION static void act_grad(float *dst, const float *dy, const float *y, long n, int act) {
  if (act == ACT_RELU) {
    for (long i = 0; i < n; i++) dst[i] = y[i] > 0.f ? dy[i] : 0.f;
  } else if (act == ACT_TANH) {
    for (long i = 0; i < n; i++) dst[i] = dy[i] * (1.f - y[i] * y[i]);
  } else if (dst != dy) {
    memmove(dst, dy, sizeof(float) * n);
  }
}

MULTIVERSION static void col_sum_acc(const float *x, int rows, int cols, float *out) {
  for (int r = 0; r < rows; r++) {
    const float *o = x + (long)r * cols;
    for (int j = 0; j < cols; j++) out[j] += o[j];
  }
}

MULTIVERSION static void adam(float *p, const float *g, float *m, float *v, long n, float lr, float b1, float b2, float eps, float wd, int decoupled,
                              float bc1, float bc2) {
  const float step = lr / bc1, inv_sqrt_bc2 = 1.f / sqrtf(bc2), c1 = 1.f - b1, c2 = 1.f - b2;
  const float l2 = decoupled ? 0.f : wd, shrink = decoupled ? 1.f - lr * wd : 1.f;
  for (long i = 0; i < n; i++) {
    float pi = p[i] * shrink;
    float gi = g[i] + l2 * p[i];
    float mi = b1 * m[i] + c1 * gi;
    float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}

MULTIVERSION static void polyak(float *t, const float *s, long n, float tau) {
  const float keep = 1.f - tau;
  for (long i = 0; i < n; i++) t[i] = keep * t[i] + tau * s[i];
}

static double sum_sq(const float *x, long n) {
  double s = 0;
  for (long i = 0; i < n; i++) s += (double)x[i] * x[i];
  return s;
}

MULTIVERSION static void scale(float *x, long n, float s) {
  for (long i = 0; i < n; i++) x[i] *= s;
}

/* LayerNorm, the same arithmetic as the JS reference (layerNormRows in src/kernels/js.ts), so every backend agrees
   bit for bit: statistics in double, each row's sums in column order. The sums are serial chains, so four rows are
   summed side by side (independent chains, the same order within each); the element-wise passes vectorise. */
#define LN_BLOCK 4
MULTIVERSION static void layer_norm(const float *x, float *xhat, float *out, const float *gain, const float *bias, double *rstd, long rows, long cols,
                                    double eps) {
  for (long r0 = 0; r0 < rows; r0 += LN_BLOCK) {
    const int nb = rows - r0 < LN_BLOCK ? (int)(rows - r0) : LN_BLOCK;
    double mu[LN_BLOCK] = {0}, var[LN_BLOCK] = {0};
    if (nb == LN_BLOCK) {
      for (long j = 0; j < cols; j++)
        for (int q = 0; q < LN_BLOCK; q++) mu[q] += x[(r0 + q) * cols + j];
    } else {
      for (int q = 0; q < nb; q++)
        for (long j = 0; j < cols; j++) mu[q] += x[(r0 + q) * cols + j];
    }
    for (int q = 0; q < nb; q++) mu[q] /= (double)cols;
    if (nb == LN_BLOCK) {
      for (long j = 0; j < cols; j++)
        for (int q = 0; q < LN_BLOCK; q++) {
          const double d = x[(r0 + q) * cols + j] - mu[q];
          var[q] += d * d;
        }
    } else {
      for (int q = 0; q < nb; q++)
        for (long j = 0; j < cols; j++) {
          const double d = x[(r0 + q) * cols + j] - mu[q];
          var[q] += d * d;
        }
    }
    for (int q = 0; q < nb; q++) {
      const long o = (r0 + q) * cols;
      const double k = rstd[r0 + q] = 1.0 / sqrt(var[q] / (double)cols + eps);
      const double m = mu[q];
      if (gain) {
        for (long j = 0; j < cols; j++) {
          const float xh = (float)((x[o + j] - m) * k);
          xhat[o + j] = xh;
          out[o + j] = (float)((double)xh * gain[j] + bias[j]);
        }
      } else {
        for (long j = 0; j < cols; j++) xhat[o + j] = (float)((x[o + j] - m) * k);
      }
    }
  }
}

MULTIVERSION static void layer_norm_backward(const float *dy, const float *xhat, const float *gain, const double *rstd, long rows, long cols, float *gx,
                                             float *gg, float *gb) {
  for (long r0 = 0; r0 < rows; r0 += LN_BLOCK) {
    const int nb = rows - r0 < LN_BLOCK ? (int)(rows - r0) : LN_BLOCK;
    /* gg and gb accumulate row after row, rounded to float after each row, as the reference does. */
    for (int q = 0; q < nb; q++) {
      const long o = (r0 + q) * cols;
      if (gg)
        for (long j = 0; j < cols; j++) gg[j] = (float)(gg[j] + (double)dy[o + j] * xhat[o + j]);
      if (gb)
        for (long j = 0; j < cols; j++) gb[j] = (float)(gb[j] + (double)dy[o + j]);
    }
    if (!gx) continue;
    double mg[LN_BLOCK] = {0}, mgx[LN_BLOCK] = {0};
    if (nb == LN_BLOCK) {
      for (long j = 0; j < cols; j++)
        for (int q = 0; q < LN_BLOCK; q++) {
          const long i = (r0 + q) * cols + j;
          const double g = gain ? (double)dy[i] * gain[j] : (double)dy[i];
          mg[q] += g;
          mgx[q] += g * xhat[i];
        }
    } else {
      for (int q = 0; q < nb; q++)
        for (long j = 0; j < cols; j++) {
          const long i = (r0 + q) * cols + j;
          const double g = gain ? (double)dy[i] * gain[j] : (double)dy[i];
          mg[q] += g;
          mgx[q] += g * xhat[i];
        }
    }
    for (int q = 0; q < nb; q++) {
      const long o = (r0 + q) * cols;
      const double a = mg[q] / (double)cols, b = mgx[q] / (double)cols, k = rstd[r0 + q];
      for (long j = 0; j < cols; j++) {
        const double g = gain ? (double)dy[o + j] * gain[j] : (double)dy[o + j];
        gx[o + j] = (float)(gx[o + j] + k * (g - a - xhat[o + j] * b));
      }
    }
  }
}

/* ---------------------------------------------------------------- Node-API glue */
#define ARGS(N)                                                             \
  size_t argc = N;                                                          \
  napi_value argv[N];                                                       \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);                     \
  if (!heap) {                                                              \
    napi_throw_error(env, "ORL_NN_NO_MEMORY", "setMemory() was not called"); \
    return NULL;                                                            \
  }

static inline double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}
static inline long off(napi_env env, napi_value v) {
  int64_t i = 0;
  napi_get_value_int64(env, v, &i);
  return (long)i;
}

static napi_value js_set_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  size_t len = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "setMemory expects an ArrayBuffer");
    return NULL;
  }
  if (heap_ref) napi_delete_reference(env, heap_ref);
  napi_create_reference(env, argv[0], 1, &heap_ref); /* keep the buffer alive while we hold its pointer */
  heap = (float *)data;
  heap_floats = len / sizeof(float);
  return NULL;
}

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  ARGS(9)
  unsigned int csr = ftz_on();
  gemm((int)num(env, argv[0]), (int)num(env, argv[1]), (int)num(env, argv[2]), (int)num(env, argv[3]), (int)num(env, argv[4]),
       heap + off(env, argv[5]), heap + off(env, argv[6]), heap + off(env, argv[7]), (int)num(env, argv[8]));
  ftz_restore(csr);
  return NULL;
}

/* gemmBatch(ta, tb, m, n, k, aOffsets, bOffsets, cOffsets, beta): the offset arrays have one entry per product. */
static napi_value js_gemm_batch(napi_env env, napi_callback_info info) {
  ARGS(9)
  uint32_t count = 0, cb = 0, cc = 0;
  napi_get_array_length(env, argv[5], &count);
  napi_get_array_length(env, argv[6], &cb);
  napi_get_array_length(env, argv[7], &cc);
  if (count == 0 || count > MAX_BATCH || cb != count || cc != count) {
    napi_throw_range_error(env, "ORL_NN_ARG", "gemmBatch: 1 to 64 products, one offset of each matrix per product");
    return NULL;
  }
  float *as[MAX_BATCH], *bs[MAX_BATCH], *cs[MAX_BATCH];
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    napi_get_element(env, argv[5], i, &v);
    as[i] = heap + off(env, v);
    napi_get_element(env, argv[6], i, &v);
    bs[i] = heap + off(env, v);
    napi_get_element(env, argv[7], i, &v);
    cs[i] = heap + off(env, v);
  }
  unsigned int csr = ftz_on();
  gemm_batch((int)num(env, argv[0]), (int)num(env, argv[1]), (int)num(env, argv[2]), (int)num(env, argv[3]), (int)num(env, argv[4]), (int)count, as,
             bs, cs, (int)num(env, argv[8]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_bias_act(napi_env env, napi_callback_info info) {
  ARGS(5)
  unsigned int csr = ftz_on();
  bias_act(heap + off(env, argv[0]), heap + off(env, argv[1]), (int)num(env, argv[2]), (int)num(env, argv[3]), (int)num(env, argv[4]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_act_grad(napi_env env, napi_callback_info info) {
  ARGS(5)
  unsigned int csr = ftz_on();
  act_grad(heap + off(env, argv[0]), heap + off(env, argv[1]), heap + off(env, argv[2]), off(env, argv[3]), (int)num(env, argv[4]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_col_sum_acc(napi_env env, napi_callback_info info) {
  ARGS(4)
  unsigned int csr = ftz_on();
  col_sum_acc(heap + off(env, argv[0]), (int)num(env, argv[1]), (int)num(env, argv[2]), heap + off(env, argv[3]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_adam(napi_env env, napi_callback_info info) {
  ARGS(13)
  unsigned int csr = ftz_on();
  adam(heap + off(env, argv[0]), heap + off(env, argv[1]), heap + off(env, argv[2]), heap + off(env, argv[3]), off(env, argv[4]),
       (float)num(env, argv[5]), (float)num(env, argv[6]), (float)num(env, argv[7]), (float)num(env, argv[8]), (float)num(env, argv[9]),
       (int)num(env, argv[10]), (float)num(env, argv[11]), (float)num(env, argv[12]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_polyak(napi_env env, napi_callback_info info) {
  ARGS(4)
  unsigned int csr = ftz_on();
  polyak(heap + off(env, argv[0]), heap + off(env, argv[1]), off(env, argv[2]), (float)num(env, argv[3]));
  ftz_restore(csr);
  return NULL;
}

static napi_value js_sum_sq(napi_env env, napi_callback_info info) {
  ARGS(2)
  napi_value out;
  napi_create_double(env, sum_sq(heap + off(env, argv[0]), off(env, argv[1])), &out);
  return out;
}

static napi_value js_scale(napi_env env, napi_callback_info info) {
  ARGS(3)
  scale(heap + off(env, argv[0]), off(env, argv[1]), (float)num(env, argv[2]));
  return NULL;
}

static inline float *heap_or_null(napi_env env, napi_value v) {
  const long o = off(env, v);
  return o < 0 ? NULL : heap + o;
}

static napi_value js_layer_norm(napi_env env, napi_callback_info info) {
  ARGS(9)
  layer_norm(heap + off(env, argv[0]), heap + off(env, argv[1]), heap + off(env, argv[2]), heap_or_null(env, argv[3]), heap_or_null(env, argv[4]),
             (double *)(heap + off(env, argv[5])), off(env, argv[6]), off(env, argv[7]), num(env, argv[8]));
  return NULL;
}

static napi_value js_layer_norm_backward(napi_env env, napi_callback_info info) {
  ARGS(9)
  layer_norm_backward(heap + off(env, argv[0]), heap + off(env, argv[1]), heap_or_null(env, argv[2]), (const double *)(heap + off(env, argv[3])),
                      off(env, argv[4]), off(env, argv[5]), heap_or_null(env, argv[6]), heap_or_null(env, argv[7]), heap_or_null(env, argv[8]));
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int t = (int)num(env, argv[0]);
  if (!start_pool(t)) napi_throw_error(env, "ORL_NN_ALLOC", "could not allocate GEMM buffers");
  napi_value out;
  napi_create_int32(env, n_threads, &out);
  return out;
}

/* measureClock(): the core clock in GHz, from a chain of dependent integer adds (one per cycle on every x86-64 core
   made since 2006) timed by the monotonic clock. For the bench's peak-FLOP/s figure, not for anything else. */
static napi_value js_measure_clock(napi_env env, napi_callback_info info) {
  (void)info;
  const long n = 200000000L;
  struct timespec t0, t1;
  long x = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
#if ORL_X86
  for (long i = 0; i < n; i++) __asm__ volatile("add $1, %0" : "+r"(x));
#else
  x = -1; /* no portable one-cycle chain: report 0 (unknown) */
#endif
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  napi_value out;
  napi_create_double(env, x == n ? (double)n / s / 1e9 : 0.0, &out);
  return out;
}

static int kernel_level_of(const char *name) {
  for (int i = 0; i < N_KERNEL_SETS; i++)
    if (strcmp(name, KERNEL_SETS[i]) == 0) return i;
  return -1;
}

/* setKernels(name): makes `name` the active kernel set; it must be one this CPU runs. Returns the active name. */
static napi_value js_set_kernels(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[32] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, "ORL_NN_ARG", "setKernels(name): a kernel-set name");
    return NULL;
  }
  int level = kernel_level_of(name);
  if (level < 0) {
    napi_throw_error(env, "ORL_NN_KERNELS", "unknown kernel set (generic, avx2, avx512)");
    return NULL;
  }
  if (level > cpu_level) {
    napi_throw_error(env, "ORL_NN_KERNELS", "this CPU cannot run that kernel set");
    return NULL;
  }
  set_kernel_level(level);
  napi_value out;
  napi_create_string_utf8(env, KERNEL_SETS[kernel_level], NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  napi_create_object(env, &out);
  napi_get_boolean(env, kernel_level >= LEVEL_AVX2, &v);
  napi_set_named_property(env, out, "avx2", v);
  napi_get_boolean(env, kernel_level >= LEVEL_AVX512, &v);
  napi_set_named_property(env, out, "avx512", v);
  napi_create_string_utf8(env, KERNEL_SETS[kernel_level], NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "kernels", v);
  napi_value list;
  napi_create_array(env, &list);
  for (int i = 0; i <= cpu_level; i++) {
    napi_create_string_utf8(env, KERNEL_SETS[i], NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, list, (uint32_t)i, v);
  }
  napi_set_named_property(env, out, "supported", list);
  napi_create_int32(env, n_threads, &v);
  napi_set_named_property(env, out, "threads", v);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  napi_create_int32(env, (int)cores, &v);
  napi_set_named_property(env, out, "cores", v);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
#if ORL_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) cpu_level = LEVEL_AVX2;
  /* __builtin_cpu_supports checks the OS saves zmm state too (XCR0), so a kernel that hides AVX-512 is honoured. */
  if (cpu_level == LEVEL_AVX2 && __builtin_cpu_supports("avx512f")) cpu_level = LEVEL_AVX512;
#endif
  int level = cpu_level;
  /* ORL_KERNELS=generic|avx2|avx512 lowers the set (never above what the CPU runs); ORL_NATIVE_NO_AVX2 is the old
     spelling of generic. */
  const char *want = getenv("ORL_KERNELS");
  if (want && kernel_level_of(want) >= 0 && kernel_level_of(want) < level) level = kernel_level_of(want);
  if (getenv("ORL_NATIVE_NO_AVX2")) level = 0;
  set_kernel_level(level);
  if (!ensure_bufs(1)) {
    napi_throw_error(env, "ORL_NN_ALLOC", "could not allocate GEMM buffers");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"setMemory", 0, js_set_memory, 0, 0, 0, napi_default, 0},  {"gemm", 0, js_gemm, 0, 0, 0, napi_default, 0}, {"gemmBatch", 0, js_gemm_batch, 0, 0, 0, napi_default, 0},
      {"biasAct", 0, js_bias_act, 0, 0, 0, napi_default, 0},      {"actGrad", 0, js_act_grad, 0, 0, 0, napi_default, 0},
      {"colSumAcc", 0, js_col_sum_acc, 0, 0, 0, napi_default, 0}, {"adam", 0, js_adam, 0, 0, 0, napi_default, 0},
      {"polyak", 0, js_polyak, 0, 0, 0, napi_default, 0},         {"sumSq", 0, js_sum_sq, 0, 0, 0, napi_default, 0},
      {"scale", 0, js_scale, 0, 0, 0, napi_default, 0},           {"setThreads", 0, js_set_threads, 0, 0, 0, napi_default, 0},
      {"layerNorm", 0, js_layer_norm, 0, 0, 0, napi_default, 0},   {"layerNormBackward", 0, js_layer_norm_backward, 0, 0, 0, napi_default, 0},
      {"info", 0, js_info, 0, 0, 0, napi_default, 0},             {"setKernels", 0, js_set_kernels, 0, 0, 0, napi_default, 0},
      {"measureClock", 0, js_measure_clock, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
