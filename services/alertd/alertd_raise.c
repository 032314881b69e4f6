/*  alertd_raise.c - status changes -> alerts + outbox + stream, committed with the watermark */
#include "alertd.h"

#include "db.h"
#include "log.h"
#include "text.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define RAISE_BATCH 200

struct raise_t {
    const alertd_config_t *config; //  borrowed
    const receivers_t *receivers;  //  borrowed
    catalog_t *catalog;            //  the store's catalog, read again when a load changes it
    char catalog_load[32];         //  catalog_load id the cached catalog comes from
    bool crashed_once;             //  test fault: already used
};

//  Fields of a new alert. Strings are borrowed; NULL writes SQL NULL.
typedef struct {
    const char *episode;        //  stable key
    const char *kind;           //  alert kind
    const char *state;          //  open or closed
    const char *subject;        //  status key
    const char *change_id;      //  status_change id
    const char *task;           //  task code
    const char *task_number;    //  二（四）1
    const char *task_title;     //  heading
    const char *target;         //  target code
    const char *target_text;    //  the seed's phrase
    const char *indicator;      //  series
    const char *indicator_name; //  its Chinese name
    const char *unit;           //  reporting unit
    const char *unit_name;      //  its Chinese name
    const char *org;            //  org unit
    const char *org_name;       //  its Chinese name
    const char *period;         //  period judged
    const char *deadline;       //  YYYY-MM-DD
    const char *status;         //  evaluator status
    const char *value_text;     //  value against target
    const char *progress;       //  P
    const char *due_soon_days;  //  lead time crossed
    const char *lead_units;     //  JSON array
    const char *co_units;       //  JSON array
    const char *addressees;     //  "A;B"
    const char *evidence;       //  JSON object
    const char *as_of;          //  evaluator date
    const char *title;          //  one line
    const char *resolves;       //  alert id
} alert_fields_t;

bool
alertd_fault(const alertd_config_t *config, const char *point)
{
    return config && config->fault && *config->fault && strstr(config->fault, point) != NULL;
}

raise_t *
raise_new(const alertd_config_t *config, const receivers_t *receivers)
{
    raise_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->receivers = receivers;
    return self;
}

void
raise_destroy(raise_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    catalog_destroy(&(*self_p)->catalog);
    free(*self_p);
    *self_p = NULL;
}

int
raise_wake(PGconn *conn)
{
    //  Delivered at COMMIT, once however often it is called in the transaction.
    return db_exec(conn, "SELECT pg_notify('" ALERT_CHANNEL "', '')", 0, NULL);
}

int
raise_begin(PGconn *conn)
{
    if (db_begin(conn) != 0)
        return -1;
    if (db_exec(conn, "SELECT pg_advisory_xact_lock(" ALERT_RAISE_LOCK ")", 0, NULL) != 0) {
        db_rollback(conn);
        return -1;
    }
    return 0;
}

//  Inserts the alert. Returns its id, 0 when its episode occurrence exists, -1 on error.
static int64_t
s_insert(PGconn *conn, const alert_fields_t *f, int occurrence, const char *today)
{
    char occ[16];
    snprintf(occ, sizeof occ, "%d", occurrence);
    PGresult *res = db_query(
        conn,
        "INSERT INTO alert (episode, occurrence, kind, state, subject, change_id, task,"
        " task_number, task_title, target, target_text, indicator, indicator_name, unit,"
        " unit_name, org, org_name, period, deadline, status, value_text, progress,"
        " due_soon_days, lead_units, co_units, addressees, evidence, as_of, title, raised_on,"
        " last_notified_on, resolves)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, ''), coalesce($9, ''), $10,"
        " coalesce($11, ''), $12, coalesce($13, ''), $14, coalesce($15, ''), $16,"
        " coalesce($17, ''), coalesce($18, ''), $19::date, coalesce($20, ''), coalesce($21, ''),"
        " $22, coalesce($23::int, 0), coalesce($24::jsonb, '[]'), coalesce($25::jsonb, '[]'),"
        " string_to_array(coalesce($26, ''), ';'), coalesce($27::jsonb, '{}'), $28::date, $29,"
        " $30::date, $30::date, $31)"
        " ON CONFLICT (episode, occurrence) DO NOTHING RETURNING id",
        31,
        DB_PARAMS(f->episode, occ, f->kind, f->state, f->subject, f->change_id, f->task,
                  f->task_number, f->task_title, f->target, f->target_text, f->indicator,
                  f->indicator_name, f->unit, f->unit_name, f->org, f->org_name, f->period,
                  f->deadline, f->status, f->value_text, f->progress, f->due_soon_days,
                  f->lead_units, f->co_units, f->addressees, f->evidence, f->as_of, f->title, today,
                  f->resolves));
    if (!res)
        return -1;
    int64_t id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return id;
}

//  Which occurrence of the episode a new alert would be: 0 when it must not be raised (an open
//  one exists, or a notice kind was raised before), -1 on error.
static int
s_next_occurrence(PGconn *conn, const char *episode, bool notice)
{
    PGresult *res = db_query(conn,
                             "SELECT state, occurrence FROM alert WHERE episode = $1"
                             " ORDER BY occurrence DESC LIMIT 1",
                             1, DB_PARAMS(episode));
    if (!res)
        return -1;
    int next = 1;
    if (PQntuples(res)) {
        bool open = strcmp(PQgetvalue(res, 0, 0), "open") == 0;
        next = open || notice ? 0 : atoi(PQgetvalue(res, 0, 1)) + 1;
    }
    PQclear(res);
    return next;
}

int
raise_notify(PGconn *conn, const receivers_t *receivers, const alertd_config_t *config,
             int64_t alert_id, bool reminder, int level, const char *exclude, day_t today)
{
    char id[24], day[DAY_TEXT_SIZE], lvl[8], wait[32];
    snprintf(id, sizeof id, "%lld", (long long)alert_id);
    snprintf(lvl, sizeof lvl, "%d", level);
    snprintf(wait, sizeof wait, "%ld", config ? config->group_wait_ms : 0L);
    day_format(today, day);
    PGresult *res = db_query(conn,
                             "SELECT a.kind, array_to_string(a.addressees, ';'),"
                             " coalesce(a.lead_units->0->>'code', ''), " ALERT_SILENCED(
                                 "$2") " FROM alert a WHERE a.id = $1",
                             2, DB_PARAMS(id, day));
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        return -1;
    }
    const char *kind = PQgetvalue(res, 0, 0);
    bool silenced = PQgetvalue(res, 0, 3)[0] == 't';
    char *addressees = strdup(PQgetvalue(res, 0, 1));
    char *units[64];
    size_t count = 0;
    char *save = NULL;
    for (char *tok = addressees ? strtok_r(addressees, ";", &save) : NULL; tok && count < 64;
         tok = strtok_r(NULL, ";", &save))
        units[count++] = tok;
    //  Storm grouping by lead unit; alerts without one group by their first addressee beyond
    //  the office (the unit that has not reported), meta-alerts by kind.
    const char *group = PQgetvalue(res, 0, 2);
    for (size_t i = 0; !*group && i < count; i++)
        if (strcmp(units[i], ALERT_SUPERVISION) != 0)
            group = units[i];
    if (!*group)
        group = kind;
    int rc = 0;
    for (size_t r = 0; rc == 0 && r < receivers_count(receivers); r++) {
        const receiver_t *rcv = receivers_at(receivers, r);
        if ((exclude && !strcmp(exclude, rcv->name)) || !receiver_matches(rcv, kind, units, count))
            continue;
        if (rcv->channel == CHANNEL_ZMQ) {
            if (!silenced)
                rc = db_exec(conn,
                             "INSERT INTO alert_stream (seq, alert_id, reminder, level, as_of_day)"
                             " SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4::date"
                             " FROM alert_stream",
                             4, DB_PARAMS(id, reminder ? "t" : "f", lvl, day));
        } else
            rc = db_exec(conn,
                         "INSERT INTO alert_outbox (alert_id, receiver, reminder, level, as_of_day,"
                         " group_key, state, not_before) VALUES ($1, $2, $3, $4, $5::date, $6, $7,"
                         " now() + $8::int * interval '1 millisecond')",
                         8,
                         DB_PARAMS(id, rcv->name, reminder ? "t" : "f", lvl, day, group,
                                   silenced ? "silenced" : "pending", wait));
    }
    if (silenced)
        log_info("alert.silenced", "alert=%s kind=%s", id, kind);
    free(addressees);
    PQclear(res);
    return rc;
}

int64_t
raise_meta(PGconn *conn, const receivers_t *receivers, const alertd_config_t *config,
           const meta_alert_t *meta, day_t today)
{
    int occurrence = s_next_occurrence(conn, meta->episode, false);
    if (occurrence <= 0)
        return occurrence;
    char day[DAY_TEXT_SIZE], resolves[24];
    day_format(today, day);
    snprintf(resolves, sizeof resolves, "%lld", (long long)meta->resolves);
    bool is_resolved = !strcmp(meta->kind, "RESOLVED");
    alert_fields_t f = {
        .episode = meta->episode,
        .kind = meta->kind,
        .state = !strcmp(meta->kind, "PIPELINE_DOWN") || !strcmp(meta->kind, "DEAD_LETTER")
                     ? "open"
                     : "closed",
        .addressees = ALERT_SUPERVISION,
        .evidence = meta->evidence,
        .title = meta->title,
        .resolves = meta->resolves ? resolves : NULL,
        .status = is_resolved ? "ON_TRACK" : "",
    };
    int64_t id = s_insert(conn, &f, occurrence, day);
    if (id > 0 && meta->resolves) {
        char new_id[24];
        snprintf(new_id, sizeof new_id, "%lld", (long long)id);
        if (db_exec(conn,
                    "UPDATE alert SET state = 'resolved', resolved_by = $2, resolved_on = $3::date"
                    " WHERE id = $1",
                    3, DB_PARAMS(resolves, new_id, day)) != 0)
            return -1;
    }
    if (id > 0 && (raise_notify(conn, receivers, config, id, false, 0, meta->exclude, today) != 0 ||
                   raise_wake(conn) != 0))
        return -1;
    if (id > 0)
        log_info("alert.raised", "id=%lld kind=%s episode=\"%s\"", (long long)id, meta->kind,
                 meta->episode);
    return id;
}

// ---------------------------------------------------------------------------------------------
//  From a status change to the words of an alert

//  The first numeric member of evidence among keys. Returns true and sets *v when found.
static bool
s_evidence_number(json_t *evidence, const char *const *keys, double *v)
{
    for (size_t i = 0; keys[i]; i++) {
        json_t *x = json_object_get(evidence, keys[i]);
        if (json_is_number(x)) {
            *v = json_number_value(x);
            return true;
        }
    }
    return false;
}

static const char *
s_cmp_sign(cmp_t cmp)
{
    return cmp == CMP_GE ? "≥" : cmp == CMP_GT ? "＞" : cmp == CMP_LE ? "≤" : "＜";
}

//  "实际 13200家 / 目标 ≥14000家 · 进度P=0.82": the value against the target in words, from the
//  evaluator's evidence (the keys it is known to use) and the catalog's target.
static void
s_value_text(const target_t *target, json_t *evidence, const char *progress, char *buf, size_t size)
{
    static const char *const actual_keys[] = {"value",  "actual", "current",    "observed",
                                              "latest", "sum",    "cumulative", "growth",
                                              "rate",   "min",    NULL};
    static const char *const reference_keys[] = {"national", "reference", "nation", NULL};
    static const char *const projected_keys[] = {"projected", "projection", "forecast", NULL};
    char num[64], ref[64];
    size_t n = 0;
    buf[0] = '\0';
    double v;
    const char *unit = target ? target->unit : "";
    if (target && target->kind == TARGET_MILESTONE) {
        const char *state = json_string_value(json_object_get(evidence, "state"));
        n += (size_t)snprintf(buf + n, size - n, "里程碑：%s",
                              state && !strcmp(state, "done")      ? "已完成"
                              : state && !strcmp(state, "started") ? "已开工，未完成"
                                                                   : "未报告完成");
    } else if (s_evidence_number(evidence, actual_keys, &v)) {
        text_number(v, num, sizeof num);
        n += (size_t)snprintf(buf + n, size - n, "实际 %s%s", num, unit);
    } else
        n += (size_t)snprintf(buf + n, size - n, "暂无实际值");
    if (target && target->has_value && n < size) {
        text_number(target->value, ref, sizeof ref);
        n += (size_t)snprintf(buf + n, size - n, " / 目标 %s%s%s", s_cmp_sign(target->cmp), ref,
                              unit);
    } else if (target && target->kind == TARGET_RELATIVE && n < size) {
        if (s_evidence_number(evidence, reference_keys, &v)) {
            text_number(v, ref, sizeof ref);
            n += (size_t)snprintf(buf + n, size - n, " / 全国 %s%s", ref, unit);
        } else
            n += (size_t)snprintf(buf + n, size - n, " / 目标 不低于全国平均");
    }
    if (s_evidence_number(evidence, projected_keys, &v) && n < size) {
        text_number(v, num, sizeof num);
        n += (size_t)snprintf(buf + n, size - n, " · 预计 %s%s", num, unit);
    }
    if (progress && *progress && n < size)
        snprintf(buf + n, size - n, " · 进度P=%.2f", atof(progress));
}

//  Appends {"code","name","inferred"} of unit to array.
static void
s_unit_json(json_t *array, const catalog_t *cat, const char *code, bool inferred)
{
    const resp_unit_t *u = catalog_unit(cat, code);
    json_array_append_new(array, json_pack("{s:s, s:s, s:b}", "code", code, "name",
                                           u ? u->name : code, "inferred", inferred));
}

//  Adds code to "A;B" addressees when missing.
static void
s_address(char *list, size_t size, const char *code)
{
    char probe[64];
    snprintf(probe, sizeof probe, ";%s;", code);
    char padded[2048];
    snprintf(padded, sizeof padded, ";%s;", list);
    if (strstr(padded, probe))
        return;
    size_t n = strlen(list);
    snprintf(list + n, size - n, "%s%s", n ? ";" : "", code);
}

//  One status change, as read by raise_pending's query.
typedef struct {
    const char *id, *key, *target, *org, *period, *indicator, *unit, *old_status, *new_status,
        *progress, *due_soon_days, *deadline, *as_of, *evidence;
    bool awaiting;
} change_t;

static bool
s_ok_status(const char *status)
{
    return !strcmp(status, "ACHIEVED") || !strcmp(status, "ON_TRACK") ||
           !strcmp(status, "REPORTED");
}

//  Resolves or closes the open alerts of the change's subject. Returns 0 or -1.
static int
s_settle_open(raise_t *self, PGconn *conn, const change_t *c, day_t today, int *raised)
{
    PGresult *res = db_query(conn,
                             "SELECT id, kind, episode, occurrence, task_number, target_text,"
                             " indicator_name, org_name, title"
                             " FROM alert WHERE subject = $1 AND state = 'open' ORDER BY id",
                             1, DB_PARAMS(c->key));
    if (!res)
        return -1;
    int rc = 0;
    char day[DAY_TEXT_SIZE];
    day_format(today, day);
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0), *kind = PQgetvalue(res, i, 1);
        if (s_ok_status(c->new_status)) {
            char episode[600], title[1024], value[512] = "";
            const target_t *target = c->target ? catalog_target(self->catalog, c->target) : NULL;
            json_t *evidence = json_loads(c->evidence, 0, NULL);
            if (target)
                s_value_text(target, evidence, c->progress, value, sizeof value);
            json_decref(evidence);
            snprintf(episode, sizeof episode, "RESOLVED|%s#%s", PQgetvalue(res, i, 2),
                     PQgetvalue(res, i, 3));
            const char *what =
                *PQgetvalue(res, i, 5) ? PQgetvalue(res, i, 5) : PQgetvalue(res, i, 6);
            snprintf(title, sizeof title, "【已解除】原告警#%s（%s）%s %s（%s）现状态：%s", id,
                     alert_kind_zh(kind), PQgetvalue(res, i, 4), what, PQgetvalue(res, i, 7),
                     alert_status_zh(c->new_status));
            //  The RESOLVED alert names what the resolved one named, with the new evidence.
            PGresult *ins = db_query(
                conn,
                "INSERT INTO alert (episode, kind, state, subject, change_id, task, task_number,"
                " task_title, target, target_text, indicator, indicator_name, unit, unit_name,"
                " org, org_name, period, deadline, status, value_text, progress, lead_units,"
                " co_units, addressees, evidence, as_of, title, raised_on, last_notified_on,"
                " resolves)"
                " SELECT $2, 'RESOLVED', 'closed', subject, $3, task, task_number, task_title,"
                " target, target_text, indicator, indicator_name, unit, unit_name, org, org_name,"
                " period, deadline, $4, CASE WHEN $10 = '' THEN value_text ELSE $10 END,"
                " $5::float8, lead_units, co_units, addressees,"
                " $6::jsonb, $7::date, $8, $9::date, $9::date, id FROM alert WHERE id = $1"
                " ON CONFLICT (episode, occurrence) DO NOTHING RETURNING id",
                10,
                DB_PARAMS(id, episode, c->id, c->new_status, c->progress, c->evidence, c->as_of,
                          title, day, value));
            if (!res || !ins) {
                rc = -1;
                break;
            }
            if (PQntuples(ins) == 1) {
                const char *new_id = PQgetvalue(ins, 0, 0);
                int64_t rid = strtoll(new_id, NULL, 10);
                rc = db_exec(conn,
                             "UPDATE alert SET state = 'resolved', resolved_by = $2,"
                             " resolved_on = $3::date WHERE id = $1",
                             3, DB_PARAMS(id, new_id, day));
                if (rc == 0)
                    rc = raise_notify(conn, self->receivers, self->config, rid, false, 0, NULL,
                                      today);
                (*raised)++;
                log_info("alert.raised", "id=%s kind=RESOLVED resolves=%s change=%s", new_id, id,
                         c->id);
            }
            PQclear(ins);
        } else if (!strcmp(kind, "OFF_TRACK") && !strcmp(c->new_status, "OVERDUE"))
            //  Superseded: the OVERDUE alert this change raises says more. No notification.
            rc = db_exec(conn, "UPDATE alert SET state = 'closed' WHERE id = $1", 1, DB_PARAMS(id));
    }
    PQclear(res);
    return rc;
}

//  Raises one alert of kind for the change. Returns 0 or -1.
static int
s_raise_kind(raise_t *self, PGconn *conn, const change_t *c, const char *kind, day_t today,
             int *raised)
{
    const catalog_t *cat = self->catalog;
    const target_t *target = c->target ? catalog_target(cat, c->target) : NULL;
    const indicator_t *indicator = catalog_indicator(cat, target         ? target->indicator
                                                          : c->indicator ? c->indicator
                                                                         : "");
    //  A reporting duty names the task of the first target on its series.
    const target_t *context = target;
    for (size_t i = 0; !context && indicator && i < catalog_target_count(cat); i++)
        if (!strcmp(catalog_target_at(cat, i)->indicator, indicator->code))
            context = catalog_target_at(cat, i);
    const task_t *task = context ? catalog_task(cat, context->task) : NULL;
    const org_unit_t *org = catalog_org(cat, c->org);
    const resp_unit_t *unit = c->unit ? catalog_unit(cat, c->unit) : NULL;
    const char *org_name = org ? org->name : c->org;

    char deadline[DAY_TEXT_SIZE] = "";
    if (c->deadline)
        snprintf(deadline, sizeof deadline, "%s", c->deadline);
    else if (target)
        day_format(target->deadline, deadline);

    //  The responsible units: the target's lead and co units (catalog_target_units: its own,
    //  else its task's); a city's government for a city.
    json_t *lead = json_array(), *co = json_array();
    char addressees[2048] = ALERT_SUPERVISION;
    size_t unit_count;
    const task_unit_t *units = catalog_target_units(cat, context, &unit_count);
    for (size_t i = 0; i < unit_count; i++) {
        const task_unit_t *tu = &units[i];
        s_unit_json(tu->role == ROLE_LEAD ? lead : co, cat, tu->unit, tu->inferred);
        s_address(addressees, sizeof addressees, tu->unit);
    }
    if (org && org->level == ORG_CITY) {
        char gov[32];
        snprintf(gov, sizeof gov, "GOV_%s", org->code);
        if (catalog_unit(cat, gov))
            s_address(addressees, sizeof addressees, gov);
    }
    if (c->unit && *c->unit)
        s_address(addressees, sizeof addressees, c->unit);

    json_t *evidence = json_loads(c->evidence ? c->evidence : "{}", 0, NULL);
    char value[512];
    s_value_text(target, evidence, c->progress, value, sizeof value);
    json_decref(evidence);

    char episode[512], title[1024];
    const char *what = target ? target->code : task ? task->code : c->key;
    bool report = !strcmp(kind, "REPORT_OVERDUE");
    bool notice = !strcmp(kind, "DUE_SOON");
    day_t dl = 0;
    bool has_deadline = *deadline && day_parse(deadline, &dl) == 0;
    if (report)
        snprintf(episode, sizeof episode, "REPORT_OVERDUE|%s|%s|%s|%s", c->unit ? c->unit : "",
                 c->org, c->indicator ? c->indicator : "", c->period);
    else if (notice)
        snprintf(episode, sizeof episode, "DUE_SOON|%s|%s|%s|%s", what, c->org,
                 *c->period ? c->period : deadline, c->due_soon_days);
    else //  a subject judged per period (quotas) is one episode per period
        snprintf(episode, sizeof episode, "%s|%s|%s|%s", kind, what, c->org,
                 *c->period ? c->period : deadline);

    const char *number = task ? task->number : "", *task_title = task ? task->title : "";
    const char *phrase = target ? target->text : "";
    if (report)
        snprintf(title, sizeof title, "【逾期未报】%s 未报送 %s（%s，%s），应于%s前报送",
                 unit      ? unit->name
                 : c->unit ? c->unit
                           : "",
                 indicator ? indicator->name : "", org_name, c->period, deadline);
    else if (!strcmp(kind, "OVERDUE"))
        //  No day count: it grows with every reminder, so each notification adds its own
        //  (alert_from_row), as of that notification's day.
        snprintf(title, sizeof title, "【逾期未完成】%s %s｜%s（%s）截止%s", number, task_title,
                 phrase, org_name, deadline);
    else if (notice)
        snprintf(title, sizeof title, "【临期提醒】%s %s｜%s（%s）截止%s，还有%d天", number,
                 task_title, phrase, org_name, deadline,
                 has_deadline && dl > today ? dl - today : 0);
    else
        snprintf(title, sizeof title, "【预计难以完成】%s %s｜%s（%s）截止%s，%s", number,
                 task_title, phrase, org_name, deadline, value);

    char *lead_text = json_dumps(lead, JSON_COMPACT), *co_text = json_dumps(co, JSON_COMPACT);
    json_decref(lead);
    json_decref(co);
    alert_fields_t f = {
        .episode = episode,
        .kind = kind,
        .state = notice ? "closed" : "open",
        .subject = c->key,
        .change_id = c->id,
        .task = task ? task->code : NULL,
        .task_number = number,
        .task_title = task_title,
        .target = target ? target->code : NULL,
        .target_text = phrase,
        .indicator = indicator ? indicator->code : c->indicator,
        .indicator_name = indicator ? indicator->name : "",
        .unit = c->unit,
        .unit_name = unit ? unit->name : "",
        .org = c->org,
        .org_name = org_name,
        .period = c->period,
        .deadline = *deadline ? deadline : NULL,
        .status = c->new_status,
        .value_text = value,
        .progress = c->progress,
        .due_soon_days = c->due_soon_days,
        .lead_units = lead_text,
        .co_units = co_text,
        .addressees = addressees,
        .evidence = c->evidence,
        .as_of = c->as_of,
        .title = title,
    };
    int rc = 0;
    int occurrence = s_next_occurrence(conn, episode, notice);
    if (occurrence < 0)
        rc = -1;
    else if (occurrence > 0) {
        char day[DAY_TEXT_SIZE];
        int64_t id = s_insert(conn, &f, occurrence, day_format(today, day));
        if (id < 0)
            rc = -1;
        else if (id > 0) {
            rc = raise_notify(conn, self->receivers, self->config, id, false, 0, NULL, today);
            (*raised)++;
            log_info("alert.raised", "id=%lld kind=%s episode=\"%s\" change=%s", (long long)id,
                     kind, episode, c->id);
        }
    }
    free(lead_text);
    free(co_text);
    return rc;
}

static int
s_handle_change(raise_t *self, PGconn *conn, const change_t *c, day_t today, int *raised)
{
    if (s_settle_open(self, conn, c, today, raised) != 0)
        return -1;
    const char *s = c->new_status;
    int rc = 0;
    if (!strcmp(s, "OVERDUE"))
        rc = s_raise_kind(self, conn, c, "OVERDUE", today, raised);
    else if (!strcmp(s, "OFF_TRACK"))
        rc = s_raise_kind(self, conn, c, "OFF_TRACK", today, raised);
    else if (!strcmp(s, "REPORT_OVERDUE"))
        rc = s_raise_kind(self, conn, c, "REPORT_OVERDUE", today, raised);
    //  临期提醒: a lead time crossed by a subject that is neither met nor already late.
    if (rc == 0 && atoi(c->due_soon_days) > 0 && strcmp(s, "ACHIEVED") && strcmp(s, "OVERDUE") &&
        strcmp(s, "REPORTED") && strcmp(s, "REPORT_OVERDUE"))
        rc = s_raise_kind(self, conn, c, "DUE_SOON", today, raised);
    return rc;
}

//  Reads the catalog again when `planctl plan load` stored a new one. Returns 0 or -1.
static int
s_refresh_catalog(raise_t *self, PGconn *conn)
{
    char *load = db_scalar(conn, "SELECT coalesce(max(id), 0)::text FROM catalog_load", 0, NULL);
    if (!load)
        return -1;
    if (!self->catalog || strcmp(load, self->catalog_load) != 0) {
        catalog_t *fresh = catalog_read(conn);
        if (!fresh) {
            free(load);
            return -1;
        }
        catalog_destroy(&self->catalog);
        self->catalog = fresh;
        snprintf(self->catalog_load, sizeof self->catalog_load, "%s", load);
    }
    free(load);
    return 0;
}

static const char *
s_field(PGresult *res, int i, int c)
{
    return PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
}

//  One batch in one transaction. Returns the number of changes read, -1 on error.
static int
s_raise_batch(raise_t *self, PGconn *conn, day_t today, int *raised)
{
    if (raise_begin(conn) != 0)
        return -1;
    PGresult *res = NULL;
    int rc = -1, count = 0, raised_before = *raised;
    if (db_exec(conn,
                "INSERT INTO service_state (service, name, value) VALUES ('alertd', 'watermark',"
                " '0') ON CONFLICT DO NOTHING",
                0, NULL) != 0)
        goto cleanup;
    char *mark = db_scalar(conn,
                           "SELECT value FROM service_state WHERE service = 'alertd'"
                           " AND name = 'watermark' FOR UPDATE",
                           0, NULL);
    if (!mark)
        goto cleanup;
    res = db_query(conn,
                   "SELECT id, key, target, org, period, indicator, unit, old_status, new_status,"
                   " progress, due_soon_days, awaiting, deadline::text, as_of::text,"
                   " evidence::text FROM status_change WHERE id > $1::bigint ORDER BY id"
                   " LIMIT 200",
                   1, DB_PARAMS(mark));
    free(mark);
    if (!res)
        goto cleanup;
    count = PQntuples(res);
    if (count > 0 && s_refresh_catalog(self, conn) != 0)
        goto cleanup;
    for (int i = 0; i < count; i++) {
        change_t c = {
            .id = s_field(res, i, 0),
            .key = s_field(res, i, 1),
            .target = s_field(res, i, 2),
            .org = s_field(res, i, 3),
            .period = s_field(res, i, 4),
            .indicator = s_field(res, i, 5),
            .unit = s_field(res, i, 6),
            .old_status = s_field(res, i, 7),
            .new_status = s_field(res, i, 8),
            .progress = s_field(res, i, 9),
            .due_soon_days = s_field(res, i, 10),
            .awaiting = PQgetvalue(res, i, 11)[0] == 't',
            .deadline = s_field(res, i, 12),
            .as_of = s_field(res, i, 13),
            .evidence = s_field(res, i, 14),
        };
        if (s_handle_change(self, conn, &c, today, raised) != 0)
            goto cleanup;
    }
    if (*raised > raised_before && raise_wake(conn) != 0)
        goto cleanup;
    if (count > 0 &&
        db_exec(conn,
                "UPDATE service_state SET value = $1, updated_at = now() WHERE service = 'alertd'"
                " AND name = 'watermark'",
                1, DB_PARAMS(PQgetvalue(res, count - 1, 0))) != 0)
        goto cleanup;
    if (db_commit(conn) != 0)
        goto cleanup;
    rc = count;
cleanup:
    if (rc < 0)
        db_rollback(conn);
    PQclear(res);
    return rc;
}

int
raise_pending(raise_t *self, PGconn *conn)
{
    day_t today;
    clock_today(conn, self->config ? self->config->as_of : NULL, &today);
    int raised = 0, count;
    do {
        count = s_raise_batch(self, conn, today, &raised);
        if (count < 0)
            return -1;
        //  Test-only: die between the commit of the alerts and their delivery (README).
        if (raised > 0 && !self->crashed_once && alertd_fault(self->config, "crash_after_commit")) {
            self->crashed_once = true;
            log_warnx("alert.fault", "point=crash_after_commit");
            raise(SIGKILL);
        }
    } while (count == RAISE_BATCH);
    return raised;
}
