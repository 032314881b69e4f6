-- 001_catalog.sql - the plan as data (loaded by `planctl plan load` from deploy/plan/*.csv)
-- and the one settable clock.
--
-- Foreign keys into the catalog are DEFERRABLE INITIALLY DEFERRED: `planctl plan load` replaces
-- the whole catalog in one transaction, and PostgreSQL checks at COMMIT that every stored figure
-- still points at a code the new catalog has; if not, nothing changes.

CREATE TABLE org_unit (
    code   text PRIMARY KEY,                 -- GB/T 2260: 100000 nation, 430000 Hunan, 4301xx...
    name   text NOT NULL,
    level  text NOT NULL CHECK (level IN ('nation', 'province', 'city')),
    parent text NOT NULL DEFAULT '',
    ord    integer NOT NULL                  -- file order, for stable listings
);

CREATE TABLE resp_unit (
    code text PRIMARY KEY,                   -- stable ASCII code, P_STD, GOV_430100 ...
    name text NOT NULL,                      -- as the seed writes it
    kind text NOT NULL CHECK (kind IN ('dept', 'gov', 'other')),
    org  text NOT NULL REFERENCES org_unit DEFERRABLE INITIALLY DEFERRED,
    ord  integer NOT NULL
);

CREATE TABLE task (
    code   text PRIMARY KEY,                 -- G, T1, T1.1, S1, L1
    parent text NOT NULL DEFAULT '',
    kind   text NOT NULL CHECK (kind IN ('goal', 'group', 'task', 'safeguard', 'landmark')),
    number text NOT NULL,                    -- 二（一）1
    title  text NOT NULL,
    ord    integer NOT NULL
);

CREATE TABLE task_unit (
    task     text NOT NULL REFERENCES task DEFERRABLE INITIALLY DEFERRED,
    unit     text NOT NULL REFERENCES resp_unit DEFERRABLE INITIALLY DEFERRED,
    role     text NOT NULL CHECK (role IN ('lead', 'co')),
    inferred boolean NOT NULL DEFAULT false, -- the seed names no unit; see deploy/plan/README.md
    ord      integer NOT NULL,
    PRIMARY KEY (task, unit)
);

CREATE TABLE indicator (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    unit         text NOT NULL,
    period       text NOT NULL CHECK (period IN ('year', 'quarter', 'month')),
    agg          text NOT NULL CHECK (agg IN ('sum', 'ratio', 'none')),
    numerator    text NOT NULL DEFAULT '',
    denominator  text NOT NULL DEFAULT '',
    scale        double precision NOT NULL DEFAULT 1,
    nonneg       boolean NOT NULL,
    percent      boolean NOT NULL,
    first_period text NOT NULL,
    due_months   integer NOT NULL CHECK (due_months >= 0),
    by_cities    boolean NOT NULL,           -- every city government reports its own org unit
    ord          integer NOT NULL
);

CREATE TABLE indicator_reporter (
    indicator text NOT NULL REFERENCES indicator DEFERRABLE INITIALLY DEFERRED,
    unit      text NOT NULL REFERENCES resp_unit DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (indicator, unit)
);

CREATE TABLE target (
    code       text PRIMARY KEY,             -- T4.1-1
    task       text NOT NULL REFERENCES task DEFERRABLE INITIALLY DEFERRED,
    indicator  text REFERENCES indicator DEFERRABLE INITIALLY DEFERRED, -- NULL for milestones
    kind       text NOT NULL CHECK (kind IN ('level', 'growth', 'relative', 'cumulative',
                                             'quota', 'milestone')),
    cmp        text NOT NULL CHECK (cmp IN ('>=', '>', '<=', '<')),
    value      double precision,             -- NULL for milestones and relative targets
    unit       text NOT NULL DEFAULT '',
    base_year  integer,
    start_year integer,
    deadline   date NOT NULL,
    scope      text NOT NULL REFERENCES org_unit DEFERRABLE INITIALLY DEFERRED,
    text       text NOT NULL,                -- the seed's phrase
    ord        integer NOT NULL
);
CREATE INDEX target_indicator ON target (indicator);

-- Every successful `planctl plan load`.
CREATE TABLE catalog_load (
    id        bigserial PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    source    text NOT NULL,
    targets   integer NOT NULL
);

-- The clock every service reads when it is not given a fixed date: NULL means the system date.
-- `planctl clock set DATE` moves it (the demo replays 2022 -> 2026 this way) and NOTIFYs 'clock'.
CREATE TABLE system_clock (
    id     boolean PRIMARY KEY DEFAULT true CHECK (id),
    as_of  date,
    set_at timestamptz,
    set_by text
);
INSERT INTO system_clock (id) VALUES (true);
