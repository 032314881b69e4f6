/*  alertd_remind.c - reminders of open unacknowledged alerts every N working days, escalation
    to the leading group's office after M */
#include "alertd.h"

#include "log.h"

#include <stdlib.h>
#include <string.h>

static const escalation_t *
s_rule(const escalation_t *rules, size_t count, const char *kind)
{
    for (size_t i = 0; i < count; i++)
        if (!strcmp(rules[i].kind, kind))
            return &rules[i];
    return NULL;
}

typedef enum { ACT_NONE = 0, ACT_REMIND = 1, ACT_ESCALATE = 2 } action_t;

//  What an alert is due for today.
static action_t
s_due(const calendar_t *calendar, const escalation_t *rule, const char *raised_on,
      const char *last_notified_on, int level, day_t today)
{
    day_t raised, last;
    if (!rule || day_parse(raised_on, &raised) != 0 || day_parse(last_notified_on, &last) != 0)
        return ACT_NONE;
    if (rule->escalate_days > 0 && level == 0 &&
        calendar_workdays_between(calendar, raised, today) >= rule->escalate_days)
        return ACT_ESCALATE;
    if (rule->remind_days > 0 &&
        calendar_workdays_between(calendar, last, today) >= rule->remind_days)
        return ACT_REMIND;
    return ACT_NONE;
}

#define OPEN_UNACKED                                                                               \
    " FROM alert a WHERE a.state = 'open' AND a.kind = ANY (string_to_array($1, ';'))"             \
    " AND NOT EXISTS (SELECT 1 FROM alert_ack k WHERE k.alert_id = a.id)"

int
remind_run(PGconn *conn, const alertd_config_t *config, const receivers_t *receivers,
           const calendar_t *calendar, const escalation_t *rules, size_t rule_count, day_t today)
{
    char kinds[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < rule_count && len < sizeof kinds; i++)
        if (rules[i].remind_days > 0 || rules[i].escalate_days > 0)
            len += (size_t)snprintf(kinds + len, sizeof kinds - len, "%s%s", len ? ";" : "",
                                    rules[i].kind);
    if (!len)
        return 0;
    //  A read without the lock first: most ticks have nothing to do.
    PGresult *res = db_query(conn,
                             "SELECT a.id, a.kind, a.raised_on::text, a.last_notified_on::text,"
                             " a.level" OPEN_UNACKED " ORDER BY a.id",
                             1, DB_PARAMS(kinds));
    if (!res)
        return -1;
    bool any = false;
    for (int i = 0; !any && i < PQntuples(res); i++)
        any =
            s_due(calendar, s_rule(rules, rule_count, PQgetvalue(res, i, 1)), PQgetvalue(res, i, 2),
                  PQgetvalue(res, i, 3), atoi(PQgetvalue(res, i, 4)), today) != ACT_NONE;
    PQclear(res);
    if (!any)
        return 0;
    if (raise_begin(conn) != 0)
        return -1;
    //  Again under the lock, so that two alertd remind once.
    res = db_query(
        conn,
        "SELECT a.id, a.kind, a.raised_on::text, a.last_notified_on::text, a.level" OPEN_UNACKED
        " ORDER BY a.id FOR UPDATE",
        1, DB_PARAMS(kinds));
    int made = 0, rc = res ? 0 : -1;
    char day[DAY_TEXT_SIZE];
    day_format(today, day);
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0);
        const escalation_t *rule = s_rule(rules, rule_count, PQgetvalue(res, i, 1));
        int level = atoi(PQgetvalue(res, i, 4));
        action_t act =
            s_due(calendar, rule, PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), level, today);
        if (act == ACT_NONE)
            continue;
        if (act == ACT_ESCALATE) {
            level = 1;
            //  The escalated-to office joins the alert's addressees, so that later reminders
            //  and the RESOLVED alert reach it too.
            rc =
                db_exec(conn,
                        "UPDATE alert SET level = 1, escalated_on = $2::date,"
                        " last_notified_on = $2::date, addressees = CASE WHEN $3 = ANY (addressees)"
                        " THEN addressees ELSE array_append(addressees, $3) END WHERE id = $1",
                        3, DB_PARAMS(id, day, rule->escalate_to));
        } else
            rc = db_exec(conn,
                         "UPDATE alert SET reminders = reminders + 1, last_notified_on = $2::date"
                         " WHERE id = $1",
                         2, DB_PARAMS(id, day));
        if (rc == 0)
            rc = raise_notify(conn, receivers, config, strtoll(id, NULL, 10), act == ACT_REMIND,
                              level, NULL, today);
        if (rc == 0) {
            made++;
            log_info(act == ACT_ESCALATE ? "alert.escalated" : "alert.reminded",
                     "id=%s kind=%s level=%d today=%s", id, rule->kind, level, day);
        }
    }
    PQclear(res);
    if (rc == 0 && made > 0)
        rc = raise_wake(conn);
    if (rc != 0 || db_commit(conn) != 0) {
        db_rollback(conn);
        return -1;
    }
    return made;
}
