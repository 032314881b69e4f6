/*  alertd_webhook.c - HTTP POST of a notification through libcurl */
#include "alertd.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define RESPONSE_MAX 8192

//  The start of the response body, kept to read the robots' errcode.
typedef struct {
    char data[RESPONSE_MAX]; //  NUL-terminated
    size_t len;              //  bytes kept
} response_t;

static size_t
s_collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    response_t *r = userdata;
    size_t n = size * nmemb, room = RESPONSE_MAX - 1 - r->len;
    size_t take = n < room ? n : room;
    memcpy(r->data + r->len, ptr, take);
    r->len += take;
    r->data[r->len] = '\0';
    return n;
}

//  WeCom and DingTalk answer HTTP 200 with {"errcode": N, "errmsg": "..."}: 0 is success, a few
//  codes mean "too fast" or "busy" (retry), anything else will not get better by retrying.
static send_result_t
s_robot_verdict(const receiver_t *receiver, const response_t *r, char *error)
{
    json_t *doc = json_loads(r->data, 0, NULL);
    json_t *code = doc ? json_object_get(doc, "errcode") : NULL;
    if (!json_is_integer(code)) {
        json_decref(doc);
        snprintf(error, ALERT_ERROR_SIZE, "%s answered without errcode", receiver->name);
        return SEND_RETRY;
    }
    json_int_t c = json_integer_value(code);
    const char *msg = json_string_value(json_object_get(doc, "errmsg"));
    snprintf(error, ALERT_ERROR_SIZE, "errcode %lld: %.120s", (long long)c, msg ? msg : "");
    json_decref(doc);
    if (c == 0)
        return SEND_OK;
    //  -1 system busy (both); 45009 WeCom frequency limit; 130101 DingTalk sent too fast.
    if (c == -1 || c == 45009 || c == 130101)
        return SEND_RETRY;
    return SEND_PERMANENT;
}

// ---------------------------------------------------------------------------------------------
//  DingTalk 加签: sign = urlencode(base64(HMAC-SHA256(secret, timestamp "\n" secret)))

//  SHA-256 state (FIPS 180-4).
typedef struct {
    uint32_t h[8];     //  hash so far
    uint8_t block[64]; //  pending input
    size_t used;       //  bytes in block
    uint64_t bits;     //  message length so far
} sha256_t;

static const uint32_t s_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
s_sha_block(sha256_t *c, const uint8_t *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, c->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + s_k[i] + w[i];
        uint32_t t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        c->h[i] += v[i];
}

static void
s_sha_init(sha256_t *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->used = 0;
    c->bits = 0;
}

static void
s_sha_add(sha256_t *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->bits += (uint64_t)len * 8;
    while (len--) {
        c->block[c->used++] = *p++;
        if (c->used == 64) {
            s_sha_block(c, c->block);
            c->used = 0;
        }
    }
}

static void
s_sha_end(sha256_t *c, uint8_t out[32])
{
    uint64_t bits = c->bits;
    uint8_t pad = 0x80, zero = 0, len[8];
    s_sha_add(c, &pad, 1);
    while (c->used != 56)
        s_sha_add(c, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    s_sha_add(c, len, 8);
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
webhook_hmac_sha256(const char *key, const char *msg, uint8_t out[32])
{
    uint8_t k[64] = {0}, inner[32];
    size_t klen = strlen(key);
    sha256_t c;
    if (klen > 64) {
        s_sha_init(&c);
        s_sha_add(&c, key, klen);
        s_sha_end(&c, k);
    } else
        memcpy(k, key, klen);
    uint8_t pad[64];
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    s_sha_init(&c);
    s_sha_add(&c, pad, 64);
    s_sha_add(&c, msg, strlen(msg));
    s_sha_end(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    s_sha_init(&c);
    s_sha_add(&c, pad, 64);
    s_sha_add(&c, inner, 32);
    s_sha_end(&c, out);
}

char *
webhook_dingtalk_url(const char *url, const char *secret, int64_t timestamp_ms)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char text[512];
    snprintf(text, sizeof text, "%lld\n%s", (long long)timestamp_ms, secret);
    uint8_t mac[32];
    webhook_hmac_sha256(secret, text, mac);
    char sig[48];
    size_t o = 0;
    for (int i = 0; i < 32; i += 3) {
        unsigned v = (unsigned)mac[i] << 16 | (i + 1 < 32 ? (unsigned)mac[i + 1] << 8 : 0) |
                     (i + 2 < 32 ? mac[i + 2] : 0);
        sig[o++] = b64[(v >> 18) & 63];
        sig[o++] = b64[(v >> 12) & 63];
        sig[o++] = i + 1 < 32 ? b64[(v >> 6) & 63] : '=';
        sig[o++] = i + 2 < 32 ? b64[v & 63] : '=';
    }
    sig[o] = '\0';
    //  URL-encode the base64: + / = are the only characters that need it
    char encoded[160];
    size_t e = 0;
    for (const char *p = sig; *p; p++)
        e += (size_t)(*p == '+' || *p == '/' || *p == '='
                          ? snprintf(encoded + e, sizeof encoded - e, "%%%02X", (unsigned char)*p)
                          : snprintf(encoded + e, sizeof encoded - e, "%c", *p));
    size_t len = strlen(url) + e + 64;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s%stimestamp=%lld&sign=%s", url, strchr(url, '?') ? "&" : "?",
                 (long long)timestamp_ms, encoded);
    return out;
}

//  Appends "name: value" to headers. Returns the list (NULL on out-of-memory).
static struct curl_slist *
s_header(struct curl_slist *headers, const char *name, const char *prefix, const char *value)
{
    size_t len = strlen(name) + strlen(prefix) + strlen(value) + 4;
    char *line = malloc(len);
    if (!line)
        return headers;
    snprintf(line, len, "%s: %s%s", name, prefix, value);
    struct curl_slist *more = curl_slist_append(headers, line);
    free(line);
    return more ? more : headers;
}

send_result_t
webhook_post(const receiver_t *receiver, const char *body, const char *notification_ids,
             const char *alert_ids, long timeout_ms, char *error)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, ALERT_ERROR_SIZE, "curl_easy_init failed");
        return SEND_RETRY;
    }
    response_t response = {.len = 0};
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    char header[512];
    headers = s_header(headers, "Idempotency-Key", "planwatch-", notification_ids);
    headers = s_header(headers, "X-Planwatch-Alert-Ids", "", alert_ids);
    headers = s_header(headers, "X-Planwatch-Notification-Ids", "", notification_ids);
    if (receiver->format == FORMAT_JSON && *receiver->secret) {
        snprintf(header, sizeof header, "Authorization: Bearer %s", receiver->secret);
        headers = curl_slist_append(headers, header);
    }
    //  DingTalk robots in 加签 mode: the URL carries a fresh timestamp and its signature.
    char *signed_url = receiver->format == FORMAT_DINGTALK && *receiver->secret
                           ? webhook_dingtalk_url(receiver->url, receiver->secret, zclock_time())
                           : NULL;
    curl_easy_setopt(curl, CURLOPT_URL, signed_url ? signed_url : receiver->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "planwatch-alertd/" PLANWATCH_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(signed_url);

    if (rc != CURLE_OK) {
        //  curl's messages name the host and port, never the path or query with the key.
        snprintf(error, ALERT_ERROR_SIZE, "%s", curl_easy_strerror(rc));
        return SEND_RETRY;
    }
    if (status >= 200 && status < 300) {
        if (receiver->format == FORMAT_WECOM || receiver->format == FORMAT_DINGTALK)
            return s_robot_verdict(receiver, &response, error);
        error[0] = '\0';
        return SEND_OK;
    }
    snprintf(error, ALERT_ERROR_SIZE, "HTTP %ld: %.100s", status, response.data);
    if (status == 408 || status == 425 || status == 429 || status >= 500)
        return SEND_RETRY;
    return SEND_PERMANENT;
}
