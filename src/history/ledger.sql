-- The ledger's integrity chain (store/migrations/002_ledger.sql). As for runs (integrity.sql):
--   content_hash = sha256(previous_hash || '\n' || ledger_canonical(entry_id))
-- where ledger_canonical lists the entry's own row and every row recorded under it (each table of ledger records
-- carries an entry_id column and adds one line below), each as the sha256 of its JSON line, in a fixed order.
-- Editing or deleting any recorded row changes the recomputed hash of its entry; deleting an entry breaks the link.

CREATE OR REPLACE MACRO ledger_canonical(target_entry) AS (
  WITH lines AS (
    SELECT 0 AS part,
           to_json({'entry_id': entry_id, 'source': source, 'workspace_id': workspace_id, 'kind': kind,
                    'subject_id': subject_id, 'recorded_at': recorded_at, 'anchor_run_id': anchor_run_id,
                    'anchor_hash': anchor_hash})::VARCHAR AS line
    FROM ledger_log WHERE entry_id = target_entry
    -- Each table of ledger records adds its rows here, one part number each (1-9 review, 10-19 remediation):
    UNION ALL SELECT 1, to_json(x)::VARCHAR FROM review_campaign_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 2, to_json(x)::VARCHAR FROM review_item_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 3, to_json(x)::VARCHAR FROM review_import_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 4, to_json(x)::VARCHAR FROM review_decision_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 5, to_json(x)::VARCHAR FROM review_signoff_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 10, to_json(x)::VARCHAR FROM remediation_plan_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 11, to_json(x)::VARCHAR FROM remediation_action_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 12, to_json(x)::VARCHAR FROM remediation_excluded_log x WHERE x.entry_id = target_entry
    UNION ALL SELECT 13, to_json(x)::VARCHAR FROM remediation_call_log x WHERE x.entry_id = target_entry
  )
  SELECT coalesce(string_agg(h, chr(10) ORDER BY part, h), '')
  FROM (SELECT part, sha256(line) AS h FROM lines)
);

CREATE OR REPLACE MACRO ledger_hash(previous_hash, target_entry) AS
  sha256(coalesce(previous_hash, '') || chr(10) || ledger_canonical(target_entry));

-- Every ledger entry with what its hash should be (as run_integrity does for runs).
CREATE OR REPLACE VIEW ledger_integrity AS
SELECT checked.entry_id, checked.kind, checked.subject_id, checked.source, checked.workspace_id,
       checked.source || '|' || checked.workspace_id AS chain,
       checked.previous_hash,
       lag(checked.content_hash) OVER (PARTITION BY checked.source, checked.workspace_id ORDER BY checked.entry_id)
         AS expected_previous_hash,
       checked.content_hash,
       ledger_hash(checked.previous_hash, checked.entry_id) AS recomputed_hash,
       checked.anchor_run_id, checked.anchor_hash,
       (SELECT r.content_hash FROM run_log r WHERE r.run_id = checked.anchor_run_id) AS anchor_hash_now
FROM ledger_log AS checked;
