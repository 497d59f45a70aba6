/*
 * P-256 point arithmetic for Node on OpenSSL's EC API, as a Node-API addon. The OpenSSL symbols
 * are the ones the node binary itself exports (it links OpenSSL statically and exports its
 * symbols for addons), so nothing but a C compiler and the headers is needed to build it.
 *
 * Points cross the boundary as 64 bytes, x || y big-endian (affine, never the identity); scalars
 * as 32 bytes big-endian. Results go into a caller's buffer.
 *
 *   mulSum(out, points, scalars, constantTime)   sum of scalars[i] * points[i]; see js_mul_sum.
 *   setBase(k, point)                            fixed base k (1..15) with a precomputed table;
 *                                                mulSum takes it as 63 zero bytes || k.
 *   decode(out, compressed33)                    SEC1 compressed (02/03 || x) to x || y; false if x
 *                                                is not below the field prime or not on the curve.
 */
#define NAPI_VERSION 8
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 64
/* Fixed bases with their own precomputed tables: slots 1 .. MAX_BASES - 1 (0 is the generator). */
#define MAX_BASES 16

typedef struct {
  EC_GROUP *group;
  BN_CTX *ctx;
  BIGNUM *order_minus_one;
  /* bases[k]: a copy of the group with generator = fixed base k and a precomputed table for it. */
  EC_GROUP *bases[MAX_BASES];
} State;

static void state_free(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  State *st = data;
  if (st == NULL) return;
  for (int k = 0; k < MAX_BASES; k++) EC_GROUP_free(st->bases[k]);
  BN_free(st->order_minus_one);
  BN_CTX_free(st->ctx);
  EC_GROUP_free(st->group);
  free(st);
}

static State *state_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return data;
}

/* The bytes of a Uint8Array argument (length checked by the caller); NULL if not a typed array. */
static unsigned char *bytes_of(napi_env env, napi_value v, size_t *len) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) return NULL;
  *len = length;
  return data;
}

static napi_value boolean(napi_env env, bool b) {
  napi_value out;
  napi_get_boolean(env, b, &out);
  return out;
}

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_P256_ARGUMENT", message);
  return NULL;
}

static bool point_from(const State *st, EC_POINT *p, const unsigned char *xy, BIGNUM *x, BIGNUM *y) {
  if (BN_bin2bn(xy, 32, x) == NULL || BN_bin2bn(xy + 32, 32, y) == NULL) return false;
  /* Checks that (x, y) is on the curve. */
  return EC_POINT_set_affine_coordinates(st->group, p, x, y, st->ctx) == 1;
}

static bool point_to(const State *st, const EC_POINT *p, unsigned char *out, BIGNUM *x, BIGNUM *y) {
  if (EC_POINT_is_at_infinity(st->group, p)) return false;
  if (EC_POINT_get_affine_coordinates(st->group, p, x, y, st->ctx) != 1) return false;
  return BN_bn2binpad(x, out, 32) == 32 && BN_bn2binpad(y, out + 32, 32) == 32;
}

/*
 * A fixed base: 63 zero bytes and k (x = 0 has no point with a small y on P-256, since b is not a
 * small square): k = 0 is the generator, 1 .. MAX_BASES - 1 a base set with setBase. -1 otherwise.
 */
static int base_entry(const unsigned char *xy) {
  unsigned char acc = 0;
  for (int i = 0; i < 63; i++) acc |= xy[i];
  return acc == 0 && xy[63] < MAX_BASES ? xy[63] : -1;
}

static bool is_generator_entry(const unsigned char *xy) {
  return base_entry(xy) == 0;
}

/*
 * mulSum(out, points, scalars, constantTime) -> 0 (out = the sum, x || y), 1 (the sum is the
 * identity; out untouched), 2 (an input point is not on the curve, or arguments out of range).
 * points: n * 64 bytes (63 zero bytes and k: fixed base k, 0 the generator), scalars: n * 32 bytes, 1 <= n <= 64.
 * constantTime: each term is its own single-scalar EC_POINT_mul with BN_FLG_CONSTTIME (OpenSSL's
 * constant-time paths), the terms added afterwards; otherwise one EC_POINTs_mul, which may take a
 * variable-time path (public scalars only).
 */
static napi_value js_mul_sum(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  const char *usage = "mulSum(out, points, scalars, constantTime)";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return type_error(env, usage);
  State *st = state_of(env);
  size_t out_len = 0, p_len = 0, s_len = 0;
  unsigned char *out = bytes_of(env, argv[0], &out_len);
  const unsigned char *pts = bytes_of(env, argv[1], &p_len);
  const unsigned char *scs = bytes_of(env, argv[2], &s_len);
  bool constant_time = false;
  if (napi_get_value_bool(env, argv[3], &constant_time) != napi_ok) return type_error(env, usage);
  size_t n = p_len / 64;
  if (st == NULL || out == NULL || out_len != 64 || pts == NULL || scs == NULL || p_len % 64 != 0 || s_len != n * 32 || n == 0 || n > MAX_POINTS) {
    return type_error(env, usage);
  }
  EC_POINT *points[MAX_POINTS] = {0};
  BIGNUM *scalars[MAX_POINTS] = {0};
  int kinds[MAX_POINTS] = {0};
  int status = 2;
  BN_CTX_start(st->ctx);
  BIGNUM *x = BN_CTX_get(st->ctx), *y = BN_CTX_get(st->ctx);
  BIGNUM *g = NULL;
  EC_POINT *r = EC_POINT_new(st->group), *t = EC_POINT_new(st->group);
  bool ok = x != NULL && y != NULL && r != NULL && t != NULL;
  size_t m = 0; /* non-generator terms */
  for (size_t i = 0; ok && i < n; i++) {
    BIGNUM *s = constant_time ? BN_secure_new() : BN_new();
    ok = s != NULL && BN_bin2bn(scs + 32 * i, 32, s) != NULL;
    if (s != NULL && constant_time) BN_set_flags(s, BN_FLG_CONSTTIME);
    if (!ok) {
      BN_clear_free(s);
      break;
    }
    if (is_generator_entry(pts + 64 * i) && g == NULL) {
      g = s;
      continue;
    }
    int k = base_entry(pts + 64 * i);
    points[m] = EC_POINT_new(st->group);
    scalars[m] = s;
    kinds[m] = k;
    ok = points[m] != NULL && (k < 1 || st->bases[k] != NULL);
    if (ok && k >= 0) ok = EC_POINT_copy(points[m], EC_GROUP_get0_generator(k == 0 ? st->group : st->bases[k])) == 1;
    else if (ok) ok = point_from(st, points[m], pts + 64 * i, x, y);
    m++;
  }
  if (ok && constant_time) {
    ok = EC_POINT_set_to_infinity(st->group, r) == 1;
    if (ok && g != NULL) ok = EC_POINT_mul(st->group, r, g, NULL, NULL, st->ctx) == 1;
    for (size_t i = 0; ok && i < m; i++) {
      /* A term with scalar 1 or p - 1 (public coefficients of a sum: P - Q) is an addition. */
      if (BN_is_one(scalars[i])) ok = EC_POINT_copy(t, points[i]) == 1;
      else if (BN_cmp(scalars[i], st->order_minus_one) == 0) ok = EC_POINT_copy(t, points[i]) == 1 && EC_POINT_invert(st->group, t, st->ctx) == 1;
      /* A fixed base: its own group's precomputed table (the same constant-time table walk as G). */
      else if (kinds[i] >= 1) ok = EC_POINT_mul(st->bases[kinds[i]], t, scalars[i], NULL, NULL, st->ctx) == 1;
      else ok = EC_POINT_mul(st->group, t, NULL, points[i], scalars[i], st->ctx) == 1;
      ok = ok && EC_POINT_add(st->group, r, r, t, st->ctx) == 1;
    }
  } else if (ok) {
    ok = EC_POINTs_mul(st->group, r, g, m, (const EC_POINT **)points, (const BIGNUM **)scalars, st->ctx) == 1;
  }
  if (ok) {
    if (EC_POINT_is_at_infinity(st->group, r)) status = 1;
    else if (point_to(st, r, out, x, y)) status = 0;
  }
  for (size_t i = 0; i < m; i++) {
    EC_POINT_free(points[i]);
    BN_clear_free(scalars[i]);
  }
  BN_clear_free(g);
  EC_POINT_clear_free(t);
  EC_POINT_clear_free(r);
  BN_CTX_end(st->ctx);
  napi_value result;
  napi_create_int32(env, status, &result);
  return result;
}

/* setBase(k, point) -> boolean: fixed base k (1 .. 15) = point, with a precomputed table. */
static napi_value js_set_base(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  const char *usage = "setBase(k, point)";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return type_error(env, usage);
  State *st = state_of(env);
  int32_t k = 0;
  size_t p_len = 0;
  const unsigned char *pt = bytes_of(env, argv[1], &p_len);
  if (st == NULL || napi_get_value_int32(env, argv[0], &k) != napi_ok || k < 1 || k >= MAX_BASES || pt == NULL || p_len != 64) return type_error(env, usage);
  bool ok = false;
  BN_CTX_start(st->ctx);
  BIGNUM *x = BN_CTX_get(st->ctx), *y = BN_CTX_get(st->ctx);
  EC_GROUP *g = EC_GROUP_dup(st->group);
  EC_POINT *p = EC_POINT_new(st->group);
  if (x != NULL && y != NULL && g != NULL && p != NULL && point_from(st, p, pt, x, y)) {
    ok = EC_GROUP_set_generator(g, p, EC_GROUP_get0_order(st->group), EC_GROUP_get0_cofactor(st->group)) == 1 && EC_GROUP_precompute_mult(g, st->ctx) == 1;
  }
  EC_POINT_free(p);
  BN_CTX_end(st->ctx);
  if (ok) {
    EC_GROUP_free(st->bases[k]);
    st->bases[k] = g;
  } else {
    EC_GROUP_free(g);
  }
  return boolean(env, ok);
}

static napi_value js_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return type_error(env, "decode(out, compressed)");
  State *st = state_of(env);
  size_t out_len = 0, in_len = 0;
  unsigned char *out = bytes_of(env, argv[0], &out_len);
  const unsigned char *in = bytes_of(env, argv[1], &in_len);
  if (st == NULL || out == NULL || out_len != 64 || in == NULL || in_len != 33) return type_error(env, "decode(out, compressed)");
  if (in[0] != 0x02 && in[0] != 0x03) return boolean(env, false);
  bool ok = false;
  BN_CTX_start(st->ctx);
  BIGNUM *x = BN_CTX_get(st->ctx), *y = BN_CTX_get(st->ctx);
  EC_POINT *p = EC_POINT_new(st->group);
  /* oct2point rejects x >= the field prime and x with no point on the curve. */
  if (x != NULL && y != NULL && p != NULL && EC_POINT_oct2point(st->group, p, in, 33, st->ctx) == 1) ok = point_to(st, p, out, x, y);
  EC_POINT_free(p);
  BN_CTX_end(st->ctx);
  return boolean(env, ok);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  State *st = calloc(1, sizeof(State));
  if (st == NULL) return NULL;
  st->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  st->ctx = BN_CTX_new();
  st->order_minus_one = st->group == NULL ? NULL : BN_dup(EC_GROUP_get0_order(st->group));
  if (st->group == NULL || st->ctx == NULL || st->order_minus_one == NULL || BN_sub_word(st->order_minus_one, 1) != 1 || napi_set_instance_data(env, st, state_free, NULL) != napi_ok) {
    state_free(env, st, NULL);
    napi_throw_error(env, "ERR_P256_INIT", "OpenSSL P-256 group unavailable");
    return NULL;
  }
  /* Which OpenSSL implementation the group runs on, for the record (tests, the benchmark): the
     x86-64/ARMv8 assembly one is "nistz256". Looked up by name: an OpenSSL without it still loads. */
  typedef const EC_METHOD *(*method_fn)(void);
  method_fn nistz256 = (method_fn)dlsym(RTLD_DEFAULT, "EC_GFp_nistz256_method");
  const char *method = nistz256 != NULL && EC_GROUP_method_of(st->group) == nistz256() ? "nistz256" : "other";
  napi_value method_value;
  if (napi_create_string_utf8(env, method, NAPI_AUTO_LENGTH, &method_value) != napi_ok) return NULL;
  napi_property_descriptor props[] = {
    {"method", NULL, NULL, NULL, NULL, method_value, napi_enumerable, NULL},
    {"mulSum", NULL, js_mul_sum, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setBase", NULL, js_set_base, NULL, NULL, NULL, napi_enumerable, NULL},
    {"decode", NULL, js_decode, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
