/*  check_sql_static.c - no SQL statement is built from data: a static check over services/.

    Every call of PQexec, PQexecParams, PQprepare, PQsendQuery, PQsendQueryParams,
    PQsendPrepare, db_query, db_exec, db_scalar, db_run_script and db_copy_begin in
    services/<dir>/<file>.c must pass as its SQL text a compile-time constant: string literals,
    macros that expand to string literals only, a `static const` array of such literals
    indexed by anything, a const variable initialised with them, or a conditional choosing
    between two such constants. Data goes in as $n parameters or COPY rows (db.h). A statement
    built with snprintf, strcat, zsys_sprintf or a variable assigned at run time fails the test
    with its file, line and the argument as written.

    The scanner is a small C tokenizer (comments, string and character literals, preprocessor
    lines with continuations). Its own tests feed it sources that break the rule, so a scanner
    that stopped seeing calls cannot pass by finding nothing.

    Allow-list (each entry: file, enclosing function, why):
      services/common/db.c  db_query db_exec db_scalar db_run_script db_copy_begin
          the wrappers themselves pass their caller's `sql` parameter on to libpq; every caller
          of theirs is checked here.
      services/common/db.c  s_migrate_one (db_migrate)
          runs the text of deploy/migrations/NNN_*.sql: SQL files of the repository, not data.
      services/common/judge_data.c  s_load_observations
          COPY (SELECT ...) TO STDOUT takes no parameters: s_copy_sql formats in two block
          numbers (%ld) the loader computed from the table's size; the known-at date, the one
          value from outside, goes in through set_config('planwatch.known_at', $1).
      services/common/judge_data.c  s_helpers_join
          SET TRANSACTION SNAPSHOT takes no parameters: the id comes from the server's own
          pg_export_snapshot() and is refused unless it is hex digits and dashes.
*/
#include "testutil.h"

#include <czmq.h>
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Calls that take SQL text, and the 0-based position of that argument.
static const struct {
    const char *name; //  function
    int arg;          //  position of the SQL text
} s_calls[] = {
    {"PQexec", 1},        {"PQexecParams", 1},      {"PQprepare", 2},
    {"PQsendQuery", 1},   {"PQsendQueryParams", 1}, {"PQsendPrepare", 2},
    {"db_query", 1},      {"db_exec", 1},           {"db_scalar", 1},
    {"db_run_script", 1}, {"db_copy_begin", 1},
};

//  Functions allowed to pass a non-constant through (see the allow-list above).
static const struct {
    const char *file;     //  path under the repository
    const char *function; //  enclosing function
} s_allowed[] = {
    {"services/common/db.c", "db_query"},
    {"services/common/db.c", "db_exec"},
    {"services/common/db.c", "db_scalar"},
    {"services/common/db.c", "db_run_script"},
    {"services/common/db.c", "db_copy_begin"},
    {"services/common/db.c", "s_migrate_one"},
    {"services/common/judge_data.c", "s_load_observations"},
    {"services/common/judge_data.c", "s_helpers_join"},
};

typedef enum { TOK_IDENT, TOK_STRING, TOK_NUMBER, TOK_CHAR, TOK_PUNCT } tok_kind_t;

typedef struct {
    tok_kind_t kind; //  what it is
    char *text;      //  as written (owned)
    int line;        //  1-based
    int column;      //  0-based
} tok_t;

typedef struct {
    tok_t *toks;       //  tokens outside preprocessor lines
    size_t count;      //  entries in toks
    zhashx_t *macros;  //  #define NAME whose body is only string literals and such macros
    zhashx_t *fmacros; //  #define NAME(params) whose body is literals, macros and its params
    zhashx_t *consts;  //  const tables and variables initialised with constants only
    zlist_t *problems; //  "file:line: call(...): argument" (autofree)
    long calls;        //  calls checked
} scan_t;

static void
s_push(scan_t *s, tok_kind_t kind, const char *start, size_t len, int line, int column)
{
    s->toks = realloc(s->toks, (s->count + 1) * sizeof *s->toks);
    assert(s->toks);
    s->toks[s->count++] = (tok_t){kind, strndup(start, len), line, column};
}

//  True when every token of a #define body (after the name) is a string literal or a known
//  string macro: "SELECT " ALERT_COLUMNS " FROM alert".
static bool
s_literal_body(scan_t *s, const char *body, const char *params)
{
    bool any = false;
    const char *p = body;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == '\\') {
            p++;
            continue;
        }
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
            any = true;
            continue;
        }
        if (isalpha((unsigned char)*p) || *p == '_') {
            const char *start = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(p - start), start);
            char word[132];
            snprintf(word, sizeof word, ",%s,", name);
            if (!zhashx_lookup(s->macros, name) && !(params && strstr(params, word)))
                return false;
            any = true;
            continue;
        }
        if (p[0] == '/' && p[1] == '/')
            break;
        return false;
    }
    return any;
}

//  Tokenizes a C source; records string macros from its #define lines.
static void
s_tokenize(scan_t *s, const char *src)
{
    int line = 1;
    const char *line_start = src, *p = src;
    bool at_line_start = true;
    while (*p) {
        if (*p == '\n') {
            line++;
            p++;
            line_start = p;
            at_line_start = true;
            continue;
        }
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
                if (*p == '\n')
                    line++, line_start = p + 1;
            p += *p ? 2 : 0;
            continue;
        }
        if (*p == '#' && at_line_start) {
            //  A preprocessor line with its continuations.
            const char *start = p;
            while (*p && !(*p == '\n' && p[-1] != '\\')) {
                if (*p == '\n')
                    line++, line_start = p + 1;
                p++;
            }
            char *directive = strndup(start, (size_t)(p - start));
            char name[128];
            int used = 0;
            if (sscanf(directive, "# define %127[A-Za-z0-9_]%n", name, &used) == 1) {
                if (directive[used] != '(' && s_literal_body(s, directive + used, NULL))
                    zhashx_insert(s->macros, name, (void *)1);
                else if (directive[used] == '(') {
                    //  NAME(a, b) "..." a "...": ",a,b," for the lookup of its parameters
                    const char *close = strchr(directive + used, ')');
                    char params[256] = ",";
                    size_t n = 1;
                    for (const char *q = directive + used + 1; close && q < close && n < 250; q++)
                        if (!isspace((unsigned char)*q))
                            params[n++] = *q;
                    params[n++] = ',';
                    params[n] = '\0';
                    if (close && !strchr(close, '#') && s_literal_body(s, close + 1, params))
                        zhashx_insert(s->fmacros, name, (void *)1);
                }
            }
            free(directive);
            continue;
        }
        at_line_start = false;
        int column = (int)(p - line_start);
        const char *start = p;
        if (*p == '"' || *p == '\'') {
            char quote = *p++;
            while (*p && *p != quote) {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            p += *p ? 1 : 0;
            s_push(s, quote == '"' ? TOK_STRING : TOK_CHAR, start, (size_t)(p - start), line,
                   column);
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            s_push(s, TOK_IDENT, start, (size_t)(p - start), line, column);
        } else if (isdigit((unsigned char)*p)) {
            while (isalnum((unsigned char)*p) || *p == '.' || *p == '_')
                p++;
            s_push(s, TOK_NUMBER, start, (size_t)(p - start), line, column);
        } else {
            p++;
            s_push(s, TOK_PUNCT, start, 1, line, column);
        }
    }
}

static bool
s_is(const tok_t *t, const char *text)
{
    return strcmp(t->text, text) == 0;
}

//  True when tokens [from, to) are constant SQL text: literals and string macros, a constant
//  table or variable (indexed or not), parentheses, or cond ? constant : constant.
static bool
s_constant(scan_t *s, size_t from, size_t to)
{
    if (from >= to)
        return false;
    //  A top-level conditional: both branches must be constant; the condition may be anything.
    int depth = 0;
    for (size_t i = from; i < to; i++) {
        const char *t = s->toks[i].text;
        if (s->toks[i].kind == TOK_PUNCT && (s_is(&s->toks[i], "(") || s_is(&s->toks[i], "[")))
            depth++;
        else if (s->toks[i].kind == TOK_PUNCT && (s_is(&s->toks[i], ")") || s_is(&s->toks[i], "]")))
            depth--;
        else if (depth == 0 && s->toks[i].kind == TOK_PUNCT && strcmp(t, "?") == 0) {
            int nested = 0;
            for (size_t j = i + 1; j < to; j++) {
                const tok_t *u = &s->toks[j];
                if (u->kind == TOK_PUNCT && (s_is(u, "(") || s_is(u, "[") || s_is(u, "?")))
                    nested++;
                else if (u->kind == TOK_PUNCT && (s_is(u, ")") || s_is(u, "]")))
                    nested--;
                else if (u->kind == TOK_PUNCT && s_is(u, ":")) {
                    if (nested == 0)
                        return s_constant(s, i + 1, j) && s_constant(s, j + 1, to);
                    nested--; //  closes a nested ?:
                }
            }
            return false;
        }
    }
    if (s->toks[from].kind == TOK_PUNCT && s_is(&s->toks[from], "(") && s_is(&s->toks[to - 1], ")"))
        return s_constant(s, from + 1, to - 1);
    //  NAME[anything]: a constant table.
    if (to - from >= 3 && s->toks[from].kind == TOK_IDENT && s_is(&s->toks[from + 1], "[") &&
        s_is(&s->toks[to - 1], "]"))
        return zhashx_lookup(s->consts, s->toks[from].text) != NULL;
    for (size_t i = from; i < to; i++) {
        const tok_t *t = &s->toks[i];
        if (t->kind == TOK_STRING)
            continue;
        //  MACRO(constant, ...) of a string macro with parameters
        if (t->kind == TOK_IDENT && zhashx_lookup(s->fmacros, t->text) && i + 1 < to &&
            s_is(&s->toks[i + 1], "(")) {
            size_t j = i + 2, arg = i + 2;
            int level = 1;
            bool ok = true;
            for (; j < to && level > 0; j++) {
                const tok_t *u = &s->toks[j];
                if (u->kind == TOK_PUNCT && s_is(u, "("))
                    level++;
                else if (u->kind == TOK_PUNCT && s_is(u, ")"))
                    level--;
                if ((level == 1 && u->kind == TOK_PUNCT && s_is(u, ",")) || level == 0) {
                    ok = ok && s_constant(s, arg, j);
                    arg = j + 1;
                }
            }
            if (!ok || level != 0)
                return false;
            i = j - 1;
            continue;
        }
        if (t->kind == TOK_IDENT &&
            (zhashx_lookup(s->macros, t->text) || zhashx_lookup(s->consts, t->text)))
            continue;
        return false;
    }
    return true;
}

//  True when NAME = appears once in the file (its declaration) and NAME is never passed by
//  address (&NAME).
static bool
s_never_reassigned(scan_t *s, const char *name)
{
    int assigned = 0;
    for (size_t i = 0; i + 2 < s->count; i++) {
        if (s->toks[i].kind == TOK_PUNCT && s_is(&s->toks[i], "&") && s_is(&s->toks[i + 1], name))
            return false;
        if (s_is(&s->toks[i], name) && s_is(&s->toks[i + 1], "=") && !s_is(&s->toks[i + 2], "="))
            assigned++;
    }
    return assigned == 1;
}

//  Records `const char *const NAME[] = {constants};`, `const char NAME[] = constant;` and
//  `const char *const NAME = constant;` (static or not, any scope).
static void
s_find_consts(scan_t *s)
{
    for (size_t i = 0; i + 4 < s->count; i++) {
        if (!s_is(&s->toks[i], "const") || !s_is(&s->toks[i + 1], "char"))
            continue;
        size_t j = i + 2;
        bool pointer_const = false;
        if (s_is(&s->toks[j], "*")) {
            //  const char *NAME may be pointed elsewhere later: constant only if it never is
            pointer_const = s_is(&s->toks[j + 1], "const");
            j += pointer_const ? 2 : 1;
        }
        if (j >= s->count || s->toks[j].kind != TOK_IDENT)
            continue;
        const char *name = s->toks[j].text;
        j++;
        bool array = j + 1 < s->count && s_is(&s->toks[j], "[");
        if (array) {
            while (j < s->count && !s_is(&s->toks[j], "]"))
                j++;
            j++;
        }
        if (j >= s->count || !s_is(&s->toks[j], "="))
            continue;
        j++;
        size_t end = j;
        while (end < s->count && !s_is(&s->toks[end], ";"))
            end++;
        bool ok;
        if (s_is(&s->toks[j], "{")) {
            //  every element between the braces constant
            ok = array && s_is(&s->toks[end - 1], "}");
            size_t k = j + 1;
            while (ok && k < end - 1) {
                size_t e = k;
                while (e < end - 1 && !s_is(&s->toks[e], ","))
                    e++;
                if (e > k)
                    ok = s_constant(s, k, e);
                k = e + 1;
            }
        } else
            ok = (pointer_const || array || s_never_reassigned(s, name)) && s_constant(s, j, end);
        if (ok)
            zhashx_insert(s->consts, name, (void *)1);
    }
}

static bool
s_allowed_in(const char *file, const char *function)
{
    for (size_t i = 0; i < sizeof s_allowed / sizeof s_allowed[0]; i++)
        if (strcmp(file, s_allowed[i].file) == 0 && function &&
            strcmp(function, s_allowed[i].function) == 0)
            return true;
    return false;
}

//  Checks every call in one tokenized file.
static void
s_check_calls(scan_t *s, const char *file)
{
    const char *function = NULL; //  the definition the tokens are in (name at column 0)
    for (size_t i = 0; i + 1 < s->count; i++) {
        const tok_t *t = &s->toks[i];
        if (t->kind != TOK_IDENT || !s_is(&s->toks[i + 1], "("))
            continue;
        if (t->column == 0) {
            function = t->text; //  house style: a definition's name starts its line
            continue;
        }
        int want = -1;
        for (size_t k = 0; k < sizeof s_calls / sizeof s_calls[0]; k++)
            if (strcmp(t->text, s_calls[k].name) == 0)
                want = s_calls[k].arg;
        if (want < 0)
            continue;
        //  The arguments: split at commas of depth 1.
        size_t arg_start = i + 2;
        int depth = 1, arg = 0;
        size_t from = 0, to = 0;
        for (size_t j = i + 2; j < s->count && depth > 0; j++) {
            const tok_t *u = &s->toks[j];
            if (u->kind != TOK_PUNCT)
                continue;
            if (s_is(u, "(") || s_is(u, "[") || s_is(u, "{"))
                depth++;
            else if (s_is(u, ")") || s_is(u, "]") || s_is(u, "}"))
                depth--;
            if ((depth == 1 && s_is(u, ",")) || depth == 0) {
                if (arg == want)
                    from = arg_start, to = j;
                arg++;
                arg_start = j + 1;
            }
        }
        s->calls++;
        if (to > from && s_constant(s, from, to))
            continue;
        if (s_allowed_in(file, function))
            continue;
        char text[256] = "";
        size_t used = 0;
        for (size_t k = from; k < to && used < sizeof text - 2; k++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", k > from ? " " : "",
                                     s->toks[k].text);
        char problem[512];
        snprintf(problem, sizeof problem, "%s:%d: %s(): SQL argument is not a constant: %s", file,
                 t->line, t->text, to > from ? text : "(missing)");
        zlist_append(s->problems, problem);
    }
}

static scan_t *
s_scan_new(void)
{
    scan_t *s = calloc(1, sizeof *s);
    assert(s);
    s->macros = zhashx_new();
    s->fmacros = zhashx_new();
    s->consts = zhashx_new();
    s->problems = zlist_new();
    zlist_autofree(s->problems);
    return s;
}

static void
s_scan_reset(scan_t *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->toks[i].text);
    free(s->toks);
    s->toks = NULL;
    s->count = 0;
    zhashx_purge(s->consts);
}

static void
s_scan_destroy(scan_t **s_p)
{
    scan_t *s = *s_p;
    s_scan_reset(s);
    zhashx_destroy(&s->macros);
    zhashx_destroy(&s->fmacros);
    zhashx_destroy(&s->consts);
    zlist_destroy(&s->problems);
    free(s);
    *s_p = NULL;
}

//  Scans one source text (file names it in problems). Headers' macros must be scanned first.
static void
s_scan_text(scan_t *s, const char *file, const char *text)
{
    s_scan_reset(s);
    s_tokenize(s, text);
    s_find_consts(s);
    s_check_calls(s, file);
}

//  Every .h (macros) then every .c of services/*/.
static void
s_scan_tree(scan_t *s, long *files)
{
    const char *top = testutil_repo_path("services");
    DIR *d = opendir(top);
    ck_assert_ptr_nonnull(d);
    zlist_t *sources = zlist_new();
    zlist_autofree(sources);
    zlist_comparefn(sources, (zlist_compare_fn *)strcmp);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", top, e->d_name);
        DIR *sd = opendir(sub);
        if (!sd)
            continue;
        struct dirent *f;
        while ((f = readdir(sd)) != NULL) {
            size_t n = strlen(f->d_name);
            if (n > 2 && f->d_name[n - 2] == '.' &&
                (f->d_name[n - 1] == 'c' || f->d_name[n - 1] == 'h')) {
                char rel[PATH_MAX];
                snprintf(rel, sizeof rel, "services/%s/%s", e->d_name, f->d_name);
                zlist_append(sources, rel);
            }
        }
        closedir(sd);
    }
    closedir(d);
    zlist_sort(sources, NULL);
    //  Headers first, so that their string macros are known (common's before the services').
    for (int pass = 0; pass < 2; pass++)
        for (char *rel = zlist_first(sources); rel; rel = zlist_next(sources)) {
            bool header = rel[strlen(rel) - 1] == 'h';
            if (header != (pass == 0))
                continue;
            zchunk_t *chunk = zchunk_slurp(testutil_repo_path(rel), 0);
            ck_assert_ptr_nonnull(chunk);
            char *text = strndup((char *)zchunk_data(chunk), zchunk_size(chunk));
            if (header) {
                s_scan_reset(s);
                s_tokenize(s, text); //  headers: only their macros are wanted
            } else
                s_scan_text(s, rel, text);
            free(text);
            zchunk_destroy(&chunk);
            (*files)++;
        }
    zlist_destroy(&sources);
}

// ---------------------------------------------------------------------------------------------
//  core: the tree

START_TEST(test_sql_static_services_use_constant_sql)
{
    scan_t *s = s_scan_new();
    long files = 0;
    s_scan_tree(s, &files);
    for (char *p = zlist_first(s->problems); p; p = zlist_next(s->problems))
        fprintf(stderr, "%s\n", p);
    //  The scanner saw the calls (there are well over a hundred).
    ck_assert_int_ge(files, 40);
    ck_assert_int_ge(s->calls, 100);
    ck_assert_msg(zlist_size(s->problems) == 0,
                  "%zu SQL statements built at run time (listed above); pass data as $n "
                  "parameters or COPY rows",
                  zlist_size(s->problems));
    s_scan_destroy(&s);
}
END_TEST

// ---------------------------------------------------------------------------------------------
//  errors: the scanner itself, on sources that break the rule and sources that keep it

static const struct {
    const char *source; //  a function body as it could be written
    int problems;       //  how many the scanner must report
} s_samples[] = {
    //  built with snprintf: caught
    {"void\nf(PGconn *c, const char *org)\n{\n    char sql[256];\n"
     "    snprintf(sql, sizeof sql, \"SELECT * FROM status WHERE org = '%s'\", org);\n"
     "    db_exec(c, sql, 0, NULL);\n}\n",
     1},
    //  a pointer to a copy made at run time: caught; one of two constants chosen: not
    {"void\nf(PGconn *c, int x)\n{\n    char *sql = strdup(\"SELECT 1\");\n"
     "    PGresult *r = PQexec(c, sql);\n    const char *pick = x ? \"SELECT 1\" : \"SELECT 2\";\n"
     "    r = PQexec(c, pick);\n}\n",
     1},
    //  zsys_sprintf inline, and a strcat'ed buffer through PQprepare: both caught
    {"void\nf(PGconn *c, const char *t)\n{\n    char *q = zsys_sprintf(\"DELETE FROM %s\", t);\n"
     "    char *s2 = db_scalar(c, zsys_sprintf(\"SELECT %s\", t), 0, NULL);\n"
     "    PQprepare(c, \"x\", strcat(buf, t), 0, NULL);\n    db_run_script(c, q);\n}\n",
     3},
    //  constants of every accepted shape: none
    {"#define LOCK \"4300002\"\n#define COLS \"a, b\" \" , c\"\n"
     "static const char *const s_sql[] = {\"SELECT 1\", \"SELECT \" COLS \" FROM t\"};\n"
     "static const char s_one[] = \"SELECT 2\";\n"
     "static const char *const s_two = \"SELECT 3\";\n"
     "void\nf(PGconn *c, int i, int x)\n{\n"
     "    db_exec(c, \"SELECT pg_advisory_xact_lock(\" LOCK \")\", 0, NULL);\n"
     "    db_query(c, s_sql[i + 1], 1, DB_PARAMS(\"x\"));\n    db_scalar(c, s_one, 0, NULL);\n"
     "    PQexec(c, s_two);\n    db_exec(c, x ? \"SELECT 4\" : (\"SELECT \" COLS), 0, NULL);\n"
     "    PQprepare(c, name, \"SELECT $1\", 1, NULL);\n"
     "    db_copy_begin(c, \"COPY t (\" COLS \") FROM STDIN\");\n}\n",
     0},
    //  a function-like macro that stringifies, or is given a variable: caught; one of
    //  literals given literals: not
    {"#define SQL(t) \"SELECT * FROM \" #t\n#define UNTIL(col) \"greatest(0, \" col \")\"\n"
     "void\nf(PGconn *c, const char *v)\n{\n"
     "    db_exec(c, SQL(x), 0, NULL);\n    db_exec(c, \"SELECT \" UNTIL(v), 0, NULL);\n"
     "    db_exec(c, \"SELECT \" UNTIL(\"a\") \" FROM t\", 0, NULL);\n}\n",
     2},
    //  const char *sql = literal: fine while nothing points it elsewhere
    {"void\nf(PGconn *c, const char *v)\n{\n    const char *sql = \"SELECT 1\";\n"
     "    PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);\n}\n"
     "void\ng(PGconn *c, const char *v)\n{\n    const char *q = \"SELECT 1\";\n"
     "    if (v)\n        q = v;\n    db_exec(c, q, 0, NULL);\n}\n",
     1},
    //  the wrappers' pass-through is allowed in db.c only (checked with another file name)
    {"PGresult *\ndb_query(PGconn *conn, const char *sql, int n, const char *const *p)\n{\n"
     "    return PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0);\n}\n",
     1},
};

START_TEST(test_sql_static_scanner_catches_built_sql)
{
    scan_t *s = s_scan_new();
    s_scan_text(s, "services/sample/sample.c", s_samples[_i].source);
    for (char *p = zlist_first(s->problems); p; p = zlist_next(s->problems))
        fprintf(stderr, "  sample %d: %s\n", _i, p);
    ck_assert_int_eq(zlist_size(s->problems), s_samples[_i].problems);
    s_scan_destroy(&s);
}
END_TEST

START_TEST(test_sql_static_wrappers_allowed_only_in_db_c)
{
    scan_t *s = s_scan_new();
    s_scan_text(s, "services/common/db.c", s_samples[6].source);
    ck_assert_int_eq(zlist_size(s->problems), 0);
    ck_assert_int_eq(s->calls, 1);
    s_scan_destroy(&s);
}
END_TEST

static Suite *
sql_static_suite(void)
{
    Suite *s = suite_create("sql_static");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_sql_static_services_use_constant_sql);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_sql_static_scanner_catches_built_sql, 0,
                        sizeof s_samples / sizeof s_samples[0]);
    tcase_add_test(errors, test_sql_static_wrappers_allowed_only_in_db_c);
    suite_add_tcase(s, errors);
    return s;
}

TESTUTIL_MAIN(sql_static_suite)
