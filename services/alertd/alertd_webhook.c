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

send_result_t
webhook_post(const receiver_t *receiver, const char *body, const char *idempotency, long timeout_ms,
             char *error)
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
    snprintf(header, sizeof header, "Idempotency-Key: planwatch-%s", idempotency);
    headers = curl_slist_append(headers, header);
    snprintf(header, sizeof header, "X-Planwatch-Alert-Ids: %s", idempotency);
    headers = curl_slist_append(headers, header);
    if (receiver->format == FORMAT_JSON && *receiver->secret) {
        snprintf(header, sizeof header, "Authorization: Bearer %s", receiver->secret);
        headers = curl_slist_append(headers, header);
    }
    curl_easy_setopt(curl, CURLOPT_URL, receiver->url);
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
