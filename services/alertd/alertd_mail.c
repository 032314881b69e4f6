/*  alertd_mail.c - e-mail through SMTP with libcurl; the Message-ID comes from
 * the alert id */
#include "alertd.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  The message text read by libcurl.
typedef struct {
    const char *data; //  whole message
    size_t len;       //  its length
    size_t pos;       //  bytes handed over
} upload_t;

static size_t
s_read(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    upload_t *u = userdata;
    size_t room = size * nmemb, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(ptr, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

//  Base64 of data, lines of 76 characters joined by CRLF when wrap. Owned.
static char *
s_base64(const char *data, size_t len, bool wrap)
{
    size_t out_len = (len + 2) / 3 * 4;
    char *out = malloc(out_len + out_len / 76 * 2 + 4);
    if (!out)
        return NULL;
    size_t o = 0, col = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)data[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)data[i + 2];
        out[o++] = s_b64[(v >> 18) & 63];
        out[o++] = s_b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? s_b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? s_b64[v & 63] : '=';
        col += 4;
        if (wrap && col >= 76 && i + 3 < len) {
            out[o++] = '\r';
            out[o++] = '\n';
            col = 0;
        }
    }
    out[o] = '\0';
    return out;
}

char *
mail_message_id(uint64_t alert_id, size_t count, int64_t outbox_id, const char *from, char *buf,
                size_t size)
{
    const char *at = from ? strchr(from, '@') : NULL;
    const char *domain = at && at[1] ? at + 1 : "planwatch.invalid";
    if (count > 1)
        snprintf(buf, size, "planwatch.alert-%llu+%zu.%lld@%.*s", (unsigned long long)alert_id,
                 count - 1, (long long)outbox_id, (int)strcspn(domain, ">"), domain);
    else
        snprintf(buf, size, "planwatch.alert-%llu.%lld@%.*s", (unsigned long long)alert_id,
                 (long long)outbox_id, (int)strcspn(domain, ">"), domain);
    return buf;
}

//  The value of an unstructured header with non-ASCII text (RFC 2047):
//  "=?UTF-8?B?...?=" words of at most 75 characters, each the base64 of whole
//  UTF-8 characters, joined by CRLF SPACE so that no line passes 76 characters.
//  first: the room the first line has for its word (after "Subject: "). Owned,
//  NULL on out-of-memory.
static char *
s_encoded_words(const char *text, size_t first)
{
    size_t len = strlen(text), cap = len * 2 + 64, o = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    size_t pos = 0, room = first;
    do {
        //  bytes that fit one word: 4 base64 characters per 3 bytes within room -
        //  12
        size_t max = (room - 12) / 4 * 3, take = len - pos < max ? len - pos : max;
        //  never cut a character: back off over UTF-8 continuation bytes (10xxxxxx)
        while (take > 0 && pos + take < len && ((unsigned char)text[pos + take] & 0xC0) == 0x80)
            take--;
        char *b64 = s_base64(text + pos, take, false);
        if (!b64) {
            free(out);
            return NULL;
        }
        size_t need = o + strlen(b64) + 16;
        if (need > cap) {
            cap = need * 2;
            char *more = realloc(out, cap);
            if (!more) {
                free(b64);
                free(out);
                return NULL;
            }
            out = more;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s=?UTF-8?B?%s?=", pos ? "\r\n " : "", b64);
        free(b64);
        pos += take;
        room = 75;
    } while (pos < len);
    return out;
}

char *
mail_subject_header(const char *subject)
{
    return s_encoded_words(subject, 76 - strlen("Subject: "));
}

//  "Name: a,b,c" folded after commas so that no line passes 78 characters.
//  Owned or NULL.
static char *
s_list_header(const char *name, const char *list)
{
    size_t cap = strlen(name) + strlen(list) * 2 + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = (size_t)snprintf(out, cap, "%s: ", name), col = o;
    for (const char *p = list; *p;) {
        size_t item = strcspn(p, ",");
        if (col + item + 1 > 78 && col > strlen(name) + 2) {
            o += (size_t)snprintf(out + o, cap - o, "\r\n ");
            col = 1;
        }
        o += (size_t)snprintf(out + o, cap - o, "%.*s%s", (int)item, p, p[item] ? "," : "");
        col += item + 1;
        p += item + (p[item] ? 1 : 0);
    }
    return out;
}

send_result_t
mail_send(const receiver_t *receiver, const char *subject, const char *body, const char *message_id,
          const char *alert_ids, const char *notification_ids, long timeout_ms, char *error)
{
    char *subject_words = mail_subject_header(subject);
    char *body64 = s_base64(body, strlen(body), true);
    char *alert_header = s_list_header("X-Planwatch-Alert-Ids", alert_ids);
    char *notification_header = s_list_header("X-Planwatch-Notification-Ids", notification_ids);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
    //  To: the recipients as a header line, ", "-separated.
    char to[1024];
    snprintf(to, sizeof to, "%s", receiver->to);
    for (char *p = to; (p = strchr(p, ';')) != NULL;)
        *p = ',';
    size_t cap = strlen(body64 ? body64 : "") + strlen(subject_words ? subject_words : "") +
                 strlen(alert_header ? alert_header : "") +
                 strlen(notification_header ? notification_header : "") + 2048;
    char *message = malloc(cap);
    send_result_t result = SEND_RETRY;
    CURL *curl = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    if (!subject_words || !body64 || !alert_header || !notification_header || !message || !curl) {
        snprintf(error, ALERT_ERROR_SIZE, "out of memory");
        goto cleanup;
    }
    snprintf(message, cap,
             "Date: %s\r\nFrom: planwatch <%s>\r\nTo: %s\r\nSubject: %s\r\n"
             "Message-ID: <%s>\r\n%s\r\n%s\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; "
             "charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
             "\r\n%s\r\n",
             date, receiver->from, to, subject_words, message_id, alert_header, notification_header,
             body64);
    char list[1024];
    snprintf(list, sizeof list, "%s", receiver->to);
    char *save = NULL;
    for (char *addr = strtok_r(list, ";", &save); addr; addr = strtok_r(NULL, ";", &save)) {
        char bracketed[300];
        snprintf(bracketed, sizeof bracketed, "<%s>", addr);
        rcpt = curl_slist_append(rcpt, bracketed);
    }
    char from[300];
    snprintf(from, sizeof from, "<%s>", receiver->from);
    upload_t upload = {.data = message, .len = strlen(message), .pos = 0};
    curl_easy_setopt(curl, CURLOPT_URL, receiver->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    //  STARTTLS when the server offers it (a mail relay inside the government
    //  network may not).
    curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (*receiver->user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, receiver->user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, receiver->secret);
    }
    CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        error[0] = '\0';
        result = SEND_OK;
    } else {
        snprintf(error, ALERT_ERROR_SIZE, "SMTP %ld: %s", code, curl_easy_strerror(rc));
        //  5xx from the server (bad recipient, refused login) will not change by
        //  retrying.
        result =
            (code >= 500 && code < 600) || rc == CURLE_LOGIN_DENIED ? SEND_PERMANENT : SEND_RETRY;
    }
cleanup:
    curl_slist_free_all(rcpt);
    if (curl)
        curl_easy_cleanup(curl);
    free(message);
    free(subject_words);
    free(alert_header);
    free(notification_header);
    free(body64);
    return result;
}
