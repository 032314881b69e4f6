-- 005_evaluator.sql - what the evaluator adds to 003: an index for the overdue reporting duties
-- it revisits whenever a feed comes in (a late figure turns REPORT_OVERDUE into REPORTED).

CREATE INDEX status_report_overdue ON status (org, indicator) WHERE status = 'REPORT_OVERDUE';
