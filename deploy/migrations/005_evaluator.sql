-- 005_evaluator.sql - what the evaluator adds to 003.
--
-- status_report_overdue: the overdue reporting duties it revisits whenever a feed comes in (a late
-- figure turns REPORT_OVERDUE into REPORTED).
-- status.evidence_digest: a digest (FNV-1a 64, hex) of the evidence as the evaluator wrote it, in
-- its canonical text (compact, sorted keys): re-judging compares digests instead of reading every
-- evidence document back. '' means unknown (the next judgement rewrites it).

CREATE INDEX status_report_overdue ON status (org, indicator) WHERE status = 'REPORT_OVERDUE';

ALTER TABLE status ADD COLUMN evidence_digest text NOT NULL DEFAULT '';
